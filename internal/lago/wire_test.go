package lago

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/customer"
)

func readInput(t *testing.T, body string) (*input, customer.Patch) {
	t.Helper()
	in := &input{}
	if err := json.Unmarshal([]byte(body), &in.fields); err != nil {
		t.Fatal(err)
	}
	return in, in.patch()
}

func TestInputKeepsAbsentClearsNull(t *testing.T) {
	in, p := readInput(t, `{"external_id":"x","name":"Gavin","address_line2":null,`+
		`"billing_configuration":{},"shipping_address":{"city":null}}`)
	if in.details != nil {
		t.Fatalf("unexpected errors %v", in.details)
	}
	if !p.Name.Set || p.Name.Value != "Gavin" {
		t.Errorf("name: %+v", p.Name)
	}
	if !p.Address.Line2.Set || p.Address.Line2.Value != "" {
		t.Errorf("explicit null does not clear: %+v", p.Address.Line2)
	}
	if p.Email.Set || p.Address.City.Set || p.Metadata.Set {
		t.Errorf("absent keys are set: %+v", p)
	}
	if in.externalID() != "x" {
		t.Errorf("external id %q", in.externalID())
	}
}

func TestCustomerIDIsTheOldNameOfExternalID(t *testing.T) {
	in, _ := readInput(t, `{"customer_id":"old"}`)
	if got := in.externalID(); got != "old" {
		t.Errorf("external id %q, want old", got)
	}
}

func TestInputErrorsUseLagoCodes(t *testing.T) {
	tests := []struct {
		name string
		body string
		want map[string][]string
	}{
		{"string field of another type", `{"name":5}`, map[string][]string{"name": {codeInvalid}}},
		{"too many metadata", `{"metadata":[` + strings.Repeat(`{"key":"k","value":"v"},`, 5) + `{"key":"z","value":"v"}]}`,
			map[string][]string{"metadata": {codeInvalidCount}}},
		{"metadata key too long", `{"metadata":[{"key":"` + strings.Repeat("k", 21) + `","value":"v"}]}`,
			map[string][]string{"key": {codeTooLong}}},
		{"metadata value too long", `{"metadata":[{"key":"k","value":"` + strings.Repeat("v", 101) + `"}]}`,
			map[string][]string{"value": {codeTooLong}}},
		{"metadata key missing", `{"metadata":[{"value":"v"}]}`, map[string][]string{"key": {codeMandatory}}},
		{"metadata value missing", `{"metadata":[{"key":"k"}]}`, map[string][]string{"value": {codeMandatory}}},
		{"metadata key twice", `{"metadata":[{"key":"k","value":"a"},{"key":"k","value":"b"}]}`,
			map[string][]string{"key": {codeAlreadyExist}}},
		{"billing_configuration not an object", `{"billing_configuration":"x"}`,
			map[string][]string{"billing_configuration": {codeInvalid}}},
		{"unknown currency", `{"currency":"XYZ"}`, map[string][]string{"currency": {codeInvalid}}},
		{"currency in lower case", `{"currency":"usd"}`, map[string][]string{"currency": {codeInvalid}}},
		{"unknown timezone", `{"timezone":"Mars/Olympus"}`, map[string][]string{"timezone": {codeTimezone}}},
		{"the local timezone", `{"timezone":"Local"}`, map[string][]string{"timezone": {codeTimezone}}},
		{"negative net_payment_term", `{"net_payment_term":-1}`, map[string][]string{"net_payment_term": {codeOutOfRange}}},
		{"fractional net_payment_term", `{"net_payment_term":1.5}`, map[string][]string{"net_payment_term": {codeInvalid}}},
		{"net_payment_term not a number", `{"net_payment_term":"soon"}`,
			map[string][]string{"net_payment_term": {codeInvalid}}},
		{"customer_type outside its values", `{"customer_type":"person"}`,
			map[string][]string{"customer_type": {codeInvalid}}},
		{"account_type outside its values", `{"account_type":"reseller"}`,
			map[string][]string{"account_type": {codeInvalid}}},
		{"finalize_zero_amount_invoice outside its values", `{"finalize_zero_amount_invoice":"always"}`,
			map[string][]string{"finalize_zero_amount_invoice": {codeInvalidValue}}},
		{"shipping country", `{"shipping_address":{"country":"XX"}}`, map[string][]string{"shipping_country": {codeCountry}}},
		{"negative grace period", `{"billing_configuration":{"invoice_grace_period":-2}}`,
			map[string][]string{"billing_configuration": {codeOutOfRange}}},
		{"unknown payment provider", `{"billing_configuration":{"payment_provider":"paypal"}}`,
			map[string][]string{"billing_configuration": {codeInvalid}}},
		{"tax_codes not a list of strings", `{"tax_codes":"VAT"}`, map[string][]string{"tax_codes": {codeInvalid}}},
		{"skip_invoice_custom_sections not a boolean", `{"skip_invoice_custom_sections":"yes"}`,
			map[string][]string{"skip_invoice_custom_sections": {codeInvalid}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, _ := readInput(t, tt.body)
			if !reflect.DeepEqual(in.details, tt.want) {
				t.Errorf("details %v, want %v", in.details, tt.want)
			}
		})
	}
}

