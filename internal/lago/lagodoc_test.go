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
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/clientele/clientele/internal/apitest"
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
	if err := c.AddResource(file, doc); err != nil {
		return nil, err
	}
	return &lagoDoc{file: file, root: root, c: c, done: map[string]*jsonschema.Schema{}}, nil
})

// checkLagoAnswer is the AnswerCheck of this package (TestMain): an answer on one of the
// document's paths must fit its schema there. API Gateway's own answers are not Lago's (a
// request without a key: see docs/lago.md, "Keys").
func checkLagoAnswer(t *testing.T, a apitest.Answer) {
	t.Helper()
	d, _ := lagoDocument()
	if d == nil || a.FromGateway() {
		return // TestLagoDocument says why the document is not there
	}
	if _, err := d.check(a); err != nil {
		t.Errorf("Lago's OpenAPI document: %s %s answered %d: %v\n%s", a.Method, a.Path, a.Status, err, a.Body)
	}
}

// check validates an answer against the schema the document gives it, and names that schema;
// "" when the answer is not on one of the document's paths, or has no schema there.
func (d *lagoDoc) check(a apitest.Answer) (string, error) {
	ptr, name := d.responseSchema(a.Method, a.Path, a.Status)
	if ptr == "" {
		return "", nil
	}
	sch, err := d.compile(ptr)
	if err != nil {
		return name, err
	}
	body, err := jsonschema.UnmarshalJSON(bytes.NewReader(a.Body))
	if err != nil {
		return name, fmt.Errorf("the body is not JSON: %w", err)
	}
	dropNullBilling(body)
	if err := sch.Validate(body); err != nil {
		return name, fmt.Errorf("does not fit %s: %w", name, err)
	}
	return name, nil
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
