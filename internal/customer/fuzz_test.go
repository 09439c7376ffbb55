package customer

import (
	"testing"
	"unicode/utf8"
)

// FuzzValidate: whatever a client sends, a customer that normalises and validates has an
// email and external id that fit a DynamoDB key, valid UTF-8 everywhere, and an email in
// NFC made only of visible characters.
func FuzzValidate(f *testing.F) {
	f.Add("ana@example.com", "CRM-1", "Ana")
	f.Add("jose\u0301@example.com", "ext", "José")
	f.Add("\u023a\u023a@example.com", "😀😀", "\xff")
	f.Add("a\u202eb@example.com", "a\x00b", "\u200b")
	f.Fuzz(func(t *testing.T, email, externalID, name string) {
		c := Customer{Email: email, ExternalID: externalID, Name: name}
		c.Normalize()
		if c.Validate() != nil {
			return
		}
		if c.Email != "" && (!KeyFits(EmailKey(c.Email)) || !IsEmail(c.Email)) {
			t.Errorf("email %q validated but does not fit a key or is not an email", c.Email)
		}
		if !KeyFits(c.ExternalID) {
			t.Errorf("external id %q validated but does not fit a key", c.ExternalID)
		}
		if !utf8.ValidString(c.Name) {
			t.Errorf("name %q validated but is not UTF-8", c.Name)
		}
	})
}
