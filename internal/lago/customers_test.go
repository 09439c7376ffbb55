package lago_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apitest"
)

// gavin is what the real Go client sends: both objects always there, full of nulls.
var gavin = upsert(M{
	"external_id": "lg-1", "name": "Gavin Belson", "email": "gavin@hooli.test", "country": "us",
	"address_line1": "5230 Penfield Ave", "address_line2": nil, "zipcode": "91364",
	"metadata":              []M{{"key": "plan", "value": "pro", "display_in_invoice": true}},
	"billing_configuration": M{"invoice_grace_period": nil, "payment_provider": nil},
	"shipping_address":      M{"address_line1": nil, "city": nil, "country": nil},
	"currency":              "USD", "timezone": nil,
})

// createGavin upserts gavin into app and checks what the upsert answers.
func createGavin(t *testing.T, e *apitest.Env, app apitest.App) customerJSON {
	t.Helper()
	c := wantCustomer(t, e.As(t, app.Secret).Post(customers, gavin))
	if c.ExternalID != "lg-1" || c.Country != "US" || len(c.Metadata) != 1 || !c.Metadata[0].DisplayInInvoice {
		t.Errorf("created %+v", c)
	}
	return c
}

// TestUpsertCustomer: an upsert creates, or updates by external_id (or its old name
// customer_id); every bad request is its 4xx in Lago's words.
func TestUpsertCustomer(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lg-org")
	sk, pk, full := app.Secret, app.Publishable, gavin
	c := createGavin(t, e, app)

	t.Run("update by the old name customer_id", func(t *testing.T) {
		again := wantCustomer(t, e.As(t, sk).Post(customers, upsert(M{"customer_id": "lg-1", "zipcode": nil,
			"name": "Gavin B."})))
		if again.LagoID != c.LagoID || again.Name != "Gavin B." || again.Zipcode != nil ||
			again.AddressLine1 != "5230 Penfield Ave" || len(again.Metadata) != 1 {
			t.Errorf("update by the old name customer_id: %+v", again)
		}
	})

	t.Run("errors", func(t *testing.T) {
		six := make([]M, 6)
		for i := range six {
			six[i] = M{"key": fmt.Sprint("k", i), "value": "v"}
		}
		apitest.Run(t, e, []apitest.Row{
			{Name: "no customer object", Key: sk, Method: "POST", Path: customers, Body: M{"name": "x"}, Status: 400,
				Check: lagoError("", nil)},
			{Name: "a bad body", Key: sk, Method: "POST", Path: customers, Body: `{"customer":`, Status: 400,
				Check: lagoError("", nil)},
			{Name: "no external id", Key: sk, Method: "POST", Path: customers, Body: upsert(M{"name": "x"}),
				Status: 422, Check: invalid("external_id", "value_is_mandatory")},
			{Name: "a country that is none", Key: sk, Method: "POST", Path: customers,
				Body: upsert(M{"external_id": "lg-2", "country": "XX"}), Status: 422,
				Check: invalid("country", "not_a_valid_country_code")},
			{Name: "an email that is none", Key: sk, Method: "POST", Path: customers,
				Body: upsert(M{"external_id": "lg-2", "email": "nope"}), Status: 422,
				Check: invalid("email", "invalid_email_format")},
			{Name: "an email taken, in any letter case", Key: sk, Method: "POST", Path: customers,
				Body: upsert(M{"external_id": "lg-2", "email": "GAVIN@hooli.test"}), Status: 422,
				Check: invalid("email", "value_already_exist")},
			{Name: "six metadata", Key: sk, Method: "POST", Path: customers,
				Body: upsert(M{"external_id": "lg-2", "metadata": six}), Status: 422,
				Check: invalid("metadata", "invalid_count")},
			{Name: "a customer that is not there", Key: sk, Method: "GET", Path: customers + "/nobody", Status: 404,
				Check: lagoError("customer_not_found", nil)},
			{Name: "the account key is no organization's", Key: e.AccountKey, Method: "GET", Path: customers,
				Status: 401, Check: lagoError("", nil)},
			{Name: "a bad key", Key: "sk_live_" + strings.Repeat("1", 48), Method: "GET", Path: customers, Status: 401,
				Check: lagoError("", nil)},
			{Name: "a publishable key may not write", Key: pk, Method: "POST", Path: customers, Body: full, Status: 403,
				Check: lagoError("forbidden", nil)},
			{Name: "a route that is not there", Key: sk, Method: "GET", Path: customers + "/a/b", Status: 404,
				Check: lagoError("not_found", nil)},
			{Name: "no key is API Gateway's 401", Method: "GET", Path: customers, Status: 401,
				Check: apitest.GatewayMessage("Unauthorized")},
		})
	})

}

