package lago

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/clientele/clientele/internal/customer"
)

// FuzzDecodeCustomer: any customer object gives a patch whose result validates, or field
// details in Lago's codes; never a panic.
func FuzzDecodeCustomer(f *testing.F) {
	f.Add([]byte(`{"external_id":"ext-1","email":"a@example.com","name":"Ana",` +
		`"metadata":[{"key":"k","value":"v","display_in_invoice":true}]}`))
	f.Add([]byte(`{"customer_id":"old","billing_configuration":{},"shipping_address":{"city":null},"country":"de"}`))
	f.Add([]byte(`{"external_id":null,"email":5,"metadata":{}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		in := input{}
		if json.Unmarshal(raw, &in.fields) != nil || in.fields == nil {
			return // the handler's 400
		}
		p := in.patch()
		if len(in.details) > 0 {
			for field, codes := range in.details {
				if field == "" || len(codes) == 0 {
					t.Fatalf("details %v", in.details)
				}
			}
			return
		}
		if err := p.Apply(customer.Customer{}).Validate(); err != nil && !errors.As(err, new(*customer.ValidationError)) {
			t.Fatalf("%T %v is not a field error", err, err)
		}
	})
}
