package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/clientele/clientele/internal/dynamo"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/tenant"
)

// Item types, in the "type" attribute of every item, so that stream consumers can tell
// records apart without parsing keys.
const (
	typeApp          = "APP"
	typeSlugGuard    = "SLUG_GUARD"
	typeCustomer     = "CUSTOMER"
	typeEmailGuard   = "EMAIL_GUARD"
	typeExtGuard     = "EXTERNAL_ID_GUARD"
	typeLicense      = "LICENSE"
	typeLicenseIndex = "LICENSE_INDEX"
)

// Index names, as declared in template.yaml.
const (
	indexEmail      = "gsi1"
	indexExternalID = "gsi2"
	indexCreated    = "gsi3"
)

const metaSK = "#META"

func appPK(appID string) string              { return "APP#" + appID }
func customerSK(id string) string            { return "CUS#" + id }
func emailSK(email string) string            { return "EMAIL#" + customer.EmailKey(email) }
func externalIDSK(ext string) string         { return "EXT#" + ext }
func licensePrefix(customerID string) string { return "LIC#" + customerID + "#" }
func licenseSK(customerID, id string) string { return licensePrefix(customerID) + id }
func licenseIndexSK(id string) string        { return "LICID#" + id }
func slugPK(slug string) string              { return "SLUG#" + slug }

const slugSK = "#SLUG"

type key = map[string]dynamo.AttributeValue

func itemKey(pk, sk string) key {
	return key{"pk": str(pk), "sk": str(sk)}
}

func str(s string) dynamo.AttributeValue { return &dynamo.AttributeValueMemberS{Value: s} }
func num(n int64) dynamo.AttributeValue {
	return &dynamo.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// blob is how attributevalue stored a []byte without omitempty: NULL when nil.
func blob(b []byte) dynamo.AttributeValue {
	if b == nil {
		return &dynamo.AttributeValueMemberNULL{Value: true}
	}
	return &dynamo.AttributeValueMemberB{Value: b}
}

// omitEmpty and omitFalse set an attribute tagged omitempty.
func omitEmpty(m map[string]dynamo.AttributeValue, name, s string) {
	if s != "" {
		m[name] = str(s)
	}
}

func omitFalse(m map[string]dynamo.AttributeValue, name string, b bool) {
	if b {
		m[name] = &dynamo.AttributeValueMemberBOOL{Value: true}
	}
}

// stamp is how times are stored: fixed width, so that they sort as strings.
const stamp = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(stamp) }

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// The item types are encoded by hand, without reflection, to keep attributevalue out of cold
// starts. Their dynamodbav tags are what the codecs must match: item_test.go checks them
// against attributevalue.

type appItem struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	Type          string `dynamodbav:"type"`
	GSI3PK        string `dynamodbav:"gsi3pk"` // every app, by creation, for the account's list
	GSI3SK        string `dynamodbav:"gsi3sk"`
	ID            string `dynamodbav:"id"`
	Slug          string `dynamodbav:"slug"`
	Name          string `dynamodbav:"name"`
	Description   string `dynamodbav:"description,omitempty"`
	Status        string `dynamodbav:"status"`
	CustomerCount int64  `dynamodbav:"customer_count"`
	CursorKey     []byte `dynamodbav:"cursor_key"` // signs this app's list cursors
	CreatedAt     string `dynamodbav:"created_at"`
	Version       int64  `dynamodbav:"version"`
}

func (a appItem) attributes() map[string]dynamo.AttributeValue {
	m := map[string]dynamo.AttributeValue{
		"pk": str(a.PK), "sk": str(a.SK), "type": str(a.Type),
		"gsi3pk": str(a.GSI3PK), "gsi3sk": str(a.GSI3SK),
		"id": str(a.ID), "slug": str(a.Slug), "name": str(a.Name), "status": str(a.Status),
		"customer_count": num(a.CustomerCount), "cursor_key": blob(a.CursorKey),
		"created_at": str(a.CreatedAt), "version": num(a.Version),
	}
	omitEmpty(m, "description", a.Description)
	return m
}

