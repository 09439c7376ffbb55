package customer

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxKeyBytes bounds, in bytes of the form that is stored, every value that becomes part of
// a DynamoDB key: an email (as EmailKey gives it), an external id, a lookup or filter value.
// DynamoDB allows 1,024 bytes in a sort key; the store's prefixes (at most 24 bytes, which
// the store's tests hold it to) take the rest.
const MaxKeyBytes = 1000

// KeyFits reports whether a value, in the form that is stored, can be part of a key: valid
// UTF-8 of at most MaxKeyBytes bytes. Lookups of values that do not fit find nothing; writes
// of them fail validation.
func KeyFits(stored string) bool { return len(stored) <= MaxKeyBytes && utf8.ValidString(stored) }

// NormalizeEmail is an email as it is stored: trimmed and in Unicode normalization form C,
// so that one address spelt with a precomposed or a decomposed accent is one address.
func NormalizeEmail(email string) string { return norm.NFC.String(strings.TrimSpace(email)) }

// EmailKey is the form under which an email is unique within an app: the NFC form, lower-
// cased by Unicode's simple case mapping (strings.ToLower), then in NFC again. So "José" and
// "JOSÉ" are one address, and so are the Kelvin sign (U+212A) and "k", and "İ" (U+0130)
// and "i"; full case folding ("ß" and "ss") is not applied, as mail systems do not.
func EmailKey(email string) string {
	return norm.NFC.String(strings.ToLower(norm.NFC.String(email)))
}

// visible reports whether r is a character that renders as itself: not a control or
// format character (bidi controls, zero-width characters), not a space or separator, not a
// private-use, unassigned or default-ignorable code point, and not the replacement
// character that stands for invalid UTF-8.
func visible(r rune) bool {
	return r != utf8.RuneError && unicode.IsGraphic(r) && !unicode.IsSpace(r) &&
		!unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) && !unicode.Is(unicode.Variation_Selector, r)
}
