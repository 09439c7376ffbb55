package lago_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/apitest"
)

// everyField is a CustomerInput with every field lago-go-client has, as it marshals one.
func everyField(ext string) M {
	return upsert(M{
		"external_id": ext, "name": "Hooli Inc", "firstname": "Gavin", "lastname": "Belson",
		"customer_type": "company", "account_type": "partner", "email": ext + "@hooli.test",
		"address_line1": "5230 Penfield Ave", "address_line2": "Suite 1", "city": "Woodland Hills",
		"zipcode": "91364", "state": "CA", "country": "us", "legal_name": "Hooli Incorporated",
		"legal_number": "HL-1", "tax_identification_number": "US-99-1", "phone": "+1 555 0100",
		"url": "https://hooli.test", "logo_url": "https://hooli.test/logo.png",
		"timezone": "America/Los_Angeles", "net_payment_term": 30, "currency": "USD",
		"finalize_zero_amount_invoice": "skip", "skip_invoice_custom_sections": true,
		"metadata": []M{{"key": "plan", "value": "enterprise", "display_in_invoice": true}},
		"billing_configuration": M{
			"invoice_grace_period": 3, "payment_provider": "stripe", "payment_provider_code": "stripe-us",
			"provider_customer_id": "cus_stripe_1", "sync": true, "sync_with_provider": true,
			"document_locale": "en", "provider_payment_methods": []string{"card", "sepa_debit"},
			"subscription_invoice_issuing_date_anchor": nil, "subscription_invoice_issuing_date_adjustment": nil,
		},
		"shipping_address": M{
			"address_line1": "1 Dock St", "address_line2": "Bay 4", "city": "Oakland", "zipcode": "94607",
			"state": "CA", "country": "us",
		},
		"integration_customers": []any{}, "tax_codes": []string{"US_SALES"},
		"invoice_custom_section_codes": []string{"eula"},
	})
}

// The keys of Lago's customer serializer, each there (null where unset).
var serializerKeys = []string{"lago_id", "billing_entity_code", "external_id", "account_type", "name", "firstname",
	"lastname", "customer_type", "sequential_id", "slug", "created_at", "updated_at", "country", "address_line1",
	"address_line2", "state", "zipcode", "email", "city", "url", "phone", "logo_url", "legal_name", "legal_number",
	"currency", "tax_identification_number", "timezone", "applicable_timezone", "net_payment_term",
	"finalize_zero_amount_invoice", "billing_configuration", "shipping_address", "skip_invoice_custom_sections",
	"metadata", "taxes", "integration_customers"}

