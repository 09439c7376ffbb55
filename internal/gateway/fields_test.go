package gateway_test

// Contract tests of issue-level fidelity to the real Lago and Lukittu services: every field
// of lago-go-client's CustomerInput through the Lago routes, Lago's list filters, and the
// Lukittu list's filters. lago-go-client itself is not served by this machine's module
// proxy, so the requests are built from its field names and encodings (CustomerInput's
// json tags, CustomerListInput's url tags: "countries[]" repeated, *bool as "true",
// metadata as metadata[key]=value).

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// lagoClientCustomer is lago-go-client's Customer (the answer), the fields it decodes.
type lagoClientCustomer struct {
	LagoID                    string  `json:"lago_id"`
	ExternalID                string  `json:"external_id"`
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
	Zipcode                   string  `json:"zipcode"`
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

func lagoClientOK(t *testing.T, r *response) lagoClientCustomer {
	t.Helper()
	return lagoBody[lagoClientCustomer](t, r)
}

// everyField is a CustomerInput with every field lago-go-client has, as it marshals one.
func everyField(ext string) map[string]any {
	return map[string]any{"customer": map[string]any{
		"external_id": ext, "name": "Hooli Inc", "firstname": "Gavin", "lastname": "Belson",
		"customer_type": "company", "account_type": "partner", "email": ext + "@hooli.test",
		"address_line1": "5230 Penfield Ave", "address_line2": "Suite 1", "city": "Woodland Hills",
		"zipcode": "91364", "state": "CA", "country": "us", "legal_name": "Hooli Incorporated",
		"legal_number": "HL-1", "tax_identification_number": "US-99-1", "phone": "+1 555 0100",
		"url": "https://hooli.test", "logo_url": "https://hooli.test/logo.png",
		"timezone": "America/Los_Angeles", "net_payment_term": 30, "currency": "USD",
		"finalize_zero_amount_invoice": "skip", "skip_invoice_custom_sections": true,
		"metadata": []map[string]any{{"key": "plan", "value": "enterprise", "display_in_invoice": true}},
		"billing_configuration": map[string]any{
			"invoice_grace_period": 3, "payment_provider": "stripe", "payment_provider_code": "stripe-us",
			"provider_customer_id": "cus_stripe_1", "sync": true, "sync_with_provider": true,
			"document_locale": "en", "provider_payment_methods": []string{"card", "sepa_debit"},
			"subscription_invoice_issuing_date_anchor": nil, "subscription_invoice_issuing_date_adjustment": nil,
		},
		"shipping_address": map[string]any{
			"address_line1": "1 Dock St", "address_line2": "Bay 4", "city": "Oakland", "zipcode": "94607", "state": "CA", "country": "us",
		},
		"integration_customers": []any{}, "tax_codes": []string{"US_SALES"}, "invoice_custom_section_codes": []string{"eula"},
	}}
}

func testLagoFields(t *testing.T, e *env) {
	app := e.createApp(t, "lg-fields")
	sk := e.as(t, app.secret)

	t.Run("every field of CustomerInput round-trips", func(t *testing.T) {
		r := sk.post("/api/v1/customers", everyField("rt-1"))
		c := lagoClientOK(t, r)
		checks := []struct{ name, got, want string }{
			{"name", c.Name, "Hooli Inc"}, {"firstname", c.Firstname, "Gavin"}, {"lastname", c.Lastname, "Belson"},
			{"customer_type", str(c.CustomerType), "company"}, {"account_type", c.AccountType, "partner"},
			{"email", c.Email, "rt-1@hooli.test"}, {"address_line1", c.AddressLine1, "5230 Penfield Ave"},
			{"address_line2", c.AddressLine2, "Suite 1"}, {"city", c.City, "Woodland Hills"}, {"zipcode", c.Zipcode, "91364"},
			{"state", c.State, "CA"}, {"country", c.Country, "US"}, {"legal_name", c.LegalName, "Hooli Incorporated"},
			{"legal_number", c.LegalNumber, "HL-1"}, {"tax_identification_number", c.TaxIdentificationNumber, "US-99-1"},
			{"phone", c.Phone, "+1 555 0100"}, {"url", c.URL, "https://hooli.test"}, {"logo_url", c.LogoURL, "https://hooli.test/logo.png"},
			{"timezone", c.Timezone, "America/Los_Angeles"}, {"applicable_timezone", c.ApplicableTimezone, "America/Los_Angeles"},
			{"currency", c.Currency, "USD"}, {"finalize_zero_amount_invoice", c.FinalizeZeroAmountInvoice, "skip"},
			{"net_payment_term", fmt.Sprint(*c.NetPaymentTerm), "30"}, {"skip_invoice_custom_sections", fmt.Sprint(c.SkipInvoiceCustomSections), "true"},
			{"billing invoice_grace_period", fmt.Sprint(*c.BillingConfiguration.InvoiceGracePeriod), "3"},
			{"billing payment_provider", c.BillingConfiguration.PaymentProvider, "stripe"},
			{"billing payment_provider_code", c.BillingConfiguration.PaymentProviderCode, "stripe-us"},
			{"billing provider_customer_id", c.BillingConfiguration.ProviderCustomerID, "cus_stripe_1"},
			{"billing document_locale", c.BillingConfiguration.DocumentLocale, "en"},
			{"billing provider_payment_methods", strings.Join(c.BillingConfiguration.ProviderPaymentMethods, ","), "card,sepa_debit"},
			{"shipping", fmt.Sprint(c.ShippingAddress), "{1 Dock St Bay 4 Oakland 94607 CA US}"},
			{"metadata", fmt.Sprintf("%d %s %s %t", len(c.Metadata), c.Metadata[0].Key, c.Metadata[0].Value, c.Metadata[0].DisplayInInvoice), "1 plan enterprise true"},
		}
		for _, ch := range checks {
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
		r.into(&raw)
		for _, k := range []string{"lago_id", "external_id", "account_type", "name", "firstname", "lastname", "customer_type",
			"created_at", "updated_at", "country", "address_line1", "address_line2", "state", "zipcode", "email", "city", "url",
			"phone", "logo_url", "legal_name", "legal_number", "currency", "tax_identification_number", "timezone",
			"applicable_timezone", "net_payment_term", "finalize_zero_amount_invoice", "billing_configuration",
			"shipping_address", "skip_invoice_custom_sections", "metadata", "taxes", "integration_customers"} {
			if _, ok := raw.Customer[k]; !ok {
				t.Errorf("the answer has no %s", k)
			}
		}
		if got := sk.get("/api/v1/customers/rt-1").want(200); string(got.Body) != string(r.Body) {
			t.Errorf("GET answers\n%s\nthe upsert answered\n%s", got.Body, r.Body)
		}
	})

	t.Run("defaults of a customer made elsewhere", func(t *testing.T) {
		e.createCustomer(t, app.secret, app.Slug, map[string]any{"email": "plain@example.com", "external_id": "plain"})
		c := lagoClientOK(t, sk.get("/api/v1/customers/plain"))
		if c.AccountType != "customer" || c.ApplicableTimezone != "UTC" || c.FinalizeZeroAmountInvoice != "inherit" ||
			c.NetPaymentTerm != nil || c.CustomerType != nil || c.SkipInvoiceCustomSections {
			t.Errorf("defaults: %+v", c)
		}
	})

	t.Run("partial updates and nulls", func(t *testing.T) {
		lagoClientOK(t, sk.post("/api/v1/customers", everyField("pu-1")))
		c := lagoClientOK(t, sk.post("/api/v1/customers", map[string]any{"customer": map[string]any{
			"external_id": "pu-1", "firstname": "Jian", "currency": nil, "customer_type": nil, "net_payment_term": 0,
			"shipping_address": map[string]any{"city": nil, "state": "NV"}, "billing_configuration": map[string]any{"payment_provider": nil},
		}}))
		if c.Firstname != "Jian" || c.Lastname != "Belson" || c.Currency != "" || c.CustomerType != nil || c.NetPaymentTerm == nil || *c.NetPaymentTerm != 0 {
			t.Errorf("fields: %+v", c)
		}
		if c.ShippingAddress.City != "" || c.ShippingAddress.State != "NV" || c.ShippingAddress.AddressLine1 != "1 Dock St" {
			t.Errorf("shipping address: %+v", c.ShippingAddress)
		}
		if b := c.BillingConfiguration; b.PaymentProvider != "" || b.ProviderCustomerID != "" || b.InvoiceGracePeriod == nil || b.DocumentLocale != "en" {
			t.Errorf("billing configuration: %+v", b)
		}
		c = lagoClientOK(t, sk.post("/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "pu-1", "shipping_address": nil, "timezone": nil}}))
		if c.ShippingAddress.AddressLine1 != "" || c.ShippingAddress.State != "" || c.Timezone != "" || c.ApplicableTimezone != "UTC" || c.Firstname != "Jian" {
			t.Errorf("after clearing the shipping address and timezone: %+v", c)
		}
	})

	t.Run("validation codes", func(t *testing.T) {
		post := func(fields map[string]any) *response {
			fields["external_id"] = "bad-1"
			return sk.post("/api/v1/customers", map[string]any{"customer": fields})
		}
		for _, tc := range []struct {
			fields      map[string]any
			field, code string
		}{
			{map[string]any{"currency": "XYZ"}, "currency", "value_is_invalid"},
			{map[string]any{"timezone": "Mars/Olympus"}, "timezone", "invalid_timezone"},
			{map[string]any{"net_payment_term": -1}, "net_payment_term", "value_is_out_of_range"},
			{map[string]any{"net_payment_term": 2.5}, "net_payment_term", "value_is_invalid"},
			{map[string]any{"customer_type": "person"}, "customer_type", "value_is_invalid"},
			{map[string]any{"account_type": "reseller"}, "account_type", "value_is_invalid"},
			{map[string]any{"finalize_zero_amount_invoice": "never"}, "finalize_zero_amount_invoice", "invalid_value"},
			{map[string]any{"shipping_address": map[string]any{"country": "XX"}}, "shipping_country", "not_a_valid_country_code"},
			{map[string]any{"metadata": []map[string]any{{"key": strings.Repeat("k", 21), "value": "v"}}}, "key", "value_is_too_long"},
			{map[string]any{"metadata": []map[string]any{{"key": "k", "value": strings.Repeat("v", 101)}}}, "value", "value_is_too_long"},
			{map[string]any{"metadata": []map[string]any{{"key": "k", "value": "a"}, {"key": "k", "value": "b"}}}, "key", "value_already_exist"},
		} {
			lagoErr(t, post(tc.fields), 422, "validation_errors", map[string]string{tc.field: tc.code})
		}
		sk.get("/api/v1/customers/bad-1").want(404)
	})

	t.Run("metadata: the list sent replaces the stored one, by id", func(t *testing.T) {
		c := lagoClientOK(t, sk.post("/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "md-1", "metadata": []map[string]any{
			{"key": "plan", "value": "pro"}, {"key": "seats", "value": "5"},
		}}}))
		plan := c.Metadata[0].LagoID
		c = lagoClientOK(t, sk.post("/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "md-1", "metadata": []map[string]any{
			{"id": plan, "key": "tier", "value": "gold", "display_in_invoice": true}, {"key": "region", "value": "eu"},
		}}}))
		got := map[string]string{}
		for _, m := range c.Metadata {
			got[m.Key] = m.LagoID + "=" + m.Value
		}
		if len(got) != 2 || got["tier"] != plan+"=gold" || got["region"] == "" || strings.HasPrefix(got["region"], plan) {
			t.Errorf("metadata %v: want tier (the entry %s updated) and a new region, seats gone", got, plan)
		}
		c = lagoClientOK(t, sk.post("/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "md-1", "metadata": nil}}))
		if len(c.Metadata) != 2 {
			t.Errorf("metadata: null changed the metadata: %+v", c.Metadata)
		}
		c = lagoClientOK(t, sk.post("/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "md-1", "metadata": []any{}}}))
		if len(c.Metadata) != 0 {
			t.Errorf("metadata: [] kept %+v", c.Metadata)
		}
	})
}

// testLagoListFilters seeds an app and checks each of Lago's list filters alone and
// combined, with the totals, the default page of 100 and the 422s of bad filter values.
func testLagoListFilters(t *testing.T, e *env) {
	app := e.createApp(t, "lg-filters")
	sk := e.as(t, app.secret)
	type seeded struct {
		ext, country, state, zip, currency, ctype, account, taxID string
		meta                                                      map[string]string
	}
	var seeds []seeded
	for i := range 105 {
		s := seeded{ext: fmt.Sprintf("f-%03d", i), country: []string{"US", "FR", "DE"}[i%3], state: []string{"CA", "NY"}[i%2],
			zip: fmt.Sprint(10000 + i%4), currency: []string{"USD", "EUR", "", "GBP", "EUR"}[i%5],
			ctype: []string{"company", "individual", ""}[i%3], account: []string{"customer", "partner", "", ""}[i%4],
			meta: map[string]string{}}
		if i%7 == 0 {
			s.taxID = fmt.Sprint("TAX-", i)
		}
		if i%2 == 0 {
			s.meta["plan"] = []string{"pro", "free"}[i%4/2]
		}
		if i%5 == 0 {
			s.meta["region"] = "eu"
		}
		fields := map[string]any{"external_id": s.ext, "country": s.country, "state": s.state, "zipcode": s.zip}
		for k, v := range map[string]string{"currency": s.currency, "customer_type": s.ctype, "account_type": s.account, "tax_identification_number": s.taxID} {
			if v != "" {
				fields[k] = v
			}
		}
		var md []map[string]any
		for k, v := range s.meta {
			md = append(md, map[string]any{"key": k, "value": v})
		}
		fields["metadata"] = md
		lagoClientOK(t, sk.post("/api/v1/customers", map[string]any{"customer": fields}))
		seeds = append(seeds, s)
	}
	type list struct {
		Customers []lagoClientCustomer
		Meta      struct {
			CurrentPage int   `json:"current_page"`
			TotalPages  int   `json:"total_pages"`
			TotalCount  int64 `json:"total_count"`
			NextPage    *int  `json:"next_page"`
		}
	}
	get := func(t *testing.T, q url.Values) list {
		t.Helper()
		var l list
		sk.get("/api/v1/customers?" + q.Encode()).want(200).into(&l)
		return l
	}

	t.Run("the default page is 100", func(t *testing.T) {
		l := get(t, url.Values{})
		if len(l.Customers) != 100 || l.Meta.TotalCount != 105 || l.Meta.TotalPages != 2 || l.Meta.NextPage == nil || *l.Meta.NextPage != 2 {
			t.Errorf("%d customers, meta %+v", len(l.Customers), l.Meta)
		}
	})

	has := func(s string) bool { return s != "" }
	tests := []struct {
		name  string
		q     url.Values
		match func(s seeded) bool
	}{
		{"countries[]", url.Values{"countries[]": {"US", "de"}}, func(s seeded) bool { return s.country != "FR" }},
		{"states[]", url.Values{"states[]": {"NY"}}, func(s seeded) bool { return s.state == "NY" }},
		{"zipcodes[]", url.Values{"zipcodes[]": {"10001", "10003"}}, func(s seeded) bool { return s.zip == "10001" || s.zip == "10003" }},
		{"currencies[]", url.Values{"currencies[]": {"EUR"}}, func(s seeded) bool { return s.currency == "EUR" }},
		{"customer_type", url.Values{"customer_type": {"individual"}}, func(s seeded) bool { return s.ctype == "individual" }},
		{"has_customer_type=true", url.Values{"has_customer_type": {"true"}}, func(s seeded) bool { return has(s.ctype) }},
		{"has_customer_type=false", url.Values{"has_customer_type": {"false"}}, func(s seeded) bool { return !has(s.ctype) }},
		{"has_tax_identification_number=true", url.Values{"has_tax_identification_number": {"true"}}, func(s seeded) bool { return has(s.taxID) }},
		{"has_tax_identification_number=false", url.Values{"has_tax_identification_number": {"false"}}, func(s seeded) bool { return !has(s.taxID) }},
		{"account_type[] customer (the default)", url.Values{"account_type[]": {"customer"}}, func(s seeded) bool { return s.account != "partner" }},
		{"account_type[] partner", url.Values{"account_type[]": {"partner"}}, func(s seeded) bool { return s.account == "partner" }},
		{"metadata[key]=value", url.Values{"metadata[plan]": {"pro"}}, func(s seeded) bool { return s.meta["plan"] == "pro" }},
		{"metadata, every pair", url.Values{"metadata[plan]": {"pro"}, "metadata[region]": {"eu"}}, func(s seeded) bool {
			return s.meta["plan"] == "pro" && s.meta["region"] == "eu"
		}},
		{"metadata[key]= (absent)", url.Values{"metadata[plan]": {""}}, func(s seeded) bool { _, ok := s.meta["plan"]; return !ok }},
		{"external_id", url.Values{"external_id": {"f-007"}}, func(s seeded) bool { return s.ext == "f-007" }},
		{"combined", url.Values{"countries[]": {"US"}, "currencies[]": {"USD", "EUR"}, "has_customer_type": {"true"}, "metadata[region]": {"eu"}}, func(s seeded) bool {
			return s.country == "US" && (s.currency == "USD" || s.currency == "EUR") && has(s.ctype) && s.meta["region"] == "eu"
		}},
		{"combined with a search", url.Values{"search_term": {"f-01"}, "states[]": {"CA"}}, func(s seeded) bool {
			return strings.HasPrefix(s.ext, "f-01") && s.state == "CA"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, s := range slices.Backward(seeds) {
				if tc.match(s) {
					want = append(want, s.ext)
				}
			}
			q := maps_(tc.q)
			q.Set("per_page", "7")
			var got []string
			for page := 1; ; page++ {
				q.Set("page", fmt.Sprint(page))
				l := get(t, q)
				if l.Meta.TotalCount != int64(len(want)) {
					t.Fatalf("page %d: total_count %d, want %d", page, l.Meta.TotalCount, len(want))
				}
				for _, c := range l.Customers {
					got = append(got, c.ExternalID)
				}
				if l.Meta.NextPage == nil {
					break
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %d customers %v\nwant %d %v", len(got), got, len(want), want)
			}
		})
	}

	t.Run("an empty value is a value", func(t *testing.T) {
		if l := get(t, url.Values{"states[]": {""}}); l.Meta.TotalCount != 0 {
			t.Errorf("states[]= matched %d customers", l.Meta.TotalCount)
		}
	})

	t.Run("bad filter values are 422", func(t *testing.T) {
		for _, tc := range []struct {
			q     url.Values
			field string
		}{
			{url.Values{"countries[]": {"US", "XX"}}, "countries"},
			{url.Values{"currencies[]": {"XYZ"}}, "currencies"},
			{url.Values{"customer_type": {"person"}}, "customer_type"},
			{url.Values{"has_customer_type": {"yes"}}, "has_customer_type"},
			{url.Values{"has_customer_type": {"false"}, "customer_type": {"company"}}, "customer_type"},
			{url.Values{"account_type[]": {"reseller"}}, "account_type"},
			{url.Values{"states[]": manyStates(2000)}, "filters"},
		} {
			r := sk.get("/api/v1/customers?" + tc.q.Encode()).want(422)
			var b struct {
				Code         string                     `json:"code"`
				ErrorDetails map[string]json.RawMessage `json:"error_details"`
			}
			r.into(&b)
			if b.Code != "validation_errors" || b.ErrorDetails[tc.field] == nil {
				t.Errorf("%v: %s, want validation_errors for %s", tc.q, r.Body, tc.field)
			}
		}
	})
}

// manyStates is n distinct state names.
func manyStates(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint("state-", i)
	}
	return out
}

func maps_(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// testLukittuListFilters checks the Lukittu list's parameters: metadata, licenseId, the
// license count in each mode, the search over the Discord id, exact totals, the 400s, and
// the customers still valid against the contract's schema.
func testLukittuListFilters(t *testing.T, e *env) {
	app := e.createApp(t, "lk-filters")
	sk := e.as(t, app.secret)
	base := "/api/v1/dev/teams/" + app.UUID + "/customers"
	type seeded struct {
		id, username, tier string
		licenses           int
		license            string
	}
	var seeds []seeded
	for i := range 14 {
		s := seeded{username: fmt.Sprintf("lk%02d", i), licenses: i % 4}
		md := []map[string]any{}
		if i%3 == 0 {
			s.tier = []string{"Gold Plus", "silver", "GOLDEN"}[i%9/3]
			md = append(md, map[string]any{"key": "tier", "value": s.tier, "locked": false})
		}
		body := map[string]any{"username": s.username, "metadata": md}
		if i == 5 {
			body["discordId"] = "123456789012345678"
		}
		s.id = lukittuOK[lukittuCustomer](t, sk.post(base, body), 201, "CustomerResponse").ID
		for range s.licenses {
			l := data[licenseJSON](sk.post("/api/v1/apps/"+app.Slug+"/licenses", map[string]any{"customer_id": s.id, "forever": true}).want(201))
			s.license = strings.TrimPrefix(l.ID, "lic_")
		}
		seeds = append(seeds, s)
	}
	type list struct {
		Customers    []json.RawMessage
		TotalResults int64
		HasNextPage  bool
	}
	tests := []struct {
		name  string
		q     url.Values
		match func(s seeded) bool
	}{
		{"metadata, value contained in any case", url.Values{"metadataKey": {"tier"}, "metadataValue": {"gold"}}, func(s seeded) bool {
			return strings.Contains(strings.ToLower(s.tier), "gold")
		}},
		{"metadata, key exact", url.Values{"metadataKey": {"TIER"}, "metadataValue": {"gold"}}, func(seeded) bool { return false }},
		{"licenseId", url.Values{"licenseId": {seeds[6].license}}, func(s seeded) bool { return s.id == seeds[6].id }},
		{"licenseId of no license", url.Values{"licenseId": {"00000000-0000-4000-8000-000000000000"}}, func(seeded) bool { return false }},
		{"license count between", url.Values{"licenseCountMin": {"1"}, "licenseCountMax": {"2"}, "licenseCountComparisonMode": {"between"}}, func(s seeded) bool {
			return s.licenses >= 1 && s.licenses <= 2
		}},
		{"license count equals", url.Values{"licenseCountMin": {"3"}, "licenseCountComparisonMode": {"equals"}}, func(s seeded) bool { return s.licenses == 3 }},
		{"license count greater", url.Values{"licenseCountMin": {"1"}, "licenseCountComparisonMode": {"greater"}}, func(s seeded) bool { return s.licenses > 1 }},
		{"license count less", url.Values{"licenseCountMin": {"1"}, "licenseCountComparisonMode": {"less"}}, func(s seeded) bool { return s.licenses < 1 }},
		{"license count less than 0", url.Values{"licenseCountMin": {"0"}, "licenseCountComparisonMode": {"less"}}, func(seeded) bool { return false }},
		{"search over the Discord id", url.Values{"search": {"4567890123"}}, func(s seeded) bool { return s.username == "lk05" }},
		{"filters together", url.Values{"metadataKey": {"tier"}, "metadataValue": {"L"}, "licenseCountMin": {"0"}, "licenseCountComparisonMode": {"greater"}}, func(s seeded) bool {
			return strings.Contains(strings.ToLower(s.tier), "l") && s.licenses > 0
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := map[string]bool{}
			for _, s := range seeds {
				if tc.match(s) {
					want[s.id] = true
				}
			}
			for _, sorted := range []string{"createdAt", "username"} {
				q := maps_(tc.q)
				q.Set("pageSize", "10")
				q.Set("sortColumn", sorted)
				got := map[string]bool{}
				for page := 1; ; page++ {
					q.Set("page", fmt.Sprint(page))
					l := lukittuOK[list](t, sk.get(base+"?"+q.Encode()), 200, "")
					if l.TotalResults != int64(len(want)) {
						t.Fatalf("sorted by %s, page %d: totalResults %d, want %d", sorted, page, l.TotalResults, len(want))
					}
					for _, raw := range l.Customers {
						wantSchema(t, "CustomerData", raw)
						var c lukittuCustomer
						_ = json.Unmarshal(raw, &c)
						got[c.ID] = true
					}
					if !l.HasNextPage {
						break
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("sorted by %s: got %v, want %v", sorted, got, want)
				}
			}
		})
	}
	t.Run("bad parameters are 400", func(t *testing.T) {
		for _, q := range []url.Values{
			{"licenseId": {"not-a-uuid"}},
			{"metadataKey": {"tier"}},
			{"metadataValue": {"gold"}},
			{"metadataKey": {strings.Repeat("k", 256)}, "metadataValue": {"v"}},
			{"licenseCountMin": {"-1"}, "licenseCountComparisonMode": {"equals"}},
			{"licenseCountMin": {"x"}, "licenseCountComparisonMode": {"equals"}},
			{"licenseCountMin": {"1"}, "licenseCountComparisonMode": {"around"}},
			{"licenseCountMin": {"1"}},
			{"licenseCountMin": {"2"}, "licenseCountMax": {"1"}, "licenseCountComparisonMode": {"between"}},
		} {
			b := lukittuErr(t, sk.get(base+"?"+q.Encode()), 400, "BAD_REQUEST")
			if q.Get("licenseId") != "" && b.Result.Details != "Invalid licenseId format" {
				t.Errorf("licenseId: %q", b.Result.Details)
			}
		}
	})
}
