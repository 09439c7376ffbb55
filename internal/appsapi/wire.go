package appsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/tenant"
	"github.com/clientele/clientele/internal/wire"
)

// Prefixes of rendered ids; ids are accepted back with or without them.
const (
	appPrefix      = "app_"
	customerPrefix = "cus_"
	licensePrefix  = "lic_"
	apiKeyPrefix   = "key_"
)

// parseID accepts "<prefix><uuid>" or a bare UUID.
func parseID(prefix, s string) (string, bool) {
	return customer.ParseID(strings.TrimPrefix(s, prefix))
}

// Customer is a customer in the Apps API's representation: prefixed id, unset fields as
// null, metadata as one object, RFC 3339 times. Change events carry it too.
type Customer struct {
	ID           string          `json:"id"`
	Email        *string         `json:"email"`
	Name         *string         `json:"name"`
	Username     *string         `json:"username"`
	ExternalID   *string         `json:"external_id"`
	Metadata     json.RawMessage `json:"metadata"`
	Address      *Address        `json:"address"`
	LegalName    *string         `json:"legal_name"`
	LegalNumber  *string         `json:"legal_number"`
	LogoURL      *string         `json:"logo_url"`
	Phone        *string         `json:"phone"`
	URL          *string         `json:"url"`
	DiscordID    *string         `json:"discord_id"`
	SequentialID int64           `json:"sequential_id"` // unique in the app, increasing with creation, as Lago's
	Version      int64           `json:"version"`
	CreatedAt    string          `json:"created_at"`
	UpdatedAt    string          `json:"updated_at"`
}

// Address is a customer's postal address in the Apps API.
type Address struct {
	Line1      *string `json:"line1"`
	Line2      *string `json:"line2"`
	City       *string `json:"city"`
	State      *string `json:"state"`
	Country    *string `json:"country"`
	PostalCode *string `json:"postal_code"`
}

// RenderCustomer renders a customer in the Apps API's representation.
func RenderCustomer(c customer.Customer) Customer {
	out := Customer{
		ID: customerPrefix + c.ID, Email: wire.OptString(c.Email), Name: wire.OptString(c.Name),
		Username: wire.OptString(c.Username), ExternalID: wire.OptString(c.ExternalID),
		Metadata: metadataObject(c.Metadata), LegalName: wire.OptString(c.LegalName),
		LegalNumber: wire.OptString(c.LegalNumber), LogoURL: wire.OptString(c.LogoURL), Phone: wire.OptString(c.Phone),
		URL: wire.OptString(c.URL), DiscordID: wire.OptString(c.DiscordID), SequentialID: c.SequentialID,
		Version: c.Version, CreatedAt: wire.Time(c.CreatedAt), UpdatedAt: wire.Time(c.UpdatedAt),
	}
	if !c.Address.IsZero() {
		a := c.Address
		out.Address = &Address{
			Line1: wire.OptString(a.Line1), Line2: wire.OptString(a.Line2), City: wire.OptString(a.City),
			State: wire.OptString(a.State), Country: wire.OptString(a.CountryCode()), PostalCode: wire.OptString(a.PostalCode),
		}
	}
	return out
}

