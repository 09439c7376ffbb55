package customer

import (
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// SearchText is the form in which text that users search (names, legal names, usernames,
// external ids, metadata values, and the search terms themselves) is compared: NFC, then
// Unicode case folding, then NFC again, so that "JOSÉ", "josé" and "jose\u0301" are one text
// and "STRASSE" finds "straße". Emails are compared by EmailKey instead.
func SearchText(s string) string {
	// A Caser keeps state: one per call, as cases documents.
	return norm.NFC.String(cases.Fold().String(norm.NFC.String(s)))
}
