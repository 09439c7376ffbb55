package gateway_test

// Contract tests of the Lukittu- and Lago-compatible dialects through the local gateway,
// run by TestAppsAPI in the same deployed stack, so that the route and IAM coverage checks
// see them. The Lukittu responses are validated with kin-openapi against the schemas of the
// contract file itself (../shared/contracts, beside the clone; skipped when absent).

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/clientele/clientele/internal/gateway"
	"github.com/clientele/clientele/internal/samtemplate"
)

// lukittuContract is the loaded contract, or nil with the reason it is not there.
var lukittuContract = sync.OnceValues(func() (*openapi3.T, error) {
	path, err := samtemplate.Find(".")
	if err != nil {
		return nil, err
	}
	file := filepath.Join(filepath.Dir(path), "..", "shared", "contracts", "lukittu-create-customer.openapi.yaml")
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("the Lukittu contract is not beside the clone (%s): schema checks skipped", file)
	}
	defineFormats() // openapi_test.go
	doc, err := openapi3.NewLoader().LoadFromFile(file)
	if err != nil {
		return nil, err
	}
	// The contract's own example has discordAccount: null, which its schema rejects (see
	// internal/lukittu): examples are not checked.
	return doc, doc.Validate(openapi3.NewLoader().Context, openapi3.DisableExamplesValidation())
})

// wantSchema validates a JSON value against a schema of the Lukittu contract.
func wantSchema(t *testing.T, schema string, raw []byte) {
	t.Helper()
	doc, err := lukittuContract()
	if doc == nil {
		t.Log(err)
		return
	}
	if err != nil {
		t.Fatalf("the contract does not validate: %v", err)
	}
	ref := doc.Components.Schemas[schema]
	if ref == nil {
		t.Fatalf("no schema %s in the contract", schema)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("not JSON: %s", raw)
	}
	if err := ref.Value.VisitJSON(v); err != nil {
		t.Errorf("does not match the contract's %s: %v\n%s", schema, err, raw)
	}
}

type lukittuBody struct {
	Data   json.RawMessage `json:"data"`
	Result struct {
		Timestamp string `json:"timestamp"`
		Valid     bool   `json:"valid"`
		Details   string `json:"details"`
		Code      string `json:"code"`
	} `json:"result"`
}

type lukittuCustomer struct {
	ID              string  `json:"id"`
	Email           *string `json:"email"`
	FullName        *string `json:"fullName"`
	Username        *string `json:"username"`
	TeamID          string  `json:"teamId"`
	CreatedByUserID string  `json:"createdByUserId"`
	Metadata        []struct {
		Key, Value string
		Locked     bool
	} `json:"metadata"`
	Address *struct {
		Street, Line1, City, Country, PostalCode *string
	} `json:"address"`
	DiscordAccount json.RawMessage `json:"discordAccount"`
}

// lukittuOK checks a success envelope (and its data against schema) and returns data.
func lukittuOK[T any](t *testing.T, r *response, status int, schema string) T {
	t.Helper()
	r.want(status)
	var b lukittuBody
	r.into(&b)
	if !b.Result.Valid || b.Result.Timestamp == "" || b.Result.Details == "" {
		t.Errorf("%s: result %+v, want valid with a timestamp and details", r.req, b.Result)
	}
	if schema == "CustomerResponse" {
		wantSchema(t, schema, r.Body)
	} else if schema != "" {
		wantSchema(t, schema, b.Data)
	}
	var out T
	if err := json.Unmarshal(b.Data, &out); err != nil {
		t.Fatalf("%s: data %s: %v", r.req, b.Data, err)
	}
	return out
}

// lukittuErr checks an error envelope against the contract's ErrorResponse.
func lukittuErr(t *testing.T, r *response, status int, code string) lukittuBody {
	t.Helper()
	r.want(status)
	var b lukittuBody
	r.into(&b)
	if b.Result.Valid || b.Result.Code != code || b.Result.Details == "" || string(b.Data) != "null" {
		t.Errorf("%s: %s, want an invalid result with code %s, details and null data", r.req, r.Body, code)
	}
	wantSchema(t, "ErrorResponse", r.Body)
	return b
}