// TestEveryFieldRoundTrips: every field of lago-go-client's CustomerInput comes back as sent,
// in every key of Lago's serializer, and a GET answers what the upsert answered.
func TestEveryFieldRoundTrips(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lg-fields")
	sk := e.As(t, app.Secret)
	r := sk.Post(customers, everyField("rt-1"))
	c := wantCustomer(t, r)
	b := c.BillingConfiguration
	for _, ch := range []struct{ name, got, want string }{
		{"name", c.Name, "Hooli Inc"},
		{"firstname", c.Firstname, "Gavin"},
		{"lastname", c.Lastname, "Belson"},
		{"customer_type", str(c.CustomerType), "company"},
		{"account_type", c.AccountType, "partner"},
		{"email", c.Email, "rt-1@hooli.test"},
		{"address_line1", c.AddressLine1, "5230 Penfield Ave"},
		{"address_line2", c.AddressLine2, "Suite 1"},
		{"city", c.City, "Woodland Hills"},
		{"zipcode", str(c.Zipcode), "91364"},
		{"state", c.State, "CA"},
		{"country", c.Country, "US"},
		{"legal_name", c.LegalName, "Hooli Incorporated"},
		{"legal_number", c.LegalNumber, "HL-1"},
		{"tax_identification_number", c.TaxIdentificationNumber, "US-99-1"},
		{"phone", c.Phone, "+1 555 0100"},
		{"url", c.URL, "https://hooli.test"},
		{"logo_url", c.LogoURL, "https://hooli.test/logo.png"},
		{"timezone", c.Timezone, "America/Los_Angeles"},
		{"applicable_timezone", c.ApplicableTimezone, "America/Los_Angeles"},
		{"currency", c.Currency, "USD"},
		{"finalize_zero_amount_invoice", c.FinalizeZeroAmountInvoice, "skip"},
		{"net_payment_term", fmt.Sprint(*c.NetPaymentTerm), "30"},
		{"skip_invoice_custom_sections", fmt.Sprint(c.SkipInvoiceCustomSections), "true"},
		{"billing invoice_grace_period", fmt.Sprint(*b.InvoiceGracePeriod), "3"},
		{"billing payment_provider", b.PaymentProvider, "stripe"},
		{"billing payment_provider_code", b.PaymentProviderCode, "stripe-us"},
		{"billing provider_customer_id", b.ProviderCustomerID, "cus_stripe_1"},
		{"billing document_locale", b.DocumentLocale, "en"},
		{"billing provider_payment_methods", strings.Join(b.ProviderPaymentMethods, ","), "card,sepa_debit"},
		{"shipping", fmt.Sprint(c.ShippingAddress), "{1 Dock St Bay 4 Oakland 94607 CA US}"},
		{"metadata", fmt.Sprintf("%d %s %s %t", len(c.Metadata), c.Metadata[0].Key, c.Metadata[0].Value,
			c.Metadata[0].DisplayInInvoice), "1 plan enterprise true"},
	} {
		if ch.got != ch.want {
			t.Errorf("%s: %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	if c.Taxes == nil || len(c.Taxes) != 0 || c.IntegrationCustomers == nil || len(c.IntegrationCustomers) != 0 {
		t.Errorf("taxes %v, integration_customers %v; want [] and []", c.Taxes, c.IntegrationCustomers)
	}
	if c.Metadata[0].LagoID == "" || c.Metadata[0].CreatedAt == "" {
		t.Errorf("metadata without lago_id or created_at: %+v", c.Metadata[0])
	}
	// The serializer's keys, each there (null where unset), none of Clientele's own.
	var raw struct{ Customer map[string]json.RawMessage }
	r.Into(&raw)
	for _, k := range serializerKeys {
		if _, ok := raw.Customer[k]; !ok {
			t.Errorf("the answer has no %s", k)
		}
	}
	if got := sk.Get(customers + "/rt-1").Want(200); string(got.Body) != string(r.Body) {
		t.Errorf("GET answers\n%s\nthe upsert answered\n%s", got.Body, r.Body)
	}
}

// TestDefaultsOfACustomerMadeElsewhere: a customer the Apps API made has Lago's defaults.
func TestDefaultsOfACustomerMadeElsewhere(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lg-fields")
	sk := e.As(t, app.Secret)
	e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "plain@example.com", "external_id": "plain"})
	c := wantCustomer(t, sk.Get(customers+"/plain"))
	if c.AccountType != "customer" || c.ApplicableTimezone != "UTC" || c.FinalizeZeroAmountInvoice != "inherit" ||
		c.NetPaymentTerm != nil || c.CustomerType != nil || c.SkipInvoiceCustomSections {
		t.Errorf("defaults: %+v", c)
	}
}

// TestPartialUpdatesAndNulls: only the keys sent change, and an explicit null clears, in
// the nested objects too.
func TestPartialUpdatesAndNulls(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lg-fields")
	sk := e.As(t, app.Secret)
	wantCustomer(t, sk.Post(customers, everyField("pu-1")))
	c := wantCustomer(t, sk.Post(customers, upsert(M{
		"external_id": "pu-1", "firstname": "Jian", "currency": nil, "customer_type": nil, "net_payment_term": 0,
		"shipping_address":      M{"city": nil, "state": "NV"},
		"billing_configuration": M{"payment_provider": nil},
	})))
	if c.Firstname != "Jian" || c.Lastname != "Belson" || c.Currency != "" || c.CustomerType != nil ||
		c.NetPaymentTerm == nil || *c.NetPaymentTerm != 0 {
		t.Errorf("fields: %+v", c)
	}
	if s := c.ShippingAddress; s.City != "" || s.State != "NV" || s.AddressLine1 != "1 Dock St" {
		t.Errorf("shipping address: %+v", s)
	}
	if b := c.BillingConfiguration; b.PaymentProvider != "" || b.ProviderCustomerID != "" ||
		b.InvoiceGracePeriod == nil || b.DocumentLocale != "en" {
		t.Errorf("billing configuration: %+v", b)
	}
	c = wantCustomer(t, sk.Post(customers, upsert(M{"external_id": "pu-1", "shipping_address": nil, "timezone": nil})))
	if c.ShippingAddress.AddressLine1 != "" || c.ShippingAddress.State != "" || c.Timezone != "" ||
		c.ApplicableTimezone != "UTC" || c.Firstname != "Jian" {
		t.Errorf("after clearing the shipping address and timezone: %+v", c)
	}
}

