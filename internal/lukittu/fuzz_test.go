package lukittu

import (
	"errors"
	"testing"

	"github.com/clientele/clientele/internal/problem"
)

// FuzzDecodeCustomer: any body decodes to a customer that validates or to a client error
// (the 400's details), never to a panic or another kind of error.
func FuzzDecodeCustomer(f *testing.F) {
	f.Add([]byte(`{"email":"a@example.com","metadata":[]}`))
	f.Add([]byte(`{"username":"ada","fullName":"Ada Lovelace","discordId":"123456789012345678",` +
		`"metadata":[{"key":"k","value":"v","locked":true}],` +
		`"address":{"street":"1 Main St","city":"Oslo","country":"no","postalCode":"0150"}}`))
	f.Add([]byte(`{"EMAIL":"a@example.com","METADATA":[]}`))
	f.Add([]byte("{\"email\":\"\xff@example.com\",\"metadata\":[]}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in customerIn
		err := decodeStrict(body, &in)
		if err == nil {
			cust, cerr := in.toCustomer()
			if cerr == nil {
				if verr := cust.Validate(); verr != nil {
					t.Fatalf("accepted a customer that does not validate: %v", verr)
				}
				return
			}
			err = cerr
		}
		var pe *problem.Error
		if !errors.As(err, &pe) || pe.Kind != problem.BadRequest {
			t.Fatalf("%T %v is not a client error", err, err)
		}
	})
}
