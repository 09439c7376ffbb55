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
	in, p := readInput(t, `{"external_id":"x","name":"Gavin","address_line2":null,"billing_configuration":{},"shipping_address":{"city":null}}`)
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
		{"too many metadata", `{"metadata":[` + strings.Repeat(`{"key":"k","value":"v"},`, 5) + `{"key":"z","value":"v"}]}`, map[string][]string{"metadata": {codeTooManyMeta}}},
		{"metadata key too long", `{"metadata":[{"key":"` + strings.Repeat("k", 21) + `","value":"v"}]}`, map[string][]string{"metadata": {codeTooLong}}},
		{"metadata value too long", `{"metadata":[{"key":"k","value":"` + strings.Repeat("v", 101) + `"}]}`, map[string][]string{"metadata": {codeTooLong}}},
		{"metadata key missing", `{"metadata":[{"value":"v"}]}`, map[string][]string{"metadata": {codeMandatory}}},
		{"billing_configuration not an object", `{"billing_configuration":"x"}`, map[string][]string{"billing_configuration": {codeInvalid}}},
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
	c := customer.Customer{Email: "nope", Address: customer.Address{Country: "XX"}}
	ve := c.Validate().(*customer.ValidationError)
	got := map[string]string{}
	for _, fe := range ve.Errors {
		f := lagoField(fe.Field)
		got[f] = lagoCode(f, fe.Code)
	}
	want := map[string]string{"email": codeEmail, "country": codeCountry}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestMetadataIDIsStableUUID(t *testing.T) {
	a, b := metadataID("c1", "plan"), metadataID("c1", "plan")
	if a != b || a == metadataID("c1", "tier") {
		t.Fatalf("ids %s %s not stable per key", a, b)
	}
	if _, ok := customer.ParseID(a); !ok {
		t.Errorf("%s is not a UUID", a)
	}
}
