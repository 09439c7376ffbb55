package lukittu

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeAndValidateLikeTheRealService(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr string // part of the details, "" when valid
	}{
		{"email only", `{"email":"a@example.com","metadata":[]}`, ""},
		{"username only", `{"username":"ada","metadata":[]}`, ""},
		{"street address", `{"email":"a@example.com","metadata":[],"address":{"street":"1 Main St","country":"us","postalCode":"123"}}`, ""},
		{"line1 address", `{"email":"a@example.com","metadata":[],"address":{"line1":"1 Main St","line2":"Apt 2"}}`, ""},
		{"unknown key", `{"email":"a@example.com","metadata":[],"nickname":"x"}`, "Unrecognized key"},
		{"unknown nested key", `{"email":"a@example.com","metadata":[{"key":"k","value":"v","locked":false,"extra":1}]}`, "Unrecognized key"},
		{"neither email nor username", `{"fullName":"Ada Lovelace","metadata":[]}`, "Email or username is required"},
		{"metadata missing", `{"email":"a@example.com"}`, "Metadata is required"},
		{"fullName too short", `{"email":"a@example.com","fullName":"Al","metadata":[]}`, "Full name"},
		{"empty username", `{"email":"a@example.com","username":"","metadata":[]}`, "Username"},
		{"discordId not a snowflake", `{"email":"a@example.com","discordId":"12","metadata":[]}`, "discordId"},
		{"bad email", `{"email":"not-an-email","metadata":[]}`, "email"},
		{"21 metadata entries", `{"email":"a@example.com","metadata":[` + strings.Repeat(`{"key":"k","value":"v","locked":false},`, 20) + `{"key":"z","value":"v","locked":false}]}`, "at most 20"},
		{"metadata without locked", `{"email":"a@example.com","metadata":[{"key":"k","value":"v"}]}`, "key, value and locked"},
		{"metadata value too long", `{"email":"a@example.com","metadata":[{"key":"k","value":"` + strings.Repeat("v", 256) + `","locked":false}]}`, "values must be"},
		{"wrong type", `{"email":5,"metadata":[]}`, "Invalid type for email"},
		{"two objects", `{"email":"a@example.com","metadata":[]}{}`, "Invalid JSON"},
		{"street and a different line1", `{"email":"a@example.com","metadata":[],"address":{"street":"a","line1":"b"}}`, "not both"},
		{"bad country", `{"email":"a@example.com","metadata":[],"address":{"country":"Narnia"}}`, "country"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in customerIn
			err := decodeStrict([]byte(tt.body), &in)
			if err == nil {
				_, err = in.toCustomer()
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			var eb *errBody
			if !errors.As(err, &eb) || !strings.Contains(eb.msg, tt.wantErr) {
				t.Fatalf("got %v, want a client error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestAddressAcceptsStreetOrLine1(t *testing.T) {
	for _, body := range []string{
		`{"email":"a@example.com","metadata":[],"address":{"street":"1 Main St"}}`,
		`{"email":"a@example.com","metadata":[],"address":{"line1":"1 Main St"}}`,
		`{"email":"a@example.com","metadata":[],"address":{"street":"1 Main St","line1":"1 Main St"}}`,
	} {
		var in customerIn
		if err := decodeStrict([]byte(body), &in); err != nil {
			t.Fatal(err)
		}
		c, err := in.toCustomer()
		if err != nil || c.Address.Line1 != "1 Main St" {
			t.Errorf("%s: line1 %q, %v", body, c.Address.Line1, err)
		}
	}
}