func testLukittu(t *testing.T, e *env) {
	app := e.createApp(t, "lk-team")
	other := e.createApp(t, "lk-other")
	team := app.UUID
	base := "/api/v1/dev/teams/" + team + "/customers"
	sk, pk := e.as(t, app.secret), e.as(t, app.publishable)

	body := map[string]any{
		"email": "Grace@Example.com", "fullName": "Grace Hopper", "username": "grace",
		"metadata": []map[string]any{{"key": "tier", "value": "gold", "locked": true}},
		"address":  map[string]any{"street": "1 Navy Way", "city": "Arlington", "country": "us", "postalCode": "22201"},
	}
	c := lukittuOK[lukittuCustomer](t, sk.post(base, body), 201, "CustomerResponse")
	if c.TeamID != team || str(c.Email) != "Grace@Example.com" || len(c.Metadata) != 1 || !c.Metadata[0].Locked ||
		c.Address == nil || str(c.Address.Street) != "1 Navy Way" || str(c.Address.Line1) != "1 Navy Way" || str(c.Address.Country) != "US" ||
		c.DiscordAccount != nil || c.CreatedByUserID == "" {
		t.Errorf("created %+v", c)
	}

	t.Run("errors", func(t *testing.T) {
		lukittuErr(t, sk.post(base, map[string]any{"email": "x@example.com", "metadata": []any{}, "nickname": "x"}), 400, "BAD_REQUEST")
		lukittuErr(t, sk.post(base, map[string]any{"fullName": "No Contact", "metadata": []any{}}), 400, "BAD_REQUEST")
		lukittuErr(t, sk.post(base, map[string]any{"email": "x@example.com"}), 400, "BAD_REQUEST")
		lukittuErr(t, sk.post(base, map[string]any{"email": "x@example.com", "fullName": "Al", "metadata": []any{}}), 400, "BAD_REQUEST")
		lukittuErr(t, sk.post(base, map[string]any{"email": "x@example.com", "discordId": "123", "metadata": []any{}}), 400, "BAD_REQUEST")
		lukittuErr(t, sk.post(base, `{"email":`), 400, "BAD_REQUEST")
		lukittuErr(t, sk.post(base, map[string]any{"email": "GRACE@example.com", "metadata": []any{}}), 409, "BAD_REQUEST")
		lukittuErr(t, sk.post("/api/v1/dev/teams/not-a-uuid/customers", body), 400, "BAD_REQUEST")
		lukittuErr(t, sk.get(base+"/not-a-uuid"), 400, "BAD_REQUEST")
		lukittuErr(t, sk.get(base+"/00000000-0000-4000-8000-000000000000"), 404, "CUSTOMER_NOT_FOUND")
		lukittuErr(t, sk.post(base, strings.Repeat(" ", 1<<20+1)), 413, "BAD_REQUEST")
		lukittuErr(t, sk.get("/api/v1/dev/teams/"+team+"/licenses"), 404, "BAD_REQUEST")
		// A key of another team gets the very 401 of a bad key.
		bad := lukittuErr(t, e.as(t, "sk_live_"+strings.Repeat("0", 48)).get(base), 401, "UNAUTHORIZED")
		foreign := lukittuErr(t, e.as(t, other.secret).get(base), 401, "UNAUTHORIZED")
		if bad.Result.Details != foreign.Result.Details {
			t.Errorf("another team's key %q differs from a bad key %q", foreign.Result.Details, bad.Result.Details)
		}
		lukittuErr(t, pk.post(base, body), 403, "FORBIDDEN")
		lukittuErr(t, e.as(t, e.accountKey).get("/api/v1/dev/teams/00000000-0000-4000-8000-000000000000/customers"), 404, "TEAM_NOT_FOUND")
	})

	t.Run("read, replace, list, delete", func(t *testing.T) {
		got := lukittuOK[lukittuCustomer](t, pk.get(base+"/"+c.ID), 200, "CustomerData")
		if got.ID != c.ID {
			t.Errorf("get %+v", got)
		}
		// Fields only other dialects know survive a Lukittu full replace.
		e.as(t, app.secret).put("/api/v1/apps/lk-team/customers/"+c.ID, map[string]any{"external_id": "crm-7", "phone": "555"}).want(200)
		put := lukittuOK[lukittuCustomer](t, sk.put(base+"/"+c.ID, map[string]any{
			"email": "grace.hopper@example.com", "metadata": []any{}, "address": map[string]any{"line1": "2 Navy Way"},
		}), 200, "CustomerData")
		if put.FullName != nil || put.Username != nil || len(put.Metadata) != 0 || put.Address == nil || str(put.Address.Street) != "2 Navy Way" || put.Address.City != nil {
			t.Errorf("a full replace kept fields it did not give: %+v", put)
		}
		var apps struct{ Data customerJSON }
		e.as(t, app.secret).get("/api/v1/apps/lk-team/customers/" + c.ID).want(200).into(&apps)
		if str(apps.Data.ExternalID) != "crm-7" {
			t.Errorf("the replace dropped external_id: %+v", apps.Data)
		}

		for i := range 12 {
			sk.post(base, map[string]any{"username": fmt.Sprintf("user%02d", i), "fullName": fmt.Sprintf("Zed %02d", i), "metadata": []any{}}).want(201)
		}
		type list struct {
			Customers    []lukittuCustomer
			TotalResults int64
			HasNextPage  bool
		}
		l := lukittuOK[list](t, sk.get(base+"?pageSize=10"), 200, "")
		if len(l.Customers) != 10 || l.TotalResults != 13 || !l.HasNextPage {
			t.Errorf("pageSize 10: %d rows, total %d, next %v", len(l.Customers), l.TotalResults, l.HasNextPage)
		}
		l = lukittuOK[list](t, sk.get(base+"?pageSize=7"), 200, "")
		if len(l.Customers) != 13 || l.HasNextPage {
			t.Errorf("pageSize 7 is not 25: %d rows", len(l.Customers))
		}
		l = lukittuOK[list](t, sk.get(base+"?search=ZED%200&sortColumn=fullName&sortDirection=asc&pageSize=10"), 200, "")
		if l.TotalResults != 10 || str(l.Customers[0].FullName) != "Zed 00" || str(l.Customers[9].FullName) != "Zed 09" {
			t.Errorf("search and sort: total %d, first %v", l.TotalResults, l.Customers)
		}
		l = lukittuOK[list](t, sk.get(base+"?sortColumn=createdAt&sortDirection=asc&pageSize=10&page=2"), 200, "")
		if len(l.Customers) != 3 || str(l.Customers[2].Username) != "user11" || l.HasNextPage {
			t.Errorf("oldest first, page 2: %+v", l)
		}

		// The license goes with its customer, whichever dialect deletes it.
		lic := data[licenseJSON](e.as(t, app.secret).post("/api/v1/apps/lk-team/licenses", map[string]any{"customer_id": c.ID, "forever": true}).want(201))
		del := lukittuOK[struct {
			CustomerID string `json:"customerId"`
			Deleted    bool   `json:"deleted"`
		}](t, sk.del(base+"/"+c.ID), 200, "")
		if del.CustomerID != c.ID || !del.Deleted {
			t.Errorf("delete: %+v", del)
		}
		lukittuErr(t, sk.get(base+"/"+c.ID), 404, "CUSTOMER_NOT_FOUND")
		e.as(t, app.secret).get("/api/v1/apps/lk-team/licenses/"+lic.ID).wantError(404, "not_found")
	})
}

