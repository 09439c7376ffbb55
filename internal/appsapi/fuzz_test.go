package appsapi

import (
	"errors"
	"testing"

	"github.com/clientele/clientele/internal/customer"
)

// FuzzParseCustomer: any customer object gives a patch whose result validates, or field
// errors; never a panic, and never a customer that the store would have to refuse.
func FuzzParseCustomer(f *testing.F) {
	f.Add([]byte(`{"email":"jane@example.com","name":"Jane","external_id":"cus_1",` +
		`"metadata":{"plan":"annual","seats":3}}`))
	f.Add([]byte(`{"email":null,"address":{"line1":"1 Main St","country":"us"},"phone":"+1"}`))
	f.Add([]byte("{\"metadata\":{\"k\":\"\xff\"}}"))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := ParseCustomer(raw)
		if err != nil {
			if !errors.As(err, new(*customer.ValidationError)) {
				t.Fatalf("%T %v is not a field error", err, err)
			}
			return
		}
		c := p.Apply(customer.Customer{})
		c.Normalize()
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed a customer that does not validate: %v", err)
		}
	})
}
