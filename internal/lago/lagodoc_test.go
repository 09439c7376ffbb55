package lago_test

// Every answer of this package's tests on one of Lago's paths is held to the response schema
// that Lago's own OpenAPI document gives it (../shared/contracts/lago-openapi/openapi.yaml,
// beside the clone: AGPL, read there and copied nowhere). The document is OpenAPI 3.1, whose
// schemas are JSON Schema 2020-12: kin-openapi cannot load it, so it is read with
// santhosh-tekuri/jsonschema. See docs/lago.md, "Lago's own document".

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/clientele/clientele/internal/apitest"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/lago"
	"github.com/clientele/clientele/internal/samtemplate"
)

// lagoBase is the path of Lago's API that its document's server URLs end in.
const lagoBase = "/api/v1"

// nullInLago are the billing_configuration fields that Lago's serializer sends as null when
// they are not set (V1::CustomerSerializer#billing_configuration reads them off the customer,
// whose columns are nullable: no grace period of its own, no payment provider), while the
// document's CustomerBillingConfiguration, written for the request that sets them, types them
// without null. Only these, and only when null, are left out of an answer before it is checked.
var nullInLago = []string{
	"invoice_grace_period", "payment_provider", "payment_provider_code", "document_locale", "provider_customer_id",
}

// lagoErrorResponses are the document's answers to an error of a status that an operation
// does not list: Lago renders its errors in one shape on every route (ApiResponses).
var lagoErrorResponses = map[int]string{
	400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "NotAllowed",
	422: "UnprocessableEntity",
}

// lagoDoc is Lago's document, its schemas compiled as they are asked for.
type lagoDoc struct {
	file string
	root map[string]any
	mu   sync.Mutex
	c    *jsonschema.Compiler
	done map[string]*jsonschema.Schema // by JSON pointer
}

// lagoDocument is the document, or nil and why it is not there.
var lagoDocument = sync.OnceValues(func() (*lagoDoc, error) {
	tmpl, err := samtemplate.Find(".")
	if err != nil {
		return nil, err
	}
	file := filepath.Join(filepath.Dir(tmpl), "..", "shared", "contracts", "lago-openapi", "openapi.yaml")
	raw, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("Lago's OpenAPI document is not beside the clone (%s): "+
			"the Lago answers are not held to Lago's schemas", file)
	}
	if err != nil {
		return nil, err
	}
	var y any
	if err := yaml.Unmarshal(raw, &y); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	asJSON, err := json.Marshal(y)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(asJSON))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	root, _ := doc.(map[string]any)
	if v, _ := root["openapi"].(string); !strings.HasPrefix(v, "3.1") {
		return nil, fmt.Errorf("%s: OpenAPI %q, want 3.1 (JSON Schema 2020-12)", file, v)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat() // uuid, date-time, email
	// An address Clientele takes with a non-ASCII local part or domain (RFC 6531) is echoed as sent.
	c.RegisterFormat(&jsonschema.Format{Name: "email", Validate: idnEmail})
	if err := c.AddResource(file, doc); err != nil {
		return nil, err
	}
	return &lagoDoc{file: file, root: root, c: c, done: map[string]*jsonschema.Schema{}}, nil
})

// idnEmail is JSON Schema's idn-email format, the email format that internationalised
// addresses pass too.
func idnEmail(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	if _, err := mail.ParseAddress(s); err != nil || strings.ContainsAny(s, "<> ") {
		return fmt.Errorf("%q is not an email address", s)
	}
	return nil
}

// checkLagoAnswer is the AnswerCheck of this package (TestMain): an answer on one of the
// document's paths must fit its schema there. API Gateway's own answers are not Lago's (a
// request without a key: see docs/lago.md, "Keys").
func checkLagoAnswer(t *testing.T, a apitest.Answer) {
	t.Helper()
	d, _ := lagoDocument()
	if d == nil || a.FromGateway() {
		return // without the document, lagoDocOrSkip's tests say so
	}
	if _, err := d.check(a); err != nil {
		body := string(a.Body)
		if len(body) > 1000 {
			body = body[:1000] + "…"
		}
		t.Errorf("Lago's OpenAPI document: %s %s answered %d: %s\n%s", a.Method, a.Path, a.Status,
			firstLines(err.Error(), 30), body)
	}
}

// firstLines is the first n lines of s: a page of customers that breaks a schema breaks it
// in every one.
func firstLines(s string, n int) string {
	lines := strings.SplitAfterN(s, "\n", n+1)
	if len(lines) <= n {
		return s
	}
	return strings.Join(lines[:n], "") + "…"
}