type lagoCustomer struct {
	LagoID     string  `json:"lago_id"`
	ExternalID string  `json:"external_id"`
	Name       *string `json:"name"`
	Email      *string `json:"email"`
	Line1      *string `json:"address_line1"`
	Line2      *string `json:"address_line2"`
	Country    *string `json:"country"`
	Zipcode    *string `json:"zipcode"`
	Metadata   []struct {
		Key, Value       string
		DisplayInInvoice bool `json:"display_in_invoice"`
	} `json:"metadata"`
	CreatedAt string `json:"created_at"`
}

func lagoOK(t *testing.T, r *response) lagoCustomer {
	t.Helper()
	c := lagoBody[lagoCustomer](t, r)
	if _, ok := parseUUID(c.LagoID); !ok {
		t.Errorf("lago_id %q is not a UUID", c.LagoID)
	}
	wantTime(t, "created_at", c.CreatedAt)
	return c
}

// lagoBody checks a 200 {"customer": …} and decodes the customer into T.
func lagoBody[T any](t *testing.T, r *response) T {
	t.Helper()
	var b struct{ Customer *T }
	r.want(200).into(&b)
	if b.Customer == nil {
		t.Fatalf("%s: %s, want {\"customer\": …}", r.req, r.Body)
	}
	return *b.Customer
}

