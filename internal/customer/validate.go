package customer

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits of the canonical customer. Each dialect may be stricter; none is looser.
const (
	MaxTextLen          = 255  // name, username, external_id, legal fields, phone, address lines
	MaxCountryLen       = 100  // a country's code or name, as Lukittu bounds it
	MaxEmailLen         = 254  // RFC 5321 path limit
	MaxURLLen           = 2048 // url, logo_url
	MaxMetadataEntries  = 50
	MaxMetadataKeyLen   = 255
	MaxMetadataValueLen = 4096  // bytes of one compact JSON value
	MaxMetadataBytes    = 32768 // bytes of all values together
	MaxLagoBytes        = 16384 // bytes of Customer.Lago, names and values
)

// Codes of field errors; dialects map them to their own wording.
const (
	CodeRequired       = "required"
	CodeInvalidEmail   = "invalid_email"
	CodeInvalidCountry = "invalid_country"
	CodeTooLong        = "too_long"
	CodeTooShort       = "too_short"
	CodeInvalidFormat  = "invalid_format"
	CodeTooMany        = "too_many"
	CodeDuplicate      = "duplicate"
)

// FieldError is one problem with one field. Field uses the canonical snake_case names,
// with "address.<part>" and "metadata" for nested values.
type FieldError struct {
	Field   string
	Code    string
	Message string
}

// ValidationError lists every problem found, in a stable order.
type ValidationError struct {
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		parts[i] = fe.Field + ": " + fe.Message
	}
	return "invalid customer: " + strings.Join(parts, "; ")
}

// Add records a field error.
func (e *ValidationError) Add(field, code, message string) {
	e.Errors = append(e.Errors, FieldError{Field: field, Code: code, Message: message})
}

// Err returns e when it holds errors, else nil.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Errors) == 0 {
		return nil
	}
	return e
}

// Has reports whether field has an error.
func (e *ValidationError) Has(field string) bool {
	for _, fe := range e.Errors {
		if fe.Field == field {
			return true
		}
	}
	return false
}