// check validates an answer against the schema the document gives it, and names that schema;
// "" when the answer is not on one of the document's paths, or has no schema there.
func (d *lagoDoc) check(a apitest.Answer) (string, error) {
	ptr, name := d.responseSchema(a.Method, a.Path, a.Status)
	if ptr == "" {
		return "", nil
	}
	body, err := jsonschema.UnmarshalJSON(bytes.NewReader(a.Body))
	if err != nil {
		return name, fmt.Errorf("the body is not JSON: %w", err)
	}
	dropNullBilling(body)
	if err := d.validate(ptr, body); err != nil {
		return name, fmt.Errorf("does not fit %s: %w", name, err)
	}
	return name, nil
}

// validate validates a value against the schema at a JSON pointer of the document.
func (d *lagoDoc) validate(ptr string, v any) error {
	sch, err := d.compile(ptr)
	if err != nil {
		return err
	}
	return sch.Validate(v)
}

// dropNullBilling leaves out of the customers of an answer the billing_configuration fields
// nullInLago, when they are null.
func dropNullBilling(body any) {
	b, _ := body.(map[string]any)
	all, _ := b["customers"].([]any)
	for _, c := range append(all, b["customer"]) {
		c, _ := c.(map[string]any)
		bc, _ := c["billing_configuration"].(map[string]any)
		for _, f := range nullInLago {
			if v, ok := bc[f]; ok && v == nil {
				delete(bc, f)
			}
		}
	}
}

func (d *lagoDoc) compile(ptr string) (*jsonschema.Schema, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if sch := d.done[ptr]; sch != nil {
		return sch, nil
	}
	sch, err := d.c.Compile(d.file + "#" + ptr)
	if err != nil {
		return nil, err
	}
	d.done[ptr] = sch
	return sch, nil
}

// responseSchema is the JSON pointer of the schema of an answer and the name of the schema it
// refers to: the operation's answer of that status, else Lago's error of that status.
func (d *lagoDoc) responseSchema(method, path string, status int) (ptr, name string) {
	tmpl := d.pathOf(path)
	if tmpl == "" {
		return "", ""
	}
	code := strconv.Itoa(status)
	ptr = "/paths/" + escapePointer(tmpl) + "/" + strings.ToLower(method) + "/responses/" + code
	if d.at(ptr) == nil {
		resp, ok := lagoErrorResponses[status]
		if !ok {
			return "", ""
		}
		ptr = "/components/responses/" + resp
	}
	for range 5 { // a response by $ref, to components/responses
		ref, _ := d.at(ptr + "/$ref").(string)
		if ref == "" {
			break
		}
		ptr = strings.TrimPrefix(ref, "#")
	}
	ptr += "/content/application~1json/schema"
	if d.at(ptr) == nil {
		return "", ""
	}
	name, _ = d.at(ptr + "/$ref").(string)
	return ptr, name[strings.LastIndex(name, "/")+1:]
}

// pathOf is the document's path that a request path is on (literal segments before
// parameters), or "".
func (d *lagoDoc) pathOf(path string) string {
	rest, ok := strings.CutPrefix(path, lagoBase)
	if !ok || rest == "" {
		return ""
	}
	segs := strings.Split(rest, "/")
	paths, _ := d.root["paths"].(map[string]any)
	best, bestScore := "", -1
	for tmpl := range paths {
		if score := matchPath(strings.Split(tmpl, "/"), segs); score > bestScore {
			best, bestScore = tmpl, score
		}
	}
	return best
}

// matchPath is how many of a path's segments a template's literals match, or -1 when it does
// not match.
func matchPath(tmpl, segs []string) int {
	if len(tmpl) != len(segs) {
		return -1
	}
	score := 0
	for i, s := range tmpl {
		switch {
		case s == segs[i]:
			score++
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") && segs[i] != "":
		default:
			return -1
		}
	}
	return score
}

// at is the value at a JSON pointer of the document, or nil.
func (d *lagoDoc) at(ptr string) any {
	var v any = d.root
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)]
	}
	return v
}

func escapePointer(s string) string { return strings.NewReplacer("~", "~0", "/", "~1").Replace(s) }