func TestDomainErrorsMapToLagoCodes(t *testing.T) {
	c := customer.Customer{Email: "nope", Address: customer.Address{Country: "X"}}
	ve := c.Validate().(*customer.ValidationError)
	got := map[string]string{}
	for _, fe := range ve.Errors {
		f := lagoField(fe.Field)
		got[f] = lagoCode(fe.Code)
	}
	want := map[string]string{"email": codeEmail, "country": codeCountry}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestSectionPatchKeepsLagoFields: Lago's own fields go into the Lago section, one key per
// shipping or billing sub-field, null and "" clearing, absent ones left alone.
func TestSectionPatchKeepsLagoFields(t *testing.T) {
	in, p := readInput(t, `{"firstname":"Ada","lastname":"","currency":"EUR","timezone":"Europe/Paris",
		"net_payment_term":30,"customer_type":"company","account_type":"partner",
		"finalize_zero_amount_invoice":"skip","skip_invoice_custom_sections":true,
		"tax_identification_number":"FR123","tax_codes":["VAT_20"],"invoice_custom_section_codes":["footer"],
		"shipping_address":{"city":"Lyon","country":"fr","zipcode":null},
		"billing_configuration":{"invoice_grace_period":3,"payment_provider":"stripe","sync":true,"unknown":"x"}}`)
	if in.details != nil {
		t.Fatalf("unexpected errors %v", in.details)
	}
	want := map[string]string{
		"firstname": `"Ada"`, "lastname": `null`, "currency": `"EUR"`, "timezone": `"Europe/Paris"`, "net_payment_term": `30`,
		"customer_type": `"company"`, "account_type": `"partner"`, "finalize_zero_amount_invoice": `"skip"`,
		"skip_invoice_custom_sections": `true`, "tax_identification_number": `"FR123"`, "tax_codes": `["VAT_20"]`,
		"invoice_custom_section_codes": `["footer"]`, "shipping_address.city": `"Lyon"`, "shipping_address.country": `"FR"`,
		"shipping_address.zipcode": `null`, "billing_configuration.invoice_grace_period": `3`,
		"billing_configuration.payment_provider": `"stripe"`, "billing_configuration.sync": `true`,
	}
	got := map[string]string{}
	for k, v := range p.Lago {
		got[k] = string(v)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("section patch\n%v\nwant\n%v", got, want)
	}
	_, p = readInput(t, `{"shipping_address":null}`)
	if len(p.Lago) != len(shippingFields) {
		t.Errorf("a null shipping address clears %d sub-fields, want %d", len(p.Lago), len(shippingFields))
	}
	_, p = readInput(t, `{"name":"only"}`)
	if p.Lago != nil || p.Metadata.Set {
		t.Errorf("absent fields are in the patch: %+v", p)
	}
}

func TestValidCurrencyIsLagosList(t *testing.T) {
	for code, want := range map[string]bool{
		"AED": true, "EUR": true, "USD": true, "ZMW": true,
		"eur": false, "EURO": false, "XXX": false, "": false, "ED ": false,
	} {
		if got := validCurrency(code); got != want {
			t.Errorf("validCurrency(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestTimezoneIsLagosList(t *testing.T) {
	for tz, ok := range map[string]bool{
		"UTC": true, "Etc/UTC": true, "Europe/Paris": true, "Europe/Kyiv": true, "America/Nuuk": true, "Asia/Yangon": true,
		"Europe/Kiev": false, "Asia/Rangoon": false, "Asia/Calcutta": false,
		"Local": false, "Europe/Paris ": false, "": false,
	} {
		raw, _ := json.Marshal(tz)
		if _, code := timezoneName(raw); (code == "") != ok {
			t.Errorf("timezone %q: code %q, want accepted %v", tz, code, ok)
		}
	}
}

// TestDocumentPrefixAndSlug: Lago's prefix is the first three characters of the name (spaces
// too) in Unicode's full upper case, as Ruby's upcase, a dash and the id's last four in capitals;
// the slug pads the sequential id to three digits and no further.
func TestDocumentPrefixAndSlug(t *testing.T) {
	const id = "0c4f7a2e-5b6d-4e8f-9a1b-2c3d4e5f6a7b"
	tests := []struct {
		name, want string
		seq        int64
		slug       string
	}{
		{"Organization", "ORG-6A7B", 1, "ORG-6A7B-001"},
		{"Pied Piper", "PIE-6A7B", 42, "PIE-6A7B-042"},
		{"My App", "MY -6A7B", 1234, "MY -6A7B-1234"},
		{"Al", "AL-6A7B", 783669657600007, "AL-6A7B-783669657600007"},
		{"straße", "STR-6A7B", 7, "STR-6A7B-007"},
		{"ßig", "SSIG-6A7B", 7, "SSIG-6A7B-007"},
		{"élan", "ÉLA-6A7B", 7, "ÉLA-6A7B-007"},
		{"日本語アプリ", "日本語-6A7B", 7, "日本語-6A7B-007"},
	}
	for _, tt := range tests {
		o := org{prefix: documentPrefix(tt.name, id)}
		if o.prefix != tt.want {
			t.Errorf("documentPrefix(%q) = %q, want %q", tt.name, o.prefix, tt.want)
		}
		if got := o.slug(customer.Customer{SequentialID: tt.seq}); got != tt.slug {
			t.Errorf("slug of %d under %q = %q, want %q", tt.seq, o.prefix, got, tt.slug)
		}
	}
}

// TestBillingEntityCodeOfAnUpsert: absent, null or blank is the app's one billing entity, as
// its own code is; any other code, or a value that is no code, is not.
func TestBillingEntityCodeOfAnUpsert(t *testing.T) {
	tests := []struct {
		body string
		ok   bool
	}{
		{`{}`, true}, {`{"billing_entity_code":null}`, true}, {`{"billing_entity_code":""}`, true},
		{`{"billing_entity_code":"  "}`, true}, {`{"billing_entity_code":"my-app"}`, true},
		{`{"billing_entity_code":"other"}`, false}, {`{"billing_entity_code":" my-app"}`, false},
		{`{"billing_entity_code":"MY-APP"}`, false}, {`{"billing_entity_code":5}`, false},
	}
	for _, tt := range tests {
		in, _ := readInput(t, tt.body)
		if got := in.ofBillingEntity("my-app"); got != tt.ok {
			t.Errorf("%s: %v, want %v", tt.body, got, tt.ok)
		}
	}
}