// isDiscordID reports whether s is a Discord user id (a snowflake): 17 to 19 digits.
func isDiscordID(s string) bool {
	if len(s) < 17 || len(s) > 19 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Validate checks a normalized customer against the canonical rules. Which fields are
// required is a dialect's decision; Validate only checks what is set.
func (c Customer) Validate() error {
	var v ValidationError
	if c.Email != "" {
		switch {
		case utf8.RuneCountInString(c.Email) > MaxEmailLen:
			v.Add("email", CodeTooLong, fmt.Sprintf("must be at most %d characters", MaxEmailLen))
		case !KeyFits(EmailKey(c.Email)):
			v.Add("email", CodeTooLong, fmt.Sprintf("must be at most %d bytes once lower-cased", MaxKeyBytes))
		case !IsEmail(c.Email):
			v.Add("email", CodeInvalidEmail, "is not a valid email address")
		}
	}
	text := []struct {
		field, value string
		max          int
	}{
		{"name", c.Name, MaxTextLen},
		{"username", c.Username, MaxTextLen},
		{"external_id", c.ExternalID, MaxTextLen},
		{"legal_name", c.LegalName, MaxTextLen},
		{"legal_number", c.LegalNumber, MaxTextLen},
		{"phone", c.Phone, MaxTextLen},
		{"logo_url", c.LogoURL, MaxURLLen},
		{"url", c.URL, MaxURLLen},
		{"created_by", c.CreatedBy, MaxTextLen},
		{"address.line1", c.Address.Line1, MaxTextLen},
		{"address.line2", c.Address.Line2, MaxTextLen},
		{"address.city", c.Address.City, MaxTextLen},
		{"address.state", c.Address.State, MaxTextLen},
		{"address.postal_code", c.Address.PostalCode, MaxTextLen},
	}
	for _, f := range text {
		checkText(&v, f.field, f.value, f.max)
	}
	if utf8.ValidString(c.ExternalID) && !KeyFits(c.ExternalID) {
		v.Add("external_id", CodeTooLong, fmt.Sprintf("must be at most %d bytes", MaxKeyBytes))
	}
	if c.ExternalID != "" && strings.IndexFunc(c.ExternalID, unicode.IsControl) >= 0 {
		v.Add("external_id", CodeInvalidFormat, "must not contain control characters")
	}
	if n := utf8.RuneCountInString(c.Address.Country); c.Address.Country != "" && (n < 2 || n > MaxCountryLen) {
		v.Add("address.country", CodeInvalidCountry, fmt.Sprintf("must be a country code or name of 2 to %d characters",
			MaxCountryLen))
	} else {
		checkText(&v, "address.country", c.Address.Country, MaxCountryLen)
	}
	if c.DiscordID != "" && !isDiscordID(c.DiscordID) {
		v.Add("discord_id", CodeInvalidFormat, "must be a Discord user id of 17 to 19 digits")
	}
	validateMetadata(&v, c.Metadata)
	size := 0
	for k, raw := range c.Lago {
		size += len(k) + len(raw)
		if !json.Valid(raw) {
			v.Add("lago."+k, CodeInvalidFormat, "is not a JSON value")
		}
	}
	if size > MaxLagoBytes {
		v.Add("lago", CodeTooLong, fmt.Sprintf("Lago's own fields must total at most %d bytes", MaxLagoBytes))
	}
	return v.Err()
}

func checkText(v *ValidationError, field, value string, max int) {
	if !utf8.ValidString(value) {
		v.Add(field, CodeInvalidFormat, "must be valid UTF-8")
		return
	}
	if utf8.RuneCountInString(value) > max {
		v.Add(field, CodeTooLong, fmt.Sprintf("must be at most %d characters", max))
	}
}

func validateMetadata(v *ValidationError, md []Metadata) {
	if len(md) > MaxMetadataEntries {
		v.Add("metadata", CodeTooMany, fmt.Sprintf("must have at most %d entries", MaxMetadataEntries))
		return
	}
	seen := make(map[string]bool, len(md))
	total := 0
	for _, m := range md {
		switch {
		case m.Key == "":
			v.Add("metadata", CodeRequired, "every entry needs a key")
			return
		case utf8.RuneCountInString(m.Key) > MaxMetadataKeyLen:
			v.Add("metadata", CodeTooLong, fmt.Sprintf("keys must be at most %d characters", MaxMetadataKeyLen))
			return
		case seen[m.Key]:
			v.Add("metadata", CodeDuplicate, fmt.Sprintf("key %q appears more than once", m.Key))
			return
		case !json.Valid(m.Value):
			v.Add("metadata", CodeInvalidFormat, fmt.Sprintf("value of %q is not a JSON value", m.Key))
			return
		case len(m.Value) > MaxMetadataValueLen:
			v.Add("metadata", CodeTooLong, fmt.Sprintf("value of %q must be at most %d bytes", m.Key, MaxMetadataValueLen))
			return
		}
		seen[m.Key] = true
		total += len(m.Value)
	}
	if total > MaxMetadataBytes {
		v.Add("metadata", CodeTooLong, fmt.Sprintf("values must total at most %d bytes", MaxMetadataBytes))
	}
}

// IsEmail reports whether s looks like a deliverable address: valid UTF-8 in NFC (see
// NormalizeEmail), local@domain, a local part of 1 to 64 visible characters (no controls,
// bidi or zero-width characters, nor anything else that renders invisibly), and a domain of
// at least two dot-separated labels of letters, digits and inner hyphens.
func IsEmail(s string) bool {
	if !utf8.ValidString(s) || !norm.NFC.IsNormalString(s) {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at > 64 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	for _, r := range local {
		if !visible(r) || r == '@' || r == '<' || r == '>' || r == '(' || r == ')' ||
			r == ',' || r == ';' || r == ':' || r == '\\' || r == '"' || r == '[' || r == ']' {
			return false
		}
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
				return false
			}
		}
	}
	return true
}
