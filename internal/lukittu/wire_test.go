package lukittu

import (
	"errors"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/problem"
)

func TestDecodeAndValidateLikeTheRealService(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr string // part of the details, "" when valid
	}{
		{"email only", `{"email":"a@example.com","metadata":[]}`, ""},
		{"username only", `{"username":"ada","metadata":[]}`, ""},
		{"street address",
			`{"email":"a@example.com","metadata":[],"address":{"street":"1 Main St","country":"us","postalCode":"123"}}`, ""},
		{"line1 address", `{"email":"a@example.com","metadata":[],"address":{"line1":"1 Main St","line2":"Apt 2"}}`, ""},
		{"unknown key", `{"email":"a@example.com","metadata":[],"nickname":"x"}`, "Unrecognized key"},
		{"unknown nested key", `{"email":"a@example.com","metadata":[{"key":"k","value":"v","locked":false,"extra":1}]}`,
			"Unrecognized key"},
		{"neither email nor username", `{"fullName":"Ada Lovelace","metadata":[]}`, "Email or username is required"},
		{"metadata missing", `{"email":"a@example.com"}`, "Metadata is required"},
		{"fullName too short", `{"email":"a@example.com","fullName":"Al","metadata":[]}`, "Full name"},
		{"empty username", `{"email":"a@example.com","username":"","metadata":[]}`, "Username"},
		{"discordId not a snowflake", `{"email":"a@example.com","discordId":"12","metadata":[]}`, "discordId"},
		{"bad email", `{"email":"not-an-email","metadata":[]}`, "email"},
		{"21 metadata entries", `{"email":"a@example.com","metadata":[` +
			strings.Repeat(`{"key":"k","value":"v","locked":false},`, 20) + `{"key":"z","value":"v","locked":false}]}`,
			"at most 20"},
		{"metadata without locked", `{"email":"a@example.com","metadata":[{"key":"k","value":"v"}]}`,
			"key, value and locked"},
		{"metadata value too long",
			`{"email":"a@example.com","metadata":[{"key":"k","value":"` + strings.Repeat("v", 256) + `","locked":false}]}`,
			"values must be"},
		{"wrong type", `{"email":5,"metadata":[]}`, "Invalid type for email"},
		{"two objects", `{"email":"a@example.com","metadata":[]}{}`, "Invalid JSON"},
		{"street and a different line1", `{"email":"a@example.com","metadata":[],"address":{"street":"a","line1":"b"}}`,
			"not both"},
		{"a one-letter country", `{"email":"a@example.com","metadata":[],"address":{"country":"N"}}`, "country"},
		{"keys in another letter case", `{"EMAIL":"a@example.com","METADATA":[]}`, "Unrecognized key "},
		{"a key that folds to a known one (long s)", `{"email":"a@example.com","u\u017fername":"x","metadata":[]}`,
			"Unrecognized key"},
		{"a nested key in another letter case",
			`{"email":"a@example.com","metadata":[{"KEY":"k","value":"v","locked":false}]}`, "Unrecognized key metadata.0.KEY"},
		{"an address key in another letter case", `{"email":"a@example.com","metadata":[],"address":{"City":"Oslo"}}`,
			"Unrecognized key address.City"},
		{"metadata of the wrong type, told as JSON", `{"email":"a@example.com","metadata":{}}`,
			"Invalid type for metadata: expected array"},
		{"locked of the wrong type", `{"email":"a@example.com","metadata":[{"key":"k","value":"v","locked":"no"}]}`,
			"expected boolean"},
		{"street too short", `{"email":"a@example.com","metadata":[],"address":{"street":"1 A"}}`,
			"street must be between 5 and 255"},
		{"city too short", `{"email":"a@example.com","metadata":[],"address":{"city":"X"}}`,
			"city must be between 2 and 100"},
		{"state too long", `{"email":"a@example.com","metadata":[],"address":{"state":"` + strings.Repeat("s", 101) + `"}}`,
			"state must be between 2 and 100"},
		{"postal code too short", `{"email":"a@example.com","metadata":[],"address":{"postalCode":"12"}}`,
			"postalCode must be between 3 and 20"},
		{"postal code too long",
			`{"email":"a@example.com","metadata":[],"address":{"postalCode":"` + strings.Repeat("1", 21) + `"}}`, "postalCode"},
		{"line2 too long", `{"email":"a@example.com","metadata":[],"address":{"line2":"` + strings.Repeat("l", 256) + `"}}`,
			"line2 must be at most 255"},
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
			var pe *problem.Error
			if !errors.As(err, &pe) || pe.Kind != problem.BadRequest || !strings.Contains(pe.Message, tt.wantErr) {
				t.Fatalf("got %v, want a bad request whose details contain %q", err, tt.wantErr)
			}
			if m := pe.Message; strings.Contains(m, "lukittu.") || strings.Contains(m, "*") || strings.Contains(m, "[]") {
				t.Errorf("details name a Go type: %s", pe.Message)
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