func (a *appItem) decode(m map[string]dynamo.AttributeValue) error {
	r := attrReader{m: m}
	r.str("pk", &a.PK)
	r.str("sk", &a.SK)
	r.str("type", &a.Type)
	r.str("gsi3pk", &a.GSI3PK)
	r.str("gsi3sk", &a.GSI3SK)
	r.str("id", &a.ID)
	r.str("slug", &a.Slug)
	r.str("name", &a.Name)
	r.str("description", &a.Description)
	r.str("status", &a.Status)
	r.num("customer_count", &a.CustomerCount)
	r.bytes("cursor_key", &a.CursorKey)
	r.str("created_at", &a.CreatedAt)
	r.num("version", &a.Version)
	return r.err
}

func (a appItem) app() tenant.App {
	return tenant.App{
		ID: a.ID, Slug: a.Slug, Name: a.Name, Description: a.Description,
		Status: tenant.Status(a.Status), CustomerCount: a.CustomerCount,
		CreatedAt: parseTime(a.CreatedAt),
	}
}

type guardItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	Type       string `dynamodbav:"type"`
	AppID      string `dynamodbav:"app_id,omitempty"`
	CustomerID string `dynamodbav:"customer_id,omitempty"`
}

func (g guardItem) attributes() map[string]dynamo.AttributeValue {
	m := map[string]dynamo.AttributeValue{"pk": str(g.PK), "sk": str(g.SK), "type": str(g.Type)}
	omitEmpty(m, "app_id", g.AppID)
	omitEmpty(m, "customer_id", g.CustomerID)
	return m
}

func (g *guardItem) decode(m map[string]dynamo.AttributeValue) error {
	r := attrReader{m: m}
	r.str("pk", &g.PK)
	r.str("sk", &g.SK)
	r.str("type", &g.Type)
	r.str("app_id", &g.AppID)
	r.str("customer_id", &g.CustomerID)
	return r.err
}

