package lukittu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clientele/clientele/internal/customer"
)

// Limits of the Lukittu developer API.
const (
	maxMetadata       = 20
	maxMetadataText   = 255
	minFullName       = 3
	maxFullName       = 255
	maxUsername       = 255
	nilUUID           = "00000000-0000-0000-0000-000000000000"
	detailsValidation = "Invalid request body"
)

type result struct {
	Timestamp string `json:"timestamp"`
	Valid     bool   `json:"valid"`
	Details   string `json:"details"`
	Code      string `json:"code,omitempty"`
}

type envelope struct {
	Data   any    `json:"data"`
	Result result `json:"result"`
}

type metadataJSON struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Locked bool   `json:"locked"`
}

// addressJSON carries the contract's `street` and the real service's `line1` (the same
// value) and `line2`.
type addressJSON struct {
	Street     *string `json:"street"`
	Line1      *string `json:"line1"`
	Line2      *string `json:"line2"`
	City       *string `json:"city"`
	State      *string `json:"state"`
	Country    *string `json:"country"`
	PostalCode *string `json:"postalCode"`
}

type customerJSON struct {
	ID       string         `json:"id"`
	Email    *string        `json:"email"`
	FullName *string        `json:"fullName"`
	Username *string        `json:"username"`
	Metadata []metadataJSON `json:"metadata"`
	// address and discordAccount are left out when empty, not null: the contract declares
	// them as a $ref with a sibling nullable, which OpenAPI 3.0 ignores, so its schema
	// rejects null. discordAccount is always left out: Discord accounts cannot be checked
	// from here (see the README).
	Address         *addressJSON `json:"address,omitempty"`
	DiscordAccount  *struct{}    `json:"discordAccount,omitempty"`
	TeamID          string       `json:"teamId"`
	CreatedByUserID string       `json:"createdByUserId"`
	CreatedAt       string       `json:"createdAt"`
	UpdatedAt       string       `json:"updatedAt"`
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timeJSON(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func toCustomerJSON(teamID string, c customer.Customer) customerJSON {
	out := customerJSON{
		ID: c.ID, Email: optString(c.Email), FullName: optString(c.Name), Username: optString(c.Username),
		Metadata: make([]metadataJSON, len(c.Metadata)), TeamID: teamID, CreatedByUserID: nilUUID,
		CreatedAt: timeJSON(c.CreatedAt), UpdatedAt: timeJSON(c.UpdatedAt),
	}
	if id, ok := customer.ParseID(c.CreatedBy); ok {
		out.CreatedByUserID = id
	}
	for i, m := range c.Metadata {
		out.Metadata[i] = metadataJSON{Key: m.Key, Value: m.Text(), Locked: m.Locked}
	}
	if a := c.Address; !a.IsZero() {
		out.Address = &addressJSON{
			Street: optString(a.Line1), Line1: optString(a.Line1), Line2: optString(a.Line2),
			City: optString(a.City), State: optString(a.State), Country: optString(a.Country),
			PostalCode: optString(a.PostalCode),
		}
	}
	return out
}

// customerIn is the strict request body of POST and PUT.
type customerIn struct {
	Email     *string       `json:"email"`
	FullName  *string       `json:"fullName"`
	Username  *string       `json:"username"`
	DiscordID *string       `json:"discordId"`
	Metadata  *[]metadataIn `json:"metadata"`
	Address   *addressIn    `json:"address"`
}

type metadataIn struct {
	Key    *string `json:"key"`
	Value  *string `json:"value"`
	Locked *bool   `json:"locked"`
}

type addressIn struct {
	Street     *string `json:"street"`
	Line1      *string `json:"line1"`
	Line2      *string `json:"line2"`
	City       *string `json:"city"`
	State      *string `json:"state"`
	Country    *string `json:"country"`
	PostalCode *string `json:"postalCode"`
}

// errBody is a client mistake in a request body; its text is the response's details.
type errBody struct{ msg string }

func (e *errBody) Error() string { return e.msg }

func bad(format string, args ...any) error { return &errBody{fmt.Sprintf(format, args...)} }

// decodeStrict decodes one JSON object and rejects unknown keys, as the real service does.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return bad("Invalid type for %s: expected %s", te.Field, te.Type)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return bad("Unrecognized key %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		default:
			return bad("Invalid JSON body")
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("Invalid JSON body")
	}
	return nil
}

