package customer

import (
	"errors"
	"strings"
	"testing"
)

// TestKeySizeRule: every kind of key value is measured in bytes of its stored form, after
// normalisation, not in characters of what was sent.
func TestKeySizeRule(t *testing.T) {
	ascii := func(n int) string { return strings.Repeat("a", n) }
	const domain = "@example.com" // 12 bytes
	tests := []struct {
		name   string
		stored string // the stored form of the value
		fits   bool
	}{
		{"external id at the limit", ascii(MaxKeyBytes), true},
		{"external id a byte over", ascii(MaxKeyBytes + 1), false},
		{"external id of 255 four-byte characters", strings.Repeat("😀", 255), false},
		{"external id of 250 four-byte characters", strings.Repeat("😀", 250), true},
		{"external id with invalid UTF-8", "ab\xffcd", false},
		{"email whose lower case grows (U+023A is 2 bytes, ⱥ 3)", EmailKey(strings.Repeat("\u023a", 330) + domain), false},
		{"the same email in letters that do not grow", EmailKey(strings.Repeat("\u00e9", 330) + domain), true},
		{"email of 340 invalid bytes, 1 byte each as sent", EmailKey(strings.Repeat("\xff", 340)), false},
		{"email lower-cased to the limit", EmailKey(strings.ToUpper(ascii(MaxKeyBytes-len(domain))) + domain), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KeyFits(tt.stored); got != tt.fits {
				t.Errorf("KeyFits (%d bytes) = %v, want %v", len(tt.stored), got, tt.fits)
			}
		})
	}
}

// TestValidateRejectsValuesThatDoNotFitAKey: a write whose email or external id would not fit
// a key is a field error, though it is within the character limits.
func TestValidateRejectsValuesThatDoNotFitAKey(t *testing.T) {
	tests := []struct {
		name  string
		c     Customer
		field string
	}{
		{"external id of 255 four-byte characters", Customer{Email: "a@example.com", ExternalID: strings.Repeat("😀", 255)},
			"external_id"},
		{"email of 250 characters that grow when lower-cased",
			Customer{Email: strings.Repeat("\u023a", 238) + "@example.com"}, "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v *ValidationError
			if err := tt.c.Validate(); !errors.As(err, &v) || !v.Has(tt.field) {
				t.Errorf("Validate = %v, want an error on %s", err, tt.field)
			}
		})
	}
}

func TestEmailNormalisation(t *testing.T) {
	tests := []struct {
		name   string
		a, b   string
		same   bool
		validA bool
	}{
		{"NFC and NFD spellings", "jos\u00e9@example.com", "jose\u0301@example.com", true, true},
		{"letter case", "Ana@Example.COM", "ana@example.com", true, true},
		{"the Kelvin sign folds to k (simple lower-casing)", "\u212aelvin@example.com", "kelvin@example.com", true, true},
		{"dotted capital I folds to a plain i", "\u0130nes@example.com", "ines@example.com", true, true},
		{"sharp s is not folded to ss", "stra\u00dfe@example.com", "strasse@example.com", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := NormalizeEmail(tt.a), NormalizeEmail(tt.b)
			if got := EmailKey(a) == EmailKey(b); got != tt.same {
				t.Errorf("EmailKey(%q) = %q, EmailKey(%q) = %q: same = %v, want %v", a, EmailKey(a), b, EmailKey(b), got, tt.same)
			}
			if got := IsEmail(a); got != tt.validA {
				t.Errorf("IsEmail(%q) = %v", a, got)
			}
		})
	}
}

func TestIsEmailRejectsInvisibleCharacters(t *testing.T) {
	for _, r := range []string{
		"\u0085", "\u202e", "\u200b", "\u2066", "\u00ad", "\u00a0", "\u2028", "\ufeff", "\u3164", "\ufe0f", "\ue000",
		"\x00", "\x7f", "\xff",
	} {
		email := "ab" + r + "c@example.com"
		if IsEmail(NormalizeEmail(email)) {
			t.Errorf("IsEmail(%q) = true", email)
		}
	}
	if !IsEmail(NormalizeEmail("jose\u0301@example.com")) {
		t.Errorf("a decomposed accent is not valid once normalised")
	}
}