func parseUUID(s string) (string, bool) {
	if len(s) != 36 || strings.Count(s, "-") != 4 {
		return "", false
	}
	return s, true
}

// lagoErr checks {status, error, code?, error_details?}.
func lagoErr(t *testing.T, r *response, status int, code string, details map[string]string) {
	t.Helper()
	r.want(status)
	var b struct {
		Status       int                 `json:"status"`
		Error        string              `json:"error"`
		Code         string              `json:"code"`
		ErrorDetails map[string][]string `json:"error_details"`
	}
	r.into(&b)
	if b.Status != status || b.Error == "" || b.Code != code {
		t.Errorf("%s: %s, want status %d, an error and code %q", r.req, r.Body, status, code)
	}
	for field, c := range details {
		if !strings.Contains(strings.Join(b.ErrorDetails[field], ","), c) {
			t.Errorf("%s: error_details %v, want %s: [%s]", r.req, b.ErrorDetails, field, c)
		}
	}
}

func testLago(t *testing.T, e *env) {
	app := e.createApp(t, "lg-org")
	sk, pk := e.as(t, app.secret), e.as(t, app.publishable)
	// What the real Go client sends: both objects always there, full of nulls.
	full := map[string]any{"customer": map[string]any{
		"external_id": "lg-1", "name": "Gavin Belson", "email": "gavin@hooli.test", "country": "us",
		"address_line1": "5230 Penfield Ave", "address_line2": nil, "zipcode": "91364",
		"metadata":              []map[string]any{{"key": "plan", "value": "pro", "display_in_invoice": true}},
		"billing_configuration": map[string]any{"invoice_grace_period": nil, "payment_provider": nil},
		"shipping_address":      map[string]any{"address_line1": nil, "city": nil, "country": nil},
		"currency":              "USD", "timezone": nil,
	}}
	c := lagoOK(t, sk.post("/api/v1/customers", full))
	if c.ExternalID != "lg-1" || str(c.Country) != "US" || len(c.Metadata) != 1 || !c.Metadata[0].DisplayInInvoice {
		t.Errorf("created %+v", c)
	}
	again := lagoOK(t, sk.post("/api/v1/customers", map[string]any{"customer": map[string]any{"customer_id": "lg-1", "zipcode": nil, "name": "Gavin B."}}))
	if again.LagoID != c.LagoID || str(again.Name) != "Gavin B." || again.Zipcode != nil || str(again.Line1) != "5230 Penfield Ave" || len(again.Metadata) != 1 {
		t.Errorf("update by the old name customer_id: %+v", again)
	}

	t.Run("errors", func(t *testing.T) {
		lagoErr(t, sk.post("/api/v1/customers", map[string]any{"name": "x"}), 400, "", nil)
		lagoErr(t, sk.post("/api/v1/customers", `{"customer":`), 400, "", nil)
		lagoErr(t, sk.post("/api/v1/customers", map[string]any{"customer": map[string]any{"name": "x"}}), 422, "validation_errors", map[string]string{"external_id": "value_is_mandatory"})
		lagoErr(t, sk.post("/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "lg-2", "country": "XX"}}), 422, "validation_errors", map[string]string{"country": "not_a_valid_country_code"})
		lagoErr(t, sk.post("/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "lg-2", "email": "nope"}}), 422, "validation_errors", map[string]string{"email": "invalid_email_format"})
		lagoErr(t, sk.post("/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "lg-2", "email": "GAVIN@hooli.test"}}), 422, "validation_errors", map[string]string{"email": "value_already_exist"})
		six := make([]map[string]any, 6)
		for i := range six {
			six[i] = map[string]any{"key": fmt.Sprint("k", i), "value": "v"}
		}
		lagoErr(t, sk.post("/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "lg-2", "metadata": six}}), 422, "validation_errors", map[string]string{"metadata": "invalid_count"})
		lagoErr(t, sk.get("/api/v1/customers/nobody"), 404, "customer_not_found", nil)
		lagoErr(t, e.as(t, e.accountKey).get("/api/v1/customers"), 401, "", nil)
		lagoErr(t, e.as(t, "sk_live_"+strings.Repeat("1", 48)).get("/api/v1/customers"), 401, "", nil)
		lagoErr(t, pk.post("/api/v1/customers", full), 403, "forbidden", nil)
		lagoErr(t, sk.get("/api/v1/customers/a/b"), 404, "not_found", nil)
		e.as(t, "").get("/api/v1/customers").wantGatewayMessage(401, "Unauthorized")
	})

	t.Run("list, get, delete", func(t *testing.T) {
		for i := range 4 {
			lagoOK(t, sk.post("/api/v1/customers", map[string]any{"customer": map[string]any{
				"external_id": fmt.Sprint("acme-", i), "name": fmt.Sprint("Acme ", i), "legal_name": "ACME Holdings",
			}}))
		}
		var l struct {
			Customers []lagoCustomer
			Meta      struct {
				CurrentPage int   `json:"current_page"`
				NextPage    *int  `json:"next_page"`
				PrevPage    *int  `json:"prev_page"`
				TotalPages  int   `json:"total_pages"`
				TotalCount  int64 `json:"total_count"`
			}
		}
		pk.get("/api/v1/customers?per_page=2&page=2").want(200).into(&l)
		if len(l.Customers) != 2 || l.Meta.CurrentPage != 2 || l.Meta.TotalPages != 3 || l.Meta.TotalCount != 5 ||
			l.Meta.NextPage == nil || *l.Meta.NextPage != 3 || l.Meta.PrevPage == nil || *l.Meta.PrevPage != 1 {
			t.Errorf("page 2 of 3: %+v", l)
		}
		pk.get("/api/v1/customers?search_term=holdings").want(200).into(&l)
		if l.Meta.TotalCount != 4 || l.Meta.NextPage != nil {
			t.Errorf("search_term on legal_name: %+v", l.Meta)
		}
		pk.get("/api/v1/customers?external_id=acme-2").want(200).into(&l)
		if len(l.Customers) != 1 || l.Customers[0].ExternalID != "acme-2" {
			t.Errorf("external_id filter: %+v", l.Customers)
		}
		got := lagoOK(t, pk.get("/api/v1/customers/lg-1"))
		if got.LagoID != c.LagoID {
			t.Errorf("get %+v", got)
		}
		lic := data[licenseJSON](e.as(t, app.secret).post("/api/v1/apps/lg-org/licenses", map[string]any{"customer_id": c.LagoID, "duration_days": 30}).want(201))
		gone := lagoOK(t, sk.del("/api/v1/customers/lg-1"))
		e.as(t, app.secret).get("/api/v1/apps/lg-org/licenses/"+lic.ID).wantError(404, "not_found")
		if gone.LagoID != c.LagoID {
			t.Errorf("delete returned %+v", gone)
		}
		lagoErr(t, sk.get("/api/v1/customers/lg-1"), 404, "customer_not_found", nil)
	})

}

// TestLagoConcurrentUpserts sends 50 upserts of one external_id at once, on a stack of its
// own: one customer comes out and the store's invariants hold. DynamoDB Local runs every
// transaction one after the other (about 20 ms each here), so 50 writers retrying on one item
// take far longer than in DynamoDB; the test is about convergence, not latency, and lifts
// the gateway's 30 s integration timeout.
func TestLagoConcurrentUpserts(t *testing.T) {
	e := newEnv(t, func(o *gateway.Options) { o.IntegrationTimeout = 5 * time.Minute })
	app := e.createApp(t, "lg-race")
	sk, pk := e.as(t, app.secret), e.as(t, app.publishable)
	var wg sync.WaitGroup
	answers := make([]*response, 50)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = sk.post("/api/v1/customers", map[string]any{"customer": map[string]any{
				"external_id": "race-1", "name": fmt.Sprint("Racer ", i), "phone": fmt.Sprint(i),
			}})
		}()
	}
	wg.Wait()
	ids := map[string]bool{}
	for _, r := range answers {
		ids[lagoOK(t, r).LagoID] = true
	}
	if len(ids) != 1 {
		t.Errorf("the upserts answered %d different customers", len(ids))
	}
	var l struct{ Customers []lagoCustomer }
	pk.get("/api/v1/customers?external_id=race-1").want(200).into(&l)
	if len(l.Customers) != 1 {
		t.Errorf("%d customers hold external_id race-1", len(l.Customers))
	}
	problems, err := e.admin.Verify(t.Context(), app.UUID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// testDialectsShareOneStore writes a customer through each dialect and reads it back through
// the other two; uniqueness holds across them.
func testDialectsShareOneStore(t *testing.T, e *env) {
	app := e.createApp(t, "tri")
	key := e.as(t, app.secret)
	appsBase := "/api/v1/apps/tri/customers"
	lukBase := "/api/v1/dev/teams/" + app.UUID + "/customers"

	viaApps := data[customerJSON](key.post(appsBase, map[string]any{"email": "apps@example.com", "name": "Via Apps", "external_id": "tri-apps"}).want(201))
	viaLukittu := lukittuOK[lukittuCustomer](t, key.post(lukBase, map[string]any{"email": "luk@example.com", "fullName": "Via Lukittu", "metadata": []any{}}), 201, "CustomerResponse")
	viaLago := lagoOK(t, key.post("/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "tri-lago", "email": "lago@example.com", "name": "Via Lago"}}))

	appsID := strings.TrimPrefix(viaApps.ID, "cus_")
	if got := lukittuOK[lukittuCustomer](t, key.get(lukBase+"/"+appsID), 200, "CustomerData"); str(got.FullName) != "Via Apps" {
		t.Errorf("Apps -> Lukittu: %+v", got)
	}
	if got := lagoOK(t, key.get("/api/v1/customers/tri-apps")); got.LagoID != appsID || str(got.Name) != "Via Apps" {
		t.Errorf("Apps -> Lago: %+v", got)
	}
	if got := data[customerJSON](key.get(appsBase + "/cus_" + viaLukittu.ID).want(200)); str(got.Name) != "Via Lukittu" {
		t.Errorf("Lukittu -> Apps: %+v", got)
	}
	var found struct{ Customers []lagoCustomer }
	key.get("/api/v1/customers?search_term=luk@").want(200).into(&found)
	if len(found.Customers) != 1 || found.Customers[0].LagoID != viaLukittu.ID {
		t.Errorf("Lukittu -> Lago: %+v", found.Customers)
	}
	if got := data[customerJSON](key.get(appsBase + "/by-external-id?external_id=tri-lago").want(200)); str(got.Email) != "lago@example.com" {
		t.Errorf("Lago -> Apps: %+v", got)
	}
	if got := lukittuOK[lukittuCustomer](t, key.get(lukBase+"/"+viaLago.LagoID), 200, "CustomerData"); str(got.FullName) != "Via Lago" {
		t.Errorf("Lago -> Lukittu: %+v", got)
	}

	// A page number near MaxInt is an empty page past the data in every dialect, not an overflow.
	const huge = "9223372036854775807"
	if got := data[[]customerJSON](key.get(appsBase + "?page=" + huge).want(200)); len(got) != 0 {
		t.Errorf("Apps API page %s: %d customers", huge, len(got))
	}
	for _, q := range []string{"?page=" + huge, "?sortColumn=email&page=" + huge} {
		if got := lukittuOK[struct{ Customers []lukittuCustomer }](t, key.get(lukBase+q), 200, ""); len(got.Customers) != 0 {
			t.Errorf("Lukittu %s: %d customers", q, len(got.Customers))
		}
	}
	var deep struct {
		Customers []lagoCustomer
		Meta      struct {
			NextPage *int `json:"next_page"`
		}
	}
	key.get("/api/v1/customers?per_page=100&page=" + huge).want(200).into(&deep)
	if len(deep.Customers) != 0 || deep.Meta.NextPage != nil {
		t.Errorf("Lago page %s: %d customers, next page %v", huge, len(deep.Customers), deep.Meta.NextPage)
	}

	// One email per app, whichever dialect writes it.
	key.post(appsBase, map[string]any{"email": "LUK@example.com"}).wantError(409, "conflict", "email")
	lukittuErr(t, key.post(lukBase, map[string]any{"email": "Lago@Example.com", "metadata": []any{}}), 409, "BAD_REQUEST")
	lagoErr(t, key.post("/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "tri-x", "email": "apps@EXAMPLE.com"}}), 422, "validation_errors", map[string]string{"email": "value_already_exist"})
	lagoErr(t, key.post("/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "tri-apps", "email": "luk@example.com"}}), 422, "validation_errors", map[string]string{"email": "value_already_exist"})
}
