package lago_test

// HTTP tests of the Lago-compatible dialect through the local gateway against DynamoDB Local
// (internal/apitest). lago-go-client itself is not served by this machine's module proxy, so
// the requests are built from its field names and encodings (CustomerInput's json tags,
// CustomerListInput's url tags: "countries[]" repeated, *bool as "true", metadata as
// metadata[key]=value).

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apitest"
)

// TestMain runs the tests, holding every answer to Lago's own OpenAPI document
// (checkLagoAnswer), then holds them to covering every Lago route and every DynamoDB grant of
// their functions (docs/development.md, "HTTP tests").
func TestMain(m *testing.M) { os.Exit(apitest.Main(m, "lago", checkLagoAnswer)) }

// M is a JSON object, for request bodies.
type M = map[string]any

const customers = "/api/v1/customers"

// customerJSON is lago-go-client's Customer (the answer), the fields it decodes.
type customerJSON struct {
	LagoID                    string  `json:"lago_id"`
	SequentialID              int     `json:"sequential_id"`
	ExternalID                string  `json:"external_id"`
	Slug                      string  `json:"slug"`
	BillingEntityCode         string  `json:"billing_entity_code"`
	AccountType               string  `json:"account_type"`
	Name                      string  `json:"name"`
	Firstname                 string  `json:"firstname"`
	Lastname                  string  `json:"lastname"`
	CustomerType              *string `json:"customer_type"`
	Email                     string  `json:"email"`
	AddressLine1              string  `json:"address_line1"`
	AddressLine2              string  `json:"address_line2"`
	City                      string  `json:"city"`
	State                     string  `json:"state"`
	Zipcode                   *string `json:"zipcode"`
	Country                   string  `json:"country"`
	LegalName                 string  `json:"legal_name"`
	LegalNumber               string  `json:"legal_number"`
	TaxIdentificationNumber   string  `json:"tax_identification_number"`
	LogoURL                   string  `json:"logo_url"`
	Phone                     string  `json:"phone"`
	URL                       string  `json:"url"`
	Timezone                  string  `json:"timezone"`
	ApplicableTimezone        string  `json:"applicable_timezone"`
	NetPaymentTerm            *int    `json:"net_payment_term"`
	Currency                  string  `json:"currency"`
	FinalizeZeroAmountInvoice string  `json:"finalize_zero_amount_invoice"`
	SkipInvoiceCustomSections bool    `json:"skip_invoice_custom_sections"`
	BillingConfiguration      struct {
		InvoiceGracePeriod     *int     `json:"invoice_grace_period"`
		PaymentProvider        string   `json:"payment_provider"`
		PaymentProviderCode    string   `json:"payment_provider_code"`
		ProviderCustomerID     string   `json:"provider_customer_id"`
		DocumentLocale         string   `json:"document_locale"`
		ProviderPaymentMethods []string `json:"provider_payment_methods"`
	} `json:"billing_configuration"`
	ShippingAddress struct {
		AddressLine1 string `json:"address_line1"`
		AddressLine2 string `json:"address_line2"`
		City         string `json:"city"`
		Zipcode      string `json:"zipcode"`
		State        string `json:"state"`
		Country      string `json:"country"`
	} `json:"shipping_address"`
	Metadata []struct {
		LagoID           string `json:"lago_id"`
		Key              string `json:"key"`
		Value            string `json:"value"`
		DisplayInInvoice bool   `json:"display_in_invoice"`
		CreatedAt        string `json:"created_at"`
	} `json:"metadata"`
	Taxes                []json.RawMessage `json:"taxes"`
	IntegrationCustomers []json.RawMessage `json:"integration_customers"`
	CreatedAt            string            `json:"created_at"`
	UpdatedAt            string            `json:"updated_at"`
}

// customerOf checks {"customer": …}, with a UUID lago_id and an RFC 3339 created_at, and
// decodes the customer.
func customerOf(t *testing.T, r *apitest.Response) customerJSON {
	t.Helper()
	var b struct{ Customer *customerJSON }
	r.Into(&b)
	if b.Customer == nil {
		t.Fatalf("%s: %s, want {\"customer\": …}", r.Req, r.Body)
	}
	c := *b.Customer
	if len(c.LagoID) != 36 || strings.Count(c.LagoID, "-") != 4 {
		t.Errorf("lago_id %q is not a UUID", c.LagoID)
	}
	if _, err := time.Parse(time.RFC3339, c.CreatedAt); err != nil || !strings.HasSuffix(c.CreatedAt, "Z") {
		t.Errorf("created_at %q is not an RFC 3339 UTC time", c.CreatedAt)
	}
	return c
}

// wantCustomer checks a 200 {"customer": …} and decodes the customer.
func wantCustomer(t *testing.T, r *apitest.Response) customerJSON {
	t.Helper()
	return customerOf(t, r.Want(200))
}

// customerIs is a Row's check of a customer, which check takes.
func customerIs(check func(t *testing.T, c customerJSON)) func(*testing.T, *apitest.Response) {
	return func(t *testing.T, r *apitest.Response) {
		t.Helper()
		c := customerOf(t, r)
		if check != nil {
			check(t, c)
		}
	}
}

// errorOf checks Lago's {status, error, code?, error_details?}: the status of the answer,
// an error, the code, and for each field of details the code among its details.
func errorOf(t *testing.T, r *apitest.Response, code string, details map[string]string) {
	t.Helper()
	var b struct {
		Status       int                 `json:"status"`
		Error        string              `json:"error"`
		Code         string              `json:"code"`
		ErrorDetails map[string][]string `json:"error_details"`
	}
	r.Into(&b)
	if b.Status != r.Status || b.Error == "" || b.Code != code {
		t.Errorf("%s: %s, want status %d, an error and code %q", r.Req, r.Body, r.Status, code)
	}
	for field, c := range details {
		if !strings.Contains(strings.Join(b.ErrorDetails[field], ","), c) {
			t.Errorf("%s: error_details %v, want %s: [%s]", r.Req, b.ErrorDetails, field, c)
		}
	}
}

// lagoError is a Row's check of an error with code and details (field: code).
func lagoError(code string, details map[string]string) func(*testing.T, *apitest.Response) {
	return func(t *testing.T, r *apitest.Response) {
		t.Helper()
		errorOf(t, r, code, details)
	}
}

// invalid is a Row's check of a 422 validation_errors with code for field.
func invalid(field, code string) func(*testing.T, *apitest.Response) {
	return lagoError("validation_errors", map[string]string{field: code})
}

type listJSON struct {
	Customers []customerJSON
	Meta      struct {
		CurrentPage int   `json:"current_page"`
		NextPage    *int  `json:"next_page"`
		PrevPage    *int  `json:"prev_page"`
		TotalPages  int   `json:"total_pages"`
		TotalCount  int64 `json:"total_count"`
	}
}

// list is a Row's check of a list, which check takes.
func list(check func(t *testing.T, l listJSON)) func(*testing.T, *apitest.Response) {
	return func(t *testing.T, r *apitest.Response) {
		t.Helper()
		var l listJSON
		r.Into(&l)
		check(t, l)
	}
}

// appsNotFound is a Row's check of the Apps API's 404.
func appsNotFound(t *testing.T, r *apitest.Response) {
	t.Helper()
	var b struct{ Error struct{ Code string } }
	if r.Into(&b); b.Error.Code != "not_found" {
		t.Errorf("%s: %s, want the Apps API's not_found", r.Req, r.Body)
	}
}

// upsert is the body of a create or update of the customer with fields.
func upsert(fields M) M { return M{"customer": fields} }

func str(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}