type customerItem struct {
	PK          string         `dynamodbav:"pk"`
	SK          string         `dynamodbav:"sk"`
	Type        string         `dynamodbav:"type"`
	GSI1PK      string         `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK      string         `dynamodbav:"gsi1sk,omitempty"`
	GSI2PK      string         `dynamodbav:"gsi2pk,omitempty"`
	GSI2SK      string         `dynamodbav:"gsi2sk,omitempty"`
	GSI3PK      string         `dynamodbav:"gsi3pk"`
	GSI3SK      string         `dynamodbav:"gsi3sk"`
	ID          string         `dynamodbav:"id"`
	Email       string         `dynamodbav:"email,omitempty"`
	Name        string         `dynamodbav:"name,omitempty"`
	Username    string         `dynamodbav:"username,omitempty"`
	ExternalID  string         `dynamodbav:"external_id,omitempty"`
	Metadata    []metadataItem `dynamodbav:"metadata,omitempty"`
	Address     *addressItem   `dynamodbav:"address,omitempty"`
	LegalName   string         `dynamodbav:"legal_name,omitempty"`
	LegalNumber string         `dynamodbav:"legal_number,omitempty"`
	LogoURL     string         `dynamodbav:"logo_url,omitempty"`
	Phone       string         `dynamodbav:"phone,omitempty"`
	URL         string         `dynamodbav:"url,omitempty"`
	DiscordID   string         `dynamodbav:"discord_id,omitempty"`
	CreatedBy   string         `dynamodbav:"created_by,omitempty"`
	// Lower-cased copies of the searchable fields (the email's is gsi1sk): DynamoDB's
	// contains() is case-sensitive.
	SearchName       string `dynamodbav:"lc_name,omitempty"`
	SearchUsername   string `dynamodbav:"lc_username,omitempty"`
	SearchLegalName  string `dynamodbav:"lc_legal_name,omitempty"`
	SearchExternalID string `dynamodbav:"lc_external_id,omitempty"`
	CreatedAt        string `dynamodbav:"created_at"`
	UpdatedAt        string `dynamodbav:"updated_at"`
	Version          int64  `dynamodbav:"version"`
	LicenseCount     int64  `dynamodbav:"license_count"`
}

// dataAttributes are the customer attributes an update rewrites: everything but the keys,
// identity, creation and the license counter (which licenses change, not updates).
func dataAttributes() []string {
	return []string{
		"gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "email", "name", "username", "external_id",
		"metadata", "address", "legal_name", "legal_number", "logo_url", "phone", "url",
		"discord_id", "lc_name", "lc_username", "lc_legal_name", "lc_external_id", "updated_at",
	}
}

type metadataItem struct {
	Key              string `dynamodbav:"key"`
	Value            string `dynamodbav:"value"` // compact JSON text
	Locked           bool   `dynamodbav:"locked,omitempty"`
	DisplayInInvoice bool   `dynamodbav:"display_in_invoice,omitempty"`
}

type addressItem struct {
	Line1      string `dynamodbav:"line1,omitempty"`
	Line2      string `dynamodbav:"line2,omitempty"`
	City       string `dynamodbav:"city,omitempty"`
	State      string `dynamodbav:"state,omitempty"`
	Country    string `dynamodbav:"country,omitempty"`
	PostalCode string `dynamodbav:"postal_code,omitempty"`
}

func (it customerItem) attributes() map[string]dynamo.AttributeValue {
	m := make(map[string]dynamo.AttributeValue, 32)
	m["pk"] = str(it.PK)
	m["sk"] = str(it.SK)
	m["type"] = str(it.Type)
	omitEmpty(m, "gsi1pk", it.GSI1PK)
	omitEmpty(m, "gsi1sk", it.GSI1SK)
	omitEmpty(m, "gsi2pk", it.GSI2PK)
	omitEmpty(m, "gsi2sk", it.GSI2SK)
	m["gsi3pk"] = str(it.GSI3PK)
	m["gsi3sk"] = str(it.GSI3SK)
	m["id"] = str(it.ID)
	omitEmpty(m, "email", it.Email)
	omitEmpty(m, "name", it.Name)
	omitEmpty(m, "username", it.Username)
	omitEmpty(m, "external_id", it.ExternalID)
	// omitempty omits only a nil slice or pointer: an empty list, or an address with no
	// fields (an empty map), is still written.
	if it.Metadata != nil {
		l := make([]dynamo.AttributeValue, len(it.Metadata))
		for i, md := range it.Metadata {
			l[i] = &dynamo.AttributeValueMemberM{Value: md.attributes()}
		}
		m["metadata"] = &dynamo.AttributeValueMemberL{Value: l}
	}
	if it.Address != nil {
		m["address"] = &dynamo.AttributeValueMemberM{Value: it.Address.attributes()}
	}
	omitEmpty(m, "legal_name", it.LegalName)
	omitEmpty(m, "legal_number", it.LegalNumber)
	omitEmpty(m, "logo_url", it.LogoURL)
	omitEmpty(m, "phone", it.Phone)
	omitEmpty(m, "url", it.URL)
	omitEmpty(m, "discord_id", it.DiscordID)
	omitEmpty(m, "created_by", it.CreatedBy)
	omitEmpty(m, "lc_name", it.SearchName)
	omitEmpty(m, "lc_username", it.SearchUsername)
	omitEmpty(m, "lc_legal_name", it.SearchLegalName)
	omitEmpty(m, "lc_external_id", it.SearchExternalID)
	m["created_at"] = str(it.CreatedAt)
	m["updated_at"] = str(it.UpdatedAt)
	m["version"] = num(it.Version)
	m["license_count"] = num(it.LicenseCount)
	return m
}

func (it *customerItem) decode(m map[string]dynamo.AttributeValue) error {
	r := attrReader{m: m}
	r.str("pk", &it.PK)
	r.str("sk", &it.SK)
	r.str("type", &it.Type)
	r.str("gsi1pk", &it.GSI1PK)
	r.str("gsi1sk", &it.GSI1SK)
	r.str("gsi2pk", &it.GSI2PK)
	r.str("gsi2sk", &it.GSI2SK)
	r.str("gsi3pk", &it.GSI3PK)
	r.str("gsi3sk", &it.GSI3SK)
	r.str("id", &it.ID)
	r.str("email", &it.Email)
	r.str("name", &it.Name)
	r.str("username", &it.Username)
	r.str("external_id", &it.ExternalID)
	r.str("legal_name", &it.LegalName)
	r.str("legal_number", &it.LegalNumber)
	r.str("logo_url", &it.LogoURL)
	r.str("phone", &it.Phone)
	r.str("url", &it.URL)
	r.str("discord_id", &it.DiscordID)
	r.str("created_by", &it.CreatedBy)
	r.str("lc_name", &it.SearchName)
	r.str("lc_username", &it.SearchUsername)
	r.str("lc_legal_name", &it.SearchLegalName)
	r.str("lc_external_id", &it.SearchExternalID)
	r.str("created_at", &it.CreatedAt)
	r.str("updated_at", &it.UpdatedAt)
	r.num("version", &it.Version)
	r.num("license_count", &it.LicenseCount)
	if l, ok := r.list("metadata"); ok {
		it.Metadata = make([]metadataItem, len(l))
		for i, av := range l {
			switch v := av.(type) {
			case *dynamo.AttributeValueMemberM:
				if err := it.Metadata[i].decode(v.Value); err != nil {
					return fmt.Errorf("metadata[%d]: %w", i, err)
				}
			case *dynamo.AttributeValueMemberNULL, nil:
				// a zero metadataItem, as attributevalue decodes it
			default:
				return fmt.Errorf("metadata[%d] is %T, not M", i, av)
			}
		}
	}
	if am, ok := r.object("address"); ok {
		it.Address = new(addressItem)
		if err := it.Address.decode(am); err != nil {
			return fmt.Errorf("address: %w", err)
		}
	}
	return r.err
}

func (md metadataItem) attributes() map[string]dynamo.AttributeValue {
	m := map[string]dynamo.AttributeValue{"key": str(md.Key), "value": str(md.Value)}
	omitFalse(m, "locked", md.Locked)
	omitFalse(m, "display_in_invoice", md.DisplayInInvoice)
	return m
}

func (md *metadataItem) decode(m map[string]dynamo.AttributeValue) error {
	r := attrReader{m: m}
	r.str("key", &md.Key)
	r.str("value", &md.Value)
	r.bool("locked", &md.Locked)
	r.bool("display_in_invoice", &md.DisplayInInvoice)
	return r.err
}

func (a addressItem) attributes() map[string]dynamo.AttributeValue {
	m := make(map[string]dynamo.AttributeValue, 6)
	omitEmpty(m, "line1", a.Line1)
	omitEmpty(m, "line2", a.Line2)
	omitEmpty(m, "city", a.City)
	omitEmpty(m, "state", a.State)
	omitEmpty(m, "country", a.Country)
	omitEmpty(m, "postal_code", a.PostalCode)
	return m
}

func (a *addressItem) decode(m map[string]dynamo.AttributeValue) error {
	r := attrReader{m: m}
	r.str("line1", &a.Line1)
	r.str("line2", &a.Line2)
	r.str("city", &a.City)
	r.str("state", &a.State)
	r.str("country", &a.Country)
	r.str("postal_code", &a.PostalCode)
	return r.err
}

func createdSK(c customer.Customer) string { return formatTime(c.CreatedAt) + "#" + c.ID }

func newCustomerItem(appID string, c customer.Customer) customerItem {
	it := customerItem{
		PK: appPK(appID), SK: customerSK(c.ID), Type: typeCustomer,
		GSI3PK: appPK(appID), GSI3SK: createdSK(c),
		ID: c.ID, Email: c.Email, Name: c.Name, Username: c.Username, ExternalID: c.ExternalID,
		LegalName: c.LegalName, LegalNumber: c.LegalNumber, LogoURL: c.LogoURL, Phone: c.Phone,
		URL: c.URL, DiscordID: c.DiscordID, CreatedBy: c.CreatedBy,
		CreatedAt: formatTime(c.CreatedAt), UpdatedAt: formatTime(c.UpdatedAt), Version: c.Version,
		SearchName: strings.ToLower(c.Name), SearchUsername: strings.ToLower(c.Username),
		SearchLegalName: strings.ToLower(c.LegalName), SearchExternalID: strings.ToLower(c.ExternalID),
	}
	if c.Email != "" {
		it.GSI1PK, it.GSI1SK = appPK(appID), customer.EmailKey(c.Email)
	}
	if c.ExternalID != "" {
		it.GSI2PK, it.GSI2SK = appPK(appID), c.ExternalID
	}
	if !c.Address.IsZero() {
		a := addressItem(c.Address)
		it.Address = &a
	}
	for _, m := range c.Metadata {
		it.Metadata = append(it.Metadata, metadataItem{
			Key: m.Key, Value: string(m.Value), Locked: m.Locked, DisplayInInvoice: m.DisplayInInvoice,
		})
	}
	return it
}

func (it customerItem) customer() customer.Customer {
	c := customer.Customer{
		ID: it.ID, Email: it.Email, Name: it.Name, Username: it.Username, ExternalID: it.ExternalID,
		LegalName: it.LegalName, LegalNumber: it.LegalNumber, LogoURL: it.LogoURL, Phone: it.Phone,
		URL: it.URL, DiscordID: it.DiscordID, CreatedBy: it.CreatedBy,
		CreatedAt: parseTime(it.CreatedAt), UpdatedAt: parseTime(it.UpdatedAt), Version: it.Version,
	}
	if it.Address != nil {
		c.Address = customer.Address(*it.Address)
	}
	for _, m := range it.Metadata {
		c.Metadata = append(c.Metadata, customer.Metadata{
			Key: m.Key, Value: []byte(m.Value), Locked: m.Locked, DisplayInInvoice: m.DisplayInInvoice,
		})
	}
	return c
}

type licenseItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	Type       string `dynamodbav:"type"`
	ID         string `dynamodbav:"id"`
	CustomerID string `dynamodbav:"customer_id"`
	Status     string `dynamodbav:"status"`
	ExpiresAt  string `dynamodbav:"expires_at,omitempty"`
	CreatedAt  string `dynamodbav:"created_at"`
}

func (it licenseItem) attributes() map[string]dynamo.AttributeValue {
	m := map[string]dynamo.AttributeValue{
		"pk": str(it.PK), "sk": str(it.SK), "type": str(it.Type), "id": str(it.ID),
		"customer_id": str(it.CustomerID), "status": str(it.Status), "created_at": str(it.CreatedAt),
	}
	omitEmpty(m, "expires_at", it.ExpiresAt)
	return m
}

func (it *licenseItem) decode(m map[string]dynamo.AttributeValue) error {
	r := attrReader{m: m}
	r.str("pk", &it.PK)
	r.str("sk", &it.SK)
	r.str("type", &it.Type)
	r.str("id", &it.ID)
	r.str("customer_id", &it.CustomerID)
	r.str("status", &it.Status)
	r.str("expires_at", &it.ExpiresAt)
	r.str("created_at", &it.CreatedAt)
	return r.err
}

func (it licenseItem) license() customer.License {
	l := customer.License{
		ID: it.ID, CustomerID: it.CustomerID, Status: customer.LicenseStatus(it.Status),
		CreatedAt: parseTime(it.CreatedAt),
	}
	if it.ExpiresAt != "" {
		l.ExpiresAt = parseTime(it.ExpiresAt)
	}
	return l
}

// marshal encodes an item: any of the item types above, or keyItem.
func marshal(op string, v any) (map[string]dynamo.AttributeValue, error) {
	it, ok := v.(interface {
		attributes() map[string]dynamo.AttributeValue
	})
	if !ok {
		return nil, fmt.Errorf("store: %s: encode item: unsupported type %T", op, v)
	}
	return it.attributes(), nil
}

// decoder is a pointer to an item type.
type decoder[T any] interface {
	*T
	decode(map[string]dynamo.AttributeValue) error
}

// unmarshal decodes an item of type T. Like attributevalue, it leaves fields zero when their
// attributes are missing or NULL and ignores attributes it does not know, but fails on an
// attribute of the wrong type.
func unmarshal[T any, P decoder[T]](op string, m map[string]dynamo.AttributeValue) (T, error) {
	var v T
	if err := P(&v).decode(m); err != nil {
		return v, fmt.Errorf("store: %s: decode item: %w", op, err)
	}
	return v, nil
}

// attrReader reads an item's attributes into fields, keeping the first error.
type attrReader struct {
	m   map[string]dynamo.AttributeValue
	err error
}

// get returns the attribute, or nil when it is missing or NULL or after an error.
func (r *attrReader) get(name string) dynamo.AttributeValue {
	if r.err != nil {
		return nil
	}
	av := r.m[name]
	if _, null := av.(*dynamo.AttributeValueMemberNULL); null {
		return nil
	}
	return av
}

func (r *attrReader) mismatch(name string, av dynamo.AttributeValue, want string) {
	r.err = fmt.Errorf("attribute %q is %T, not %s", name, av, want)
}

func (r *attrReader) str(name string, p *string) {
	switch v := r.get(name).(type) {
	case nil:
	case *dynamo.AttributeValueMemberS:
		*p = v.Value
	case *dynamo.AttributeValueMemberN:
		*p = v.Value // as attributevalue takes it
	default:
		r.mismatch(name, v, "S")
	}
}

func (r *attrReader) num(name string, p *int64) {
	switch v := r.get(name).(type) {
	case nil:
	case *dynamo.AttributeValueMemberN:
		n, err := strconv.ParseInt(v.Value, 10, 64)
		if err != nil {
			r.err = fmt.Errorf("attribute %q: %w", name, err)
			return
		}
		*p = n
	default:
		r.mismatch(name, v, "N")
	}
}

func (r *attrReader) bool(name string, p *bool) {
	switch v := r.get(name).(type) {
	case nil:
	case *dynamo.AttributeValueMemberBOOL:
		*p = v.Value
	default:
		r.mismatch(name, v, "BOOL")
	}
}

func (r *attrReader) bytes(name string, p *[]byte) {
	switch v := r.get(name).(type) {
	case nil:
	case *dynamo.AttributeValueMemberB:
		// A copy, never nil, as attributevalue decodes it.
		*p = append([]byte{}, v.Value...)
	default:
		r.mismatch(name, v, "B")
	}
}

func (r *attrReader) list(name string) ([]dynamo.AttributeValue, bool) {
	switch v := r.get(name).(type) {
	case nil:
	case *dynamo.AttributeValueMemberL:
		return v.Value, true
	default:
		r.mismatch(name, v, "L")
	}
	return nil, false
}

func (r *attrReader) object(name string) (map[string]dynamo.AttributeValue, bool) {
	switch v := r.get(name).(type) {
	case nil:
	case *dynamo.AttributeValueMemberM:
		return v.Value, true
	default:
		r.mismatch(name, v, "M")
	}
	return nil, false
}