// lagoDocOrSkip is Lago's document, or skips the test saying why it is not there.
func lagoDocOrSkip(t *testing.T) *lagoDoc {
	t.Helper()
	d, err := lagoDocument()
	if d == nil {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestAnswersFitLagosOwnDocument: each of Lago's answers (upsert, get, list and delete, their
// 400, 401, 403, 404 and 422) is checked against the schema Lago's document gives it, the one
// named here, and fits it; Lago's own 404 of a billing entity, on the list, which the document
// lists no 404 for, is its ApiErrorNotFound.
func TestAnswersFitLagosOwnDocument(t *testing.T) {
	t.Parallel()
	d := lagoDocOrSkip(t)
	e := apitest.New(t)
	app := e.CreateApp(t, "lago-doc")
	sk, pk, bad := app.Secret, app.Publishable, "sk_live_"+strings.Repeat("0", 48)
	tests := []struct {
		name, key, method, path string
		body                    any
		status                  int
		schema                  string
	}{
		{"an upsert of every field", sk, "POST", customers, everyField("doc-1"), 200, "Customer"},
		{"an upsert of nothing but the id", sk, "POST", customers, upsert(M{"external_id": "doc-2"}), 200, "Customer"},
		{"get", pk, "GET", customers + "/doc-1", nil, 200, "Customer"},
		{"list", pk, "GET", customers + "?per_page=1", nil, 200, "CustomersPaginated"},
		{"a list of none", pk, "GET", customers + "?external_id=nobody", nil, 200, "CustomersPaginated"},
		{"a customer that is not there", pk, "GET", customers + "/nobody", nil, 404, "ApiErrorNotFound"},
		{"a billing entity that is not there", pk, "GET", customers + "?billing_entity_codes[]=x", nil, 404,
			"ApiErrorNotFound"},
		{"an invalid upsert", sk, "POST", customers, upsert(M{"external_id": "doc-3", "email": "nope"}), 422,
			"ApiErrorUnprocessableEntity"},
		{"an invalid filter", pk, "GET", customers + "?countries[]=XX", nil, 422, "ApiErrorUnprocessableEntity"},
		{"no customer object", sk, "POST", customers, M{}, 400, "ApiErrorBadRequest"},
		{"a publishable key writes", pk, "POST", customers, upsert(M{"external_id": "doc-3"}), 403,
			"ApiErrorForbidden"},
		{"a bad key upserts", bad, "POST", customers, upsert(M{"external_id": "doc-3"}), 401, "ApiErrorUnauthorized"},
		{"a bad key gets", bad, "GET", customers + "/doc-1", nil, 401, "ApiErrorUnauthorized"},
		{"the account key lists", e.AccountKey, "GET", customers, nil, 401, "ApiErrorUnauthorized"},
		{"the account key deletes", e.AccountKey, "DELETE", customers + "/doc-1", nil, 401, "ApiErrorUnauthorized"},
		{"delete", sk, "DELETE", customers + "/doc-1", nil, 200, "Customer"},
		{"delete what is not there", sk, "DELETE", customers + "/doc-1", nil, 404, "ApiErrorNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.As(t, tt.key).Do(tt.method, tt.path, tt.body).Want(tt.status)
			path, _, _ := strings.Cut(tt.path, "?")
			schema, err := d.check(apitest.Answer{Method: tt.method, Path: path, Status: r.Status, Body: r.Body})
			if schema != tt.schema || err != nil {
				t.Errorf("checked against %q, want %q: %v", schema, tt.schema, err)
			}
		})
	}
}

// TestLagosDocumentRefusesWhatLagoWouldNot: the check fails an answer that breaks Lago's
// schema (a field missing, of another type or format, a code missing), and the exception of
// nullInLago is needed for each of its fields and covers only null.
func TestLagosDocumentRefusesWhatLagoWouldNot(t *testing.T) {
	t.Parallel()
	d := lagoDocOrSkip(t)
	e := apitest.New(t)
	app := e.CreateApp(t, "lago-doc-no")
	r := e.As(t, app.Secret).Post(customers, upsert(M{"external_id": "doc-1", "currency": "EUR"})).Want(200)
	answer := func(change func(c, bc map[string]any)) apitest.Answer {
		var b map[string]any
		r.Into(&b)
		c := b["customer"].(map[string]any)
		change(c, c["billing_configuration"].(map[string]any))
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		return apitest.Answer{Method: "GET", Path: customers + "/doc-1", Status: 200, Body: raw}
	}
	if _, err := d.check(answer(func(_, _ map[string]any) {})); err != nil {
		t.Fatalf("the answer as it is: %v", err)
	}
	broken := map[string]func(c, bc map[string]any){
		"no slug":                        func(c, _ map[string]any) { delete(c, "slug") },
		"no sequential_id":               func(c, _ map[string]any) { delete(c, "sequential_id") },
		"a sequential_id in a string":    func(c, _ map[string]any) { c["sequential_id"] = "7" },
		"a billing_entity_code not text": func(c, _ map[string]any) { c["billing_entity_code"] = 7 },
		"a lago_id that is no UUID":      func(c, _ map[string]any) { c["lago_id"] = "cus_1" },
		"a created_at that is no time":   func(c, _ map[string]any) { c["created_at"] = "yesterday" },
		"a currency Lago has not":        func(c, _ map[string]any) { c["currency"] = "XXX" },
		"a grace period in a string":     func(_, bc map[string]any) { bc["invoice_grace_period"] = "3" },
		"a payment provider Lago's document has not": func(_, bc map[string]any) {
			bc["payment_provider"] = "paypal"
		},
	}
	for name, change := range broken {
		if _, err := d.check(answer(change)); err == nil {
			t.Errorf("%s: the check passes it", name)
		}
	}
	notFound := apitest.Answer{Method: "GET", Path: customers + "/x", Status: 404,
		Body: []byte(`{"status":404,"error":"Not Found"}`)}
	if _, err := d.check(notFound); err == nil {
		t.Error("a 404 without a code: the check passes it")
	}
	// Without the exception, each of its fields null fails the schema: none is there for nothing.
	ptr, _ := d.responseSchema("GET", customers+"/doc-1", 200)
	for _, f := range nullInLago {
		a := answer(func(_, bc map[string]any) { bc[f] = nil })
		body, err := jsonschema.UnmarshalJSON(bytes.NewReader(a.Body))
		if err != nil {
			t.Fatal(err)
		}
		if d.validate(ptr, body) == nil {
			t.Errorf("billing_configuration.%s: null fits Lago's schema; drop it from nullInLago", f)
		}
		if _, err := d.check(a); err != nil {
			t.Errorf("billing_configuration.%s null, with the exception: %v", f, err)
		}
	}
}

// lagoTakesDocumentLacks are values that Lago's code takes (Currencies::ACCEPTED_CURRENCIES,
// Timezones::MAPPING with Lago's renames, Customer::PAYMENT_PROVIDERS in getlago/lago-api), and
// so Clientele too, which the enums of Lago's document lack: the document is behind the code
// (its CurrencyOrNull and TimezoneOrNull even lag its Currency and Timezone). Lago's own answer
// with one of them does not fit its document either; no test's answer has one.
var lagoTakesDocumentLacks = map[string][]string{
	"CurrencyOrNull": {"BHD", "GHS", "IRR", "JOD", "KWD"},
	"TimezoneOrNull": {"America/Nuuk", "Asia/Yangon", "Etc/UTC", "Europe/Kyiv"},
	"Timezone":       {"Etc/UTC"},
	"CustomerBillingConfiguration/properties/payment_provider": {"cashfree", "flutterwave", "moneyhash"},
}

// TestLagosEnumsHoldWhatTheViewShows: every currency, time zone (timezone and
// applicable_timezone), country code and payment provider that the view can show is in the
// enum of Lago's document, but for lagoTakesDocumentLacks, each of which the enum still lacks.
func TestLagosEnumsHoldWhatTheViewShows(t *testing.T) {
	t.Parallel()
	d := lagoDocOrSkip(t)
	var countries []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			if code := string([]rune{a, b}); customer.IsCountryCode(code) {
				countries = append(countries, code)
			}
		}
	}
	for schema, shown := range map[string][]string{
		"CurrencyOrNull": lago.Currencies, "TimezoneOrNull": lago.Timezones, "Timezone": lago.Timezones,
		"CountryOrNull": countries, "CustomerBillingConfiguration/properties/payment_provider": lago.PaymentProviders,
	} {
		vals, _ := d.at("/components/schemas/" + schema + "/enum").([]any)
		if len(vals) == 0 {
			t.Fatalf("Lago's document has no enum %s", schema)
		}
		in := map[string]bool{}
		for _, v := range vals {
			if s, ok := v.(string); ok {
				in[s] = true
			}
		}
		lacks := lagoTakesDocumentLacks[schema]
		for _, v := range shown {
			if !in[v] && !slices.Contains(lacks, v) {
				t.Errorf("%s is not in Lago's %s", v, schema)
			}
		}
		for _, v := range lacks {
			if in[v] {
				t.Errorf("Lago's %s has %s now: take it out of lagoTakesDocumentLacks", schema, v)
			}
		}
	}
}
