package store

import (
	"encoding/json"

	"github.com/clientele/clientele/internal/customer"
)

// The attributes that list filters test, besides the search forms (lc_*): slim copies of
// the fields, which the list indexes carry instead of the fields themselves.
const (
	attrFilterAddress  = "addr"     // c, s, z: the country's code, the state, the postal code
	attrFilterMetadata = "md"       // each entry's text, then U+0000, then its SearchText when that differs
	attrFilterLago     = "lago_idx" // the Lago fields Lago's filters test, by lagoFilterKey
)

type filterAttrs struct {
	Address  map[string]string `dynamodbav:"addr,omitempty"`
	Metadata map[string]string `dynamodbav:"md,omitempty"`
	Lago     map[string]any    `dynamodbav:"lago_idx,omitempty"`
}

func newFilterAttrs(c customer.Customer) filterAttrs {
	var f filterAttrs
	for k, v := range map[string]string{"c": c.Address.CountryCode(), "s": c.Address.State, "z": c.Address.PostalCode} {
		if v != "" {
			if f.Address == nil {
				f.Address = map[string]string{}
			}
			f.Address[k] = v
		}
	}
	for _, m := range c.Metadata {
		if f.Metadata == nil {
			f.Metadata = map[string]string{}
		}
		f.Metadata[m.Key] = metadataFilterText(m.Text())
	}
	for field, raw := range c.Lago {
		key := lagoFilterKey(field)
		var v any
		if key == "" || json.Unmarshal(raw, &v) != nil {
			continue
		}
		if field == "tax_identification_number" {
			v = true // its filter tests presence alone
		}
		if f.Lago == nil {
			f.Lago = map[string]any{}
		}
		f.Lago[key] = v
	}
	return f
}

// metadataFilterText is an entry's value as md keeps it: an exact match is a prefix of it
// (the text and U+0000), a contains() of a SearchText term finds the SearchText part or,
// when the text is its own SearchText, the text.
func metadataFilterText(text string) string {
	folded := customer.SearchText(text)
	if folded == text {
		folded = ""
	}
	return text + "\x00" + folded
}

// lagoFilterKey is the key in lago_idx of a Lago field that Lago's list filters test, or ""
// for the others.
func lagoFilterKey(field string) string {
	switch field {
	case "currency":
		return "cur"
	case "account_type":
		return "acc"
	case "customer_type":
		return "typ"
	case "tax_identification_number":
		return "tax"
	}
	return ""
}
