package lukittu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/problem"
	"github.com/clientele/clientele/internal/wire"
)

// Limits of the Lukittu developer API.
const (
	maxMetadata     = 20
	maxMetadataText = 255
	minFullName     = 3
	maxFullName     = 255
	maxUsername     = 255
	nilUUID         = "00000000-0000-0000-0000-000000000000"
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

func toCustomerJSON(teamID string, c customer.Customer) customerJSON {
	out := customerJSON{
		ID: c.ID, Email: wire.OptString(c.Email), FullName: wire.OptString(c.Name), Username: wire.OptString(c.Username),
		Metadata: make([]metadataJSON, len(c.Metadata)), TeamID: teamID, CreatedByUserID: nilUUID,
		CreatedAt: wire.Time(c.CreatedAt), UpdatedAt: wire.Time(c.UpdatedAt),
	}
	if id, ok := customer.ParseID(c.CreatedBy); ok {
		out.CreatedByUserID = id
	}
	for i, m := range c.Metadata {
		out.Metadata[i] = metadataJSON{Key: m.Key, Value: m.Text(), Locked: m.Locked}
	}
	if a := c.Address; !a.IsZero() {
		out.Address = &addressJSON{
			Street: wire.OptString(a.Line1), Line1: wire.OptString(a.Line1), Line2: wire.OptString(a.Line2),
			City: wire.OptString(a.City), State: wire.OptString(a.State), Country: wire.OptString(a.Country),
			PostalCode: wire.OptString(a.PostalCode),
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

// bad is a client's mistake in a request body, whose text is the answer's details.
func bad(format string, args ...any) error {
	return problem.Errorf(problem.BadRequest, format, args...)
}

// decodeStrict decodes one JSON object whose keys are all json tags of v, spelt exactly (docs/lukittu.md, "Bodies").
func decodeStrict(raw []byte, v any) error {
	if !json.Valid(raw) {
		return bad("Invalid JSON body")
	}
	if err := checkKeys(raw, reflect.TypeOf(v), ""); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				field = "body"
			}
			return bad("Invalid type for %s: expected %s", field, jsonKind(te.Type))
		}
		return bad("Invalid JSON body")
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("Invalid JSON body")
	}
	return nil
}

// checkKeys walks raw alongside t and rejects an object key that no json tag of the struct
// it decodes into spells exactly. Values of the wrong JSON type are left to the decode.
func checkKeys(raw json.RawMessage, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return nil
		}
		for _, key := range slices.Sorted(maps.Keys(obj)) { // a stable error for a stable body
			val := obj[key]
			f, ok := fieldByTag(t, key)
			if !ok {
				return bad("Unrecognized key %s", path+key)
			}
			if err := checkKeys(val, f.Type, path+key+"."); err != nil {
				return err
			}
		}
	case reflect.Slice:
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) != nil {
			return nil
		}
		for i, el := range arr {
			if err := checkKeys(el, t.Elem(), fmt.Sprintf("%s%d.", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	default:
		return "number"
	}
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
	c := customer.Customer{
		Email: text(in.Email), Name: text(in.FullName), Username: text(in.Username), DiscordID: text(in.DiscordID),
	}
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
	md, err := metadataOf(in.Metadata)
	if err != nil {
		return c, err
	}
	c.Metadata = md
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
		if err := a.checkLengths(street); err != nil {
			return c, err
		}
	}
	c.Normalize()
	if err := c.Validate(); err != nil {
		var ve *customer.ValidationError
		if errors.As(err, &ve) && len(ve.Errors) > 0 {
			return c, bad("%s", invalidDetails(ve.Errors[0].Field, ve.Errors[0].Message))
		}
		return c, err
	}
	return c, nil
}

// metadataOf reads the metadata entries, which are required: at most 20, each with key,
// value and locked.
func metadataOf(entries *[]metadataIn) ([]customer.Metadata, error) {
	if entries == nil {
		return nil, bad("Metadata is required")
	}
	if len(*entries) > maxMetadata {
		return nil, bad("Metadata can have at most %d entries", maxMetadata)
	}
	var md []customer.Metadata
	for _, m := range *entries {
		if m.Key == nil || m.Value == nil || m.Locked == nil {
			return nil, bad("Each metadata entry needs key, value and locked")
		}
		k, v := strings.TrimSpace(*m.Key), strings.TrimSpace(*m.Value)
		if n := utf8.RuneCountInString(k); n < 1 || n > maxMetadataText {
			return nil, bad("Metadata keys must be between 1 and %d characters", maxMetadataText)
		}
		if n := utf8.RuneCountInString(v); n < 1 || n > maxMetadataText {
			return nil, bad("Metadata values must be between 1 and %d characters", maxMetadataText)
		}
		value, _ := json.Marshal(v)
		md = append(md, customer.Metadata{Key: k, Value: value, Locked: *m.Locked})
	}
	return md, nil
}

// checkLengths holds the address fields that are given to the real service's lengths:
// street (or line1) 5 to 255 characters, line2 at most 255, city, state and country 2 to
// 100, postalCode 3 to 20.
func (a *addressIn) checkLengths(street string) error {
	fields := []struct {
		name     string
		set      bool
		value    string
		min, max int
	}{
		{"street", a.Street != nil || a.Line1 != nil, street, 5, 255},
		{"line2", a.Line2 != nil, text(a.Line2), 0, 255},
		{"city", a.City != nil, text(a.City), 2, 100},
		{"state", a.State != nil, text(a.State), 2, 100},
		{"country", a.Country != nil, text(a.Country), 2, 100},
		{"postalCode", a.PostalCode != nil, text(a.PostalCode), 3, 20},
	}
	for _, f := range fields {
		if n := utf8.RuneCountInString(f.value); f.set && (n < f.min || n > f.max) {
			if f.min == 0 {
				return bad("Address %s must be at most %d characters", f.name, f.max)
			}
			return bad("Address %s must be between %d and %d characters", f.name, f.min, f.max)
		}
	}
	return nil
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
