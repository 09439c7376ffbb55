package lago

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/clientele/clientele/internal/customer"
)

// Lago's limits on customer metadata.
const (
	maxMetadata      = 5
	maxMetadataKey   = 20
	maxMetadataValue = 100
)

// Lago's error codes used here.
const (
	codeMandatory     = "value_is_mandatory"
	codeInvalid       = "value_is_invalid"
	codeTooLong       = "value_is_too_long"
	codeCountry       = "not_a_valid_country_code"
	codeEmail         = "invalid_email_format"
	codeAlreadyExist  = "value_already_exist"
	codeTooManyMeta   = "too_many_metadata"
	codeValidation    = "validation_errors"
	codeNotFound      = "customer_not_found"
	codeInternalError = "internal_error"
)

type customerJSON struct {
	LagoID               string          `json:"lago_id"`
	ExternalID           string          `json:"external_id"`
	CustomerID           string          `json:"customer_id"` // the old name of external_id
	Name                 *string         `json:"name"`
	Email                *string         `json:"email"`
	AddressLine1         *string         `json:"address_line1"`
	AddressLine2         *string         `json:"address_line2"`
	City                 *string         `json:"city"`
	State                *string         `json:"state"`
	Zipcode              *string         `json:"zipcode"`
	Country              *string         `json:"country"`
	LegalName            *string         `json:"legal_name"`
	LegalNumber          *string         `json:"legal_number"`
	LogoURL              *string         `json:"logo_url"`
	Phone                *string         `json:"phone"`
	URL                  *string         `json:"url"`
	Metadata             []metadataJSON  `json:"metadata"`
	BillingConfiguration struct{}        `json:"billing_configuration"`
	ShippingAddress      shippingAddress `json:"shipping_address"`
	CreatedAt            string          `json:"created_at"`
	UpdatedAt            string          `json:"updated_at"`
}

// shippingAddress is accepted and rendered empty: Clientele keeps one address (see README).
type shippingAddress struct {
	AddressLine1 *string `json:"address_line1"`
	AddressLine2 *string `json:"address_line2"`
	City         *string `json:"city"`
	State        *string `json:"state"`
	Zipcode      *string `json:"zipcode"`
	Country      *string `json:"country"`
}

