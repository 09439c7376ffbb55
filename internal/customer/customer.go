// Package customer holds the canonical customer and license records shared by every dialect,
// the rules that keep them valid, and partial updates. It knows nothing of storage or wire
// formats.
package customer

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"
)

// Customer is the canonical customer. Empty strings mean "not set".
type Customer struct {
	ID          string // UUID v4, lower case with hyphens
	Email       string // unique per app, compared case-insensitively
	Name        string
	Username    string
	ExternalID  string // unique per app when set
	Metadata    []Metadata
	Address     Address
	LegalName   string
	LegalNumber string
	LogoURL     string
	Phone       string
	URL         string
	DiscordID   string
	// Lago holds the fields only the Lago dialect has (currency, timezone, shipping address,
	// billing configuration, …), each one compact JSON value as that dialect checked it; the
	// other dialects leave it as it is.
	Lago      map[string]json.RawMessage
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64 // 1 after creation, +1 for every write that changed something
	// SequentialID is unique in the app and grows with creation time (docs/storage.md); 0
	// for a customer of before it that is not re-indexed yet.
	SequentialID int64
}

// Address is a postal address. Country is as a client sent it: an ISO 3166-1 alpha-2 code
// (in upper case) or a country's name (Lukittu takes any text); CountryCode gives its code.
type Address struct {
	Line1      string
	Line2      string
	City       string
	State      string
	Country    string
	PostalCode string
}

// CountryCode is the ISO 3166-1 alpha-2 code of the address's country, or "" when its text
// names none (see the package's CountryCode).
func (a Address) CountryCode() string { return CountryCode(a.Country) }

// IsZero reports whether no address field is set.
func (a Address) IsZero() bool { return a == Address{} }

// Metadata is one entry. It carries every dialect's metadata without loss: the Apps API's
// object values (any JSON), Lukittu's locked flag and Lago's display_in_invoice flag.
type Metadata struct {
	ID               string // a stable id, for the dialects that show one (Lago); "" when none was given
	Key              string
	Value            json.RawMessage // one JSON value, compact
	Locked           bool
	DisplayInInvoice bool
}

// EntryID is the stable id of a metadata entry of a customer: the one it was given, else
// one derived from the customer's id and the entry's key (UUID-shaped, name-based as v5).
func (m Metadata) EntryID(customerID string) string {
	if m.ID != "" {
		return m.ID
	}
	sum := sha256.Sum256([]byte(customerID + "\x00" + m.Key))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Text is the value as the dialects whose metadata values are strings show it (Lukittu,
// Lago): a JSON string as itself, any other JSON value (written through the Apps API) as its
// JSON text.
func (m Metadata) Text() string {
	var s string
	if json.Unmarshal(m.Value, &s) == nil {
		return s
	}
	return string(m.Value)
}

// Equal reports whether two customers hold the same data (identity, timestamps and version
// aside: it answers "would writing b over a change anything").
func (c Customer) Equal(o Customer) bool {
	return c.Email == o.Email && c.Name == o.Name && c.Username == o.Username &&
		c.ExternalID == o.ExternalID && c.Address == o.Address && c.LegalName == o.LegalName &&
		c.LegalNumber == o.LegalNumber && c.LogoURL == o.LogoURL && c.Phone == o.Phone &&
		c.URL == o.URL && c.DiscordID == o.DiscordID && c.CreatedBy == o.CreatedBy &&
		maps.EqualFunc(c.Lago, o.Lago, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) &&
		slices.EqualFunc(c.Metadata, o.Metadata, func(a, b Metadata) bool {
			return a.ID == b.ID && a.Key == b.Key && bytes.Equal(a.Value, b.Value) && a.Locked == b.Locked &&
				a.DisplayInInvoice == b.DisplayInInvoice
		})
}

// Normalize trims surrounding space from every text field, upper-cases a country code,
// compacts metadata values and writes Lago's values in one form (encoding/json's, object
// keys sorted), the one they read back in from the store. Validate expects a normalized customer.
func (c *Customer) Normalize() {
	for _, f := range []*string{
		&c.Email, &c.Name, &c.Username, &c.ExternalID, &c.LegalName, &c.LegalNumber,
		&c.LogoURL, &c.Phone, &c.URL, &c.DiscordID, &c.CreatedBy,
		&c.Address.Line1, &c.Address.Line2, &c.Address.City, &c.Address.State,
		&c.Address.Country, &c.Address.PostalCode,
	} {
		*f = strings.TrimSpace(*f)
	}
	c.Email = NormalizeEmail(c.Email)
	if IsCountryCode(c.Address.Country) {
		c.Address.Country = strings.ToUpper(c.Address.Country)
	}
	for i := range c.Metadata {
		c.Metadata[i].Key = strings.TrimSpace(c.Metadata[i].Key)
		var buf bytes.Buffer
		if json.Compact(&buf, c.Metadata[i].Value) == nil {
			c.Metadata[i].Value = buf.Bytes()
		}
	}
	for k, raw := range c.Lago {
		var v any
		if json.Unmarshal(raw, &v) != nil {
			continue // Validate reports it
		}
		if b, err := json.Marshal(v); err == nil {
			c.Lago[k] = b
		}
	}
}

// NewID returns a random UUID v4.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// ParseID returns the canonical (lower-case) form of a UUID, and whether s is one. Any UUID
// version is accepted back: ids are only ever compared, never interpreted.
func ParseID(s string) (string, bool) {
	if len(s) != 36 {
		return "", false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return "", false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return "", false
		}
	}
	return strings.ToLower(s), true
}