// TestListGetDeleteCustomers: the list pages, searches and filters; a customer is read and
// deleted by its external id, its licenses along.
func TestListGetDeleteCustomers(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lg-org")
	sk, pk := app.Secret, app.Publishable
	c := createGavin(t, e, app)
	for i := range 4 {
		wantCustomer(t, e.As(t, sk).Post(customers, upsert(M{
			"external_id": fmt.Sprint("acme-", i), "name": fmt.Sprint("Acme ", i), "legal_name": "ACME Holdings",
		})))
	}
	lic := e.CreateLicense(t, sk, app.Slug, c.LagoID)
	apitest.Run(t, e, []apitest.Row{
		{Name: "page 2 of 3", Key: pk, Method: "GET", Path: customers + "?per_page=2&page=2", Status: 200,
			Check: list(func(t *testing.T, l listJSON) {
				m := l.Meta
				if len(l.Customers) != 2 || m.CurrentPage != 2 || m.TotalPages != 3 || m.TotalCount != 5 ||
					m.NextPage == nil || *m.NextPage != 3 || m.PrevPage == nil || *m.PrevPage != 1 {
					t.Errorf("%+v", l)
				}
			})},
		{Name: "search_term matches legal_name", Key: pk, Method: "GET", Path: customers + "?search_term=holdings",
			Status: 200, Check: list(func(t *testing.T, l listJSON) {
				if l.Meta.TotalCount != 4 || l.Meta.NextPage != nil {
					t.Errorf("%+v", l.Meta)
				}
			})},
		{Name: "external_id", Key: pk, Method: "GET", Path: customers + "?external_id=acme-2", Status: 200,
			Check: list(func(t *testing.T, l listJSON) {
				if len(l.Customers) != 1 || l.Customers[0].ExternalID != "acme-2" {
					t.Errorf("%+v", l.Customers)
				}
			})},
		{Name: "get", Key: pk, Method: "GET", Path: customers + "/lg-1", Status: 200,
			Check: customerIs(func(t *testing.T, got customerJSON) {
				if got.LagoID != c.LagoID {
					t.Errorf("get %+v", got)
				}
			})},
		{Name: "delete answers the customer", Key: sk, Method: "DELETE", Path: customers + "/lg-1", Status: 200,
			Check: customerIs(func(t *testing.T, gone customerJSON) {
				if gone.LagoID != c.LagoID {
					t.Errorf("delete returned %+v", gone)
				}
			})},
		{Name: "its license went with it", Key: sk, Method: "GET", Path: "/api/v1/apps/lg-org/licenses/" + lic.ID,
			Status: 404, Check: appsNotFound},
		{Name: "it is gone", Key: sk, Method: "GET", Path: customers + "/lg-1", Status: 404,
			Check: lagoError("customer_not_found", nil)},
	})
}

// TestConcurrentUpserts sends 50 upserts of one external_id at once, on a stack of its own:
// one customer comes out and the store's invariants hold. DynamoDB Local runs every
// transaction one after the other (about 20 ms each here), so 50 writers retrying on one item
// take far longer than in DynamoDB; the test is about convergence, not latency, and lifts
// the gateway's 30 s integration timeout and the upsert's Timeout.
func TestConcurrentUpserts(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.IntegrationTimeout(5*time.Minute),
		apitest.FunctionTimeout(5*time.Minute, "lago-upsert-customer"))
	app := e.CreateApp(t, "lg-race")
	sk := e.As(t, app.Secret)
	var wg sync.WaitGroup
	answers := make([]*apitest.Response, 50)
	for i := range answers {
		wg.Go(func() {
			answers[i] = sk.Post(customers, upsert(M{"external_id": "race-1", "name": fmt.Sprint("Racer ", i),
				"phone": fmt.Sprint(i)}))
		})
	}
	wg.Wait()
	ids := map[string]bool{}
	for _, r := range answers {
		ids[wantCustomer(t, r).LagoID] = true
	}
	if len(ids) != 1 {
		t.Errorf("the upserts answered %d different customers", len(ids))
	}
	var l listJSON
	e.As(t, app.Publishable).Get(customers + "?external_id=race-1").Want(200).Into(&l)
	if len(l.Customers) != 1 {
		t.Errorf("%d customers hold external_id race-1", len(l.Customers))
	}
	e.CheckInvariants(t, app.UUID)
}