type metadataJSON struct {
	LagoID           string `json:"lago_id"`
	Key              string `json:"key"`
	Value            string `json:"value"`
	DisplayInInvoice bool   `json:"display_in_invoice"`
	CreatedAt        string `json:"created_at"`
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timeJSON(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func toCustomerJSON(c customer.Customer) customerJSON {
	out := customerJSON{
		LagoID: c.ID, ExternalID: c.ExternalID, CustomerID: c.ExternalID, Name: optString(c.Name),
		Email: optString(c.Email), AddressLine1: optString(c.Address.Line1),
		AddressLine2: optString(c.Address.Line2), City: optString(c.Address.City),
		State: optString(c.Address.State), Zipcode: optString(c.Address.PostalCode),
		Country: optString(c.Address.Country), LegalName: optString(c.LegalName),
		LegalNumber: optString(c.LegalNumber), LogoURL: optString(c.LogoURL), Phone: optString(c.Phone),
		URL: optString(c.URL), Metadata: make([]metadataJSON, len(c.Metadata)),
		CreatedAt: timeJSON(c.CreatedAt), UpdatedAt: timeJSON(c.UpdatedAt),
	}
	for i, m := range c.Metadata {
		out.Metadata[i] = metadataJSON{
			LagoID: metadataID(c.ID, m.Key), Key: m.Key, Value: m.Text(),
			DisplayInInvoice: m.DisplayInInvoice, CreatedAt: timeJSON(c.CreatedAt),
		}
	}
	return out
}

// metadataID is a stable UUID-shaped id for one metadata entry of one customer.
func metadataID(customerID, key string) string {
	sum := sha256.Sum256([]byte(customerID + "\x00" + key))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50 // name-based, as UUID v5
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// input reads Lago's customer object: every key present changes its field, an explicit
// null clears it; keys Clientele does not keep are accepted and ignored, as Lago's own
// parameter filtering does.
type input struct {
	fields  map[string]json.RawMessage
	details map[string][]string
}

func (in *input) add(field, code string) {
	if in.details == nil {
		in.details = map[string][]string{}
	}
	in.details[field] = append(in.details[field], code)
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func (in *input) str(name string) customer.Opt[string] {
	raw, ok := in.fields[name]
	if !ok {
		return customer.Opt[string]{}
	}
	if isNull(raw) {
		return customer.Some("")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		in.add(name, codeInvalid)
		return customer.Opt[string]{}
	}
	return customer.Some(s)
}

// externalID reads external_id, or its old name customer_id.
func (in *input) externalID() string {
	o := in.str("external_id")
	if !o.Set {
		o = in.str("customer_id")
	}
	return o.Value
}

func (in *input) metadata() customer.Opt[[]customer.Metadata] {
	raw, ok := in.fields["metadata"]
	if !ok {
		return customer.Opt[[]customer.Metadata]{}
	}
	if isNull(raw) {
		return customer.Some([]customer.Metadata(nil))
	}
	var entries []struct {
		Key              *string         `json:"key"`
		Value            json.RawMessage `json:"value"`
		DisplayInInvoice *bool           `json:"display_in_invoice"`
	}
	if err := json.Unmarshal(raw, &entries); err != nil {
		in.add("metadata", codeInvalid)
		return customer.Opt[[]customer.Metadata]{}
	}
	if len(entries) > maxMetadata {
		in.add("metadata", codeTooManyMeta)
		return customer.Opt[[]customer.Metadata]{}
	}
	md := make([]customer.Metadata, 0, len(entries))
	for _, e := range entries {
		var value string
		switch {
		case e.Key == nil || *e.Key == "":
			in.add("metadata", codeMandatory)
			continue
		case utf8.RuneCountInString(*e.Key) > maxMetadataKey:
			in.add("metadata", codeTooLong)
			continue
		case len(e.Value) == 0 || isNull(e.Value) || json.Unmarshal(e.Value, &value) != nil:
			in.add("metadata", codeInvalid)
			continue
		case utf8.RuneCountInString(value) > maxMetadataValue:
			in.add("metadata", codeTooLong)
			continue
		}
		v, _ := json.Marshal(value)
		md = append(md, customer.Metadata{Key: *e.Key, Value: v, DisplayInInvoice: e.DisplayInInvoice != nil && *e.DisplayInInvoice})
	}
	return customer.Some(md)
}

// objectOrNull checks the objects the real client always sends and Clientele ignores.
func (in *input) objectOrNull(name string) {
	raw, ok := in.fields[name]
	if !ok || isNull(raw) {
		return
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		in.add(name, codeInvalid)
	}
}

func (in *input) patch() customer.Patch {
	in.objectOrNull("billing_configuration")
	in.objectOrNull("shipping_address")
	return customer.Patch{
		Name: in.str("name"), Email: in.str("email"), LegalName: in.str("legal_name"),
		LegalNumber: in.str("legal_number"), LogoURL: in.str("logo_url"), Phone: in.str("phone"),
		URL: in.str("url"), Metadata: in.metadata(), KeepLocked: true,
		Address: customer.AddressPatch{
			Line1: in.str("address_line1"), Line2: in.str("address_line2"), City: in.str("city"),
			State: in.str("state"), Country: in.str("country"), PostalCode: in.str("zipcode"),
		},
	}
}

// lagoField names a canonical field as Lago does.
func lagoField(f string) string {
	switch f {
	case "address.line1":
		return "address_line1"
	case "address.line2":
		return "address_line2"
	case "address.postal_code":
		return "zipcode"
	case "address.city", "address.state", "address.country":
		return f[len("address."):]
	}
	return f
}

// lagoCode maps a canonical validation code to Lago's.
func lagoCode(field, code string) string {
	switch code {
	case customer.CodeInvalidEmail:
		return codeEmail
	case customer.CodeInvalidCountry:
		return codeCountry
	case customer.CodeTooLong:
		return codeTooLong
	case customer.CodeRequired:
		return codeMandatory
	case customer.CodeTooMany:
		return codeTooManyMeta
	}
	return codeInvalid
}