func text(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

// toCustomer validates a body as the real service does and maps it to the canonical
// fields Lukittu knows.
func (in customerIn) toCustomer() (customer.Customer, error) {
	c := customer.Customer{Email: text(in.Email), Name: text(in.FullName), Username: text(in.Username), DiscordID: text(in.DiscordID)}
	if in.Username != nil && c.Username == "" {
		return c, bad("Username must be between 1 and %d characters", maxUsername)
	}
	if c.Email == "" && c.Username == "" {
		return c, bad("Email or username is required")
	}
	if in.FullName != nil && c.Name != "" {
		if n := utf8.RuneCountInString(c.Name); n < minFullName || n > maxFullName {
			return c, bad("Full name must be between %d and %d characters", minFullName, maxFullName)
		}
	}
	if utf8.RuneCountInString(c.Username) > maxUsername {
		return c, bad("Username must be between 1 and %d characters", maxUsername)
	}
	if in.Metadata == nil {
		return c, bad("Metadata is required")
	}
	if len(*in.Metadata) > maxMetadata {
		return c, bad("Metadata can have at most %d entries", maxMetadata)
	}
	for _, m := range *in.Metadata {
		if m.Key == nil || m.Value == nil || m.Locked == nil {
			return c, bad("Each metadata entry needs key, value and locked")
		}
		k, v := strings.TrimSpace(*m.Key), strings.TrimSpace(*m.Value)
		if n := utf8.RuneCountInString(k); n < 1 || n > maxMetadataText {
			return c, bad("Metadata keys must be between 1 and %d characters", maxMetadataText)
		}
		if n := utf8.RuneCountInString(v); n < 1 || n > maxMetadataText {
			return c, bad("Metadata values must be between 1 and %d characters", maxMetadataText)
		}
		value, _ := json.Marshal(v)
		c.Metadata = append(c.Metadata, customer.Metadata{Key: k, Value: value, Locked: *m.Locked})
	}
	if a := in.Address; a != nil {
		street, line1 := text(a.Street), text(a.Line1)
		if street != "" && line1 != "" && street != line1 {
			return c, bad("Give the first address line as street or line1, not both")
		}
		if street == "" {
			street = line1
		}
		c.Address = customer.Address{
			Line1: street, Line2: text(a.Line2), City: text(a.City), State: text(a.State),
			Country: text(a.Country), PostalCode: text(a.PostalCode),
		}
	}
	c.Normalize()
	if err := c.Validate(); err != nil {
		var ve *customer.ValidationError
		if errors.As(err, &ve) && len(ve.Errors) > 0 {
			return c, bad("Invalid %s: %s", lukittuField(ve.Errors[0].Field), ve.Errors[0].Message)
		}
		return c, err
	}
	return c, nil
}

// lukittuField names a canonical field as the Lukittu API does.
func lukittuField(f string) string {
	switch f {
	case "name":
		return "fullName"
	case "discord_id":
		return "discordId"
	case "address.line1":
		return "address.street"
	case "address.postal_code":
		return "address.postalCode"
	}
	return f
}

// patch is the full replace of the fields Lukittu knows; fields only other dialects know
// (external_id, phone, legal details, display_in_invoice flags) are kept.
func patch(c customer.Customer) customer.Patch {
	p := customer.Replace(c)
	p.ExternalID, p.LegalName, p.LegalNumber = customer.Opt[string]{}, customer.Opt[string]{}, customer.Opt[string]{}
	p.LogoURL, p.Phone, p.URL = customer.Opt[string]{}, customer.Opt[string]{}, customer.Opt[string]{}
	p.KeepDisplayInInvoice = true
	return p
}