// TestValidationCodes: each bad field is a 422 with Lago's code for it, and writes nothing.
func TestValidationCodes(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lg-fields")
	var rows []apitest.Row
	for _, tc := range []struct {
		fields      M
		field, code string
	}{
		{M{"currency": "XYZ"}, "currency", "value_is_invalid"},
		{M{"timezone": "Mars/Olympus"}, "timezone", "invalid_timezone"},
		{M{"net_payment_term": -1}, "net_payment_term", "value_is_out_of_range"},
		{M{"net_payment_term": 2.5}, "net_payment_term", "value_is_invalid"},
		{M{"customer_type": "person"}, "customer_type", "value_is_invalid"},
		{M{"account_type": "reseller"}, "account_type", "value_is_invalid"},
		{M{"finalize_zero_amount_invoice": "never"}, "finalize_zero_amount_invoice", "invalid_value"},
		{M{"shipping_address": M{"country": "XX"}}, "shipping_country", "not_a_valid_country_code"},
		{M{"metadata": []M{{"key": strings.Repeat("k", 21), "value": "v"}}}, "key", "value_is_too_long"},
		{M{"metadata": []M{{"key": "k", "value": strings.Repeat("v", 101)}}}, "value", "value_is_too_long"},
		{M{"metadata": []M{{"key": "k", "value": "a"}, {"key": "k", "value": "b"}}}, "key", "value_already_exist"},
	} {
		tc.fields["external_id"] = "bad-1"
		rows = append(rows, apitest.Row{Name: tc.field + " " + tc.code, Key: app.Secret, Method: "POST",
			Path: customers, Body: upsert(tc.fields), Status: 422, Check: invalid(tc.field, tc.code)})
	}
	apitest.Run(t, e, append(rows, apitest.Row{Name: "none was made", Key: app.Secret, Method: "GET",
		Path: customers + "/bad-1", Status: 404, Check: lagoError("customer_not_found", nil)}))
}

// TestMetadataIsReplacedByID: the metadata sent replace the stored ones, an entry with an id
// updating it; null keeps them and [] clears them.
func TestMetadataIsReplacedByID(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lg-fields")
	sk := e.As(t, app.Secret)
	c := wantCustomer(t, sk.Post(customers, upsert(M{"external_id": "md-1", "metadata": []M{
		{"key": "plan", "value": "pro"}, {"key": "seats", "value": "5"},
	}})))
	plan := c.Metadata[0].LagoID
	c = wantCustomer(t, sk.Post(customers, upsert(M{"external_id": "md-1", "metadata": []M{
		{"id": plan, "key": "tier", "value": "gold", "display_in_invoice": true}, {"key": "region", "value": "eu"},
	}})))
	got := map[string]string{}
	for _, m := range c.Metadata {
		got[m.Key] = m.LagoID + "=" + m.Value
	}
	if len(got) != 2 || got["tier"] != plan+"=gold" || got["region"] == "" || strings.HasPrefix(got["region"], plan) {
		t.Errorf("metadata %v: want tier (the entry %s updated) and a new region, seats gone", got, plan)
	}
	apitest.Run(t, e, []apitest.Row{
		{Name: "null changes nothing", Key: app.Secret, Method: "POST", Path: customers,
			Body: upsert(M{"external_id": "md-1", "metadata": nil}), Status: 200,
			Check: customerIs(func(t *testing.T, c customerJSON) {
				if len(c.Metadata) != 2 {
					t.Errorf("metadata: null changed the metadata: %+v", c.Metadata)
				}
			})},
		{Name: "[] clears", Key: app.Secret, Method: "POST", Path: customers,
			Body: upsert(M{"external_id": "md-1", "metadata": []any{}}), Status: 200,
			Check: customerIs(func(t *testing.T, c customerJSON) {
				if len(c.Metadata) != 0 {
					t.Errorf("metadata: [] kept %+v", c.Metadata)
				}
			})},
	})
}