// metadataObject renders entries as one JSON object, in their stored order (a Go map would
// sort the keys; encoding/json codes each key and value, this only joins them). A value
// stored empty renders as null rather than breaking the answer.
func metadataObject(md []customer.Metadata) json.RawMessage {
	if len(md) == 0 {
		return json.RawMessage("{}")
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range md {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.Key)
		b.Write(k)
		b.WriteByte(':')
		if len(m.Value) == 0 {
			b.WriteString("null")
		}
		b.Write(m.Value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

type licenseJSON struct {
	ID         string  `json:"id"`
	CustomerID string  `json:"customer_id"`
	Status     string  `json:"status"`
	ExpiresAt  *string `json:"expires_at"`
	CreatedAt  string  `json:"created_at"`
}

func toLicenseJSON(l customer.License, now time.Time) licenseJSON {
	out := licenseJSON{
		ID: licensePrefix + l.ID, CustomerID: customerPrefix + l.CustomerID,
		Status: string(l.StatusAt(now)), CreatedAt: wire.Time(l.CreatedAt),
	}
	if !l.ExpiresAt.IsZero() {
		out.ExpiresAt = wire.OptString(wire.Time(l.ExpiresAt))
	}
	return out
}

type appJSON struct {
	ID            string  `json:"id"`
	UUID          string  `json:"uuid"` // the Lukittu-compatible API's teamId
	Slug          string  `json:"slug"`
	Name          string  `json:"name"`
	Description   *string `json:"description"`
	Status        string  `json:"status"`
	CustomerCount int64   `json:"customer_count"`
	CreatedAt     string  `json:"created_at"`
}

func toAppJSON(a tenant.App) appJSON {
	return appJSON{
		ID: appPrefix + a.ID, UUID: a.ID, Slug: a.Slug, Name: a.Name, Description: wire.OptString(a.Description),
		Status: strings.ToLower(string(a.Status)), CustomerCount: a.CustomerCount, CreatedAt: wire.Time(a.CreatedAt),
	}
}

type apiKeyJSON struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	Key       *string `json:"key,omitempty"` // only in the response that creates it
	Hint      string  `json:"hint"`
	CreatedAt string  `json:"created_at"`
}

func toAPIKeyJSON(k auth.Key) apiKeyJSON {
	return apiKeyJSON{ID: apiKeyPrefix + k.ID, Type: string(k.Kind), Hint: k.Hint, CreatedAt: wire.Time(k.CreatedAt)}
}

// body is a decoded JSON object whose fields are read one by one, so that an absent field,
// an explicit null and a value can be told apart, and every type error is reported.
type body struct {
	raw    []byte // as sent, for the request's idempotency fingerprint
	fields map[string]json.RawMessage
	errs   customer.ValidationError
}

func parseBody(b []byte) (*body, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("the body must be a JSON object")
	}
	return &body{raw: b, fields: m}, nil
}

// str reads a string field: absent leaves it unset, null clears it.
func (b *body) str(name string) customer.Opt[string] {
	raw, ok := b.fields[name]
	if !ok {
		return customer.Opt[string]{}
	}
	return b.strRaw(name, raw)
}

func (b *body) strRaw(name string, raw json.RawMessage) customer.Opt[string] {
	if wire.IsNull(raw) {
		return customer.Some("")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		b.errs.Add(name, customer.CodeInvalidFormat, "must be a string")
		return customer.Opt[string]{}
	}
	return customer.Some(s)
}

// metadata reads a JSON object into ordered entries.
func (b *body) metadata(name string) customer.Opt[[]customer.Metadata] {
	raw, ok := b.fields[name]
	if !ok {
		return customer.Opt[[]customer.Metadata]{}
	}
	if wire.IsNull(raw) {
		return customer.Some([]customer.Metadata(nil))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		b.errs.Add(name, customer.CodeInvalidFormat, "must be an object")
		return customer.Opt[[]customer.Metadata]{}
	}
	var md []customer.Metadata
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			b.errs.Add(name, customer.CodeInvalidFormat, "must be an object")
			return customer.Opt[[]customer.Metadata]{}
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			b.errs.Add(name, customer.CodeInvalidFormat, "must be an object")
			return customer.Opt[[]customer.Metadata]{}
		}
		md = append(md, customer.Metadata{Key: t.(string), Value: v})
	}
	return customer.Some(md)
}

// customerPatch reads the customer fields of the Apps API.
func (b *body) customerPatch() customer.Patch {
	p := customer.Patch{
		Email: b.str("email"), Name: b.str("name"), Username: b.str("username"),
		ExternalID: b.str("external_id"), Metadata: b.metadata("metadata"),
		LegalName: b.str("legal_name"), LegalNumber: b.str("legal_number"), LogoURL: b.str("logo_url"),
		Phone: b.str("phone"), URL: b.str("url"), DiscordID: b.str("discord_id"),
		KeepLocked: true, KeepDisplayInInvoice: true,
	}
	if raw, ok := b.fields["address"]; ok {
		if wire.IsNull(raw) {
			p.Address = customer.Replace(customer.Customer{}).Address
		} else {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil || m == nil {
				b.errs.Add("address", customer.CodeInvalidFormat, "must be an object")
			} else {
				part := func(k string) customer.Opt[string] {
					if v, ok := m[k]; ok {
						return b.strRaw("address."+k, v)
					}
					return customer.Opt[string]{}
				}
				p.Address = customer.AddressPatch{
					Line1: part("line1"), Line2: part("line2"), City: part("city"),
					State: part("state"), Country: b.country(part("country")), PostalCode: part("postal_code"),
				}
			}
		}
	}
	return p
}

// country is an address's country as the Apps API keeps it: its ISO code, which a code in any
// case or a country's English name gives; another text is a field error (its clients read a code).
func (b *body) country(o customer.Opt[string]) customer.Opt[string] {
	if !o.Set || o.Value == "" {
		return o
	}
	code := customer.CountryCode(o.Value)
	if code == "" {
		b.errs.Add("address.country", customer.CodeInvalidCountry,
			"must be an ISO 3166-1 alpha-2 country code or a country's English name")
	}
	return customer.Some(code)
}

// ParseCustomer reads a customer object in the Apps API's field names (as queued commands
// carry it): absent fields stay unset, null clears. Field errors come back as a
// *customer.ValidationError; a value that is not a JSON object is an error too.
func ParseCustomer(raw json.RawMessage) (customer.Patch, error) {
	b, err := parseBody(raw)
	if err != nil {
		var v customer.ValidationError
		v.Add("customer", customer.CodeInvalidFormat, "must be a JSON object")
		return customer.Patch{}, &v
	}
	p := b.customerPatch()
	if err := b.errs.Err(); err != nil {
		return customer.Patch{}, err
	}
	if err := p.Apply(customer.Customer{}).Validate(); err != nil {
		return customer.Patch{}, err
	}
	return p, nil
}
