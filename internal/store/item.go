package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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
	typeRecord       = "IDEMPOTENCY_RECORD"
)

// Index names, as declared in template.yaml (docs/storage.md: what each projects and which
// reads use it). gsi3 lists the account's apps, and the customers of an app that is not
// re-indexed yet; the list indexes (listindex.go) hold the customers of every app.
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

type key = map[string]types.AttributeValue

func itemKey(pk, sk string) key {
	return key{"pk": str(pk), "sk": str(sk)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func num(n int64) types.AttributeValue  { return &types.AttributeValueMemberN{Value: fmt.Sprint(n)} }

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
	// IndexVersion is the IndexVersion every customer's index attributes follow (Reindex).
	IndexVersion int    `dynamodbav:"index_version,omitempty"`
	CreatedAt    string `dynamodbav:"created_at"`
	Version      int64  `dynamodbav:"version"`
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

type customerItem struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	Type   string `dynamodbav:"type"`
	GSI1PK string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK string `dynamodbav:"gsi1sk,omitempty"`
	GSI2PK string `dynamodbav:"gsi2pk,omitempty"`
	GSI2SK string `dynamodbav:"gsi2sk,omitempty"`
	GSI3PK string `dynamodbav:"gsi3pk,omitempty"` // only on customers of before the list indexes
	GSI3SK string `dynamodbav:"gsi3sk,omitempty"`
	listKeys
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
	Lago        map[string]any `dynamodbav:"lago,omitempty"` // Customer.Lago as native values, so that filters reach them
	CreatedBy   string         `dynamodbav:"created_by,omitempty"`
	filterAttrs
	// The searchable fields in customer.SearchText's form (the email's is gsi1sk):
	// DynamoDB's contains() compares bytes.
	SearchName       string `dynamodbav:"lc_name,omitempty"`
	SearchUsername   string `dynamodbav:"lc_username,omitempty"`
	SearchLegalName  string `dynamodbav:"lc_legal_name,omitempty"`
	SearchExternalID string `dynamodbav:"lc_external_id,omitempty"`
	// The metadata by key, as text and in customer.SearchText's form, on customers written
	// before the list indexes (their filters' attributes are filterAttrs now).
	MetadataText       map[string]string `dynamodbav:"meta,omitempty"`
	SearchMetadataText map[string]string `dynamodbav:"lc_meta,omitempty"`
	CreatedAt          string            `dynamodbav:"created_at"`
	UpdatedAt          string            `dynamodbav:"updated_at"`
	Version            int64             `dynamodbav:"version"`
	Seq                int64             `dynamodbav:"seq,omitempty"` // absent on customers of before it
	LicenseCount       int64             `dynamodbav:"license_count"`
	Shard              *int              `dynamodbav:"counter_shard,omitempty"` // nil if created before the shards
}

// dataAttributes are the customer attributes an update rewrites: everything but the keys,
// identity, creation and the license counter (which licenses change, not updates). The
// derived ones (derivedAttributes) are among them, and gsi3's keys, which an update removes
// from a customer of before the list indexes.
func dataAttributes() []string {
	return append([]string{
		"email", "name", "username", "external_id", "metadata", "address", "legal_name", "legal_number",
		"logo_url", "phone", "url", "discord_id", "lago", "updated_at", "gsi3pk", "gsi3sk",
	}, derivedAttributes()...)
}

// derivedAttributes are the attributes computed from a customer's fields for its indexes and
// filters, by the rules of IndexVersion: what Reindex rewrites.
func derivedAttributes() []string {
	return []string{
		"gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "lc_name", "lc_username", "lc_legal_name", "lc_external_id",
		"meta", "lc_meta", attrFilterAddress, attrFilterMetadata, attrFilterLago,
		attrListPK, attrCreatedSK, attrUpdatedSK, attrNameSK, attrUsernameSK, attrEmailSK,
	}
}

type metadataItem struct {
	ID               string `dynamodbav:"id,omitempty"`
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
	Country    string `dynamodbav:"country,omitempty"` // the ISO code, which filters test
	PostalCode string `dynamodbav:"postal_code,omitempty"`
	// CountryText is the country as the client sent it, when that was not its code.
	CountryText string `dynamodbav:"country_text,omitempty"`
}

func newAddressItem(a customer.Address) *addressItem {
	it := &addressItem{Line1: a.Line1, Line2: a.Line2, City: a.City, State: a.State, Country: a.CountryCode(),
		PostalCode: a.PostalCode}
	if a.Country != it.Country {
		it.CountryText = a.Country
	}
	return it
}

func (a addressItem) address() customer.Address {
	c := customer.Address{Line1: a.Line1, Line2: a.Line2, City: a.City, State: a.State, Country: a.Country,
		PostalCode: a.PostalCode}
	if a.CountryText != "" {
		c.Country = a.CountryText
	}
	return c
}

func newCustomerItem(appID string, c customer.Customer) customerItem {
	it := customerItem{
		PK: appPK(appID), SK: customerSK(c.ID), Type: typeCustomer,
		listKeys: newListKeys(appID, c),
		ID:       c.ID, Email: c.Email, Name: c.Name, Username: c.Username, ExternalID: c.ExternalID,
		LegalName: c.LegalName, LegalNumber: c.LegalNumber, LogoURL: c.LogoURL, Phone: c.Phone,
		URL: c.URL, DiscordID: c.DiscordID, CreatedBy: c.CreatedBy,
		CreatedAt: formatTime(c.CreatedAt), UpdatedAt: formatTime(c.UpdatedAt), Version: c.Version,
		Seq:        c.SequentialID,
		SearchName: searchAttr(c.Name), SearchUsername: searchAttr(c.Username),
		SearchLegalName: searchAttr(c.LegalName), SearchExternalID: searchAttr(c.ExternalID),
	}
	if c.Email != "" {
		it.GSI1PK, it.GSI1SK = appPK(appID), customer.EmailKey(c.Email)
	}
	if c.ExternalID != "" {
		it.GSI2PK, it.GSI2SK = appPK(appID), c.ExternalID
	}
	if !c.Address.IsZero() {
		it.Address = newAddressItem(c.Address)
	}
	for _, m := range c.Metadata {
		it.Metadata = append(it.Metadata, metadataItem{
			ID: m.ID, Key: m.Key, Value: string(m.Value), Locked: m.Locked, DisplayInInvoice: m.DisplayInInvoice,
		})
	}
	it.filterAttrs = newFilterAttrs(c)
	for k, raw := range c.Lago {
		var v any
		if json.Unmarshal(raw, &v) != nil {
			continue // Validate refuses it
		}
		if it.Lago == nil {
			it.Lago = map[string]any{}
		}
		it.Lago[k] = v
	}
	return it
}

// searchAttr is a searchable field as stored: in customer.SearchText's form, "" for none.
func searchAttr(s string) string {
	if s == "" {
		return ""
	}
	return customer.SearchText(s)
}

func (it customerItem) customer() customer.Customer {
	c := customer.Customer{
		ID: it.ID, Email: it.Email, Name: it.Name, Username: it.Username, ExternalID: it.ExternalID,
		LegalName: it.LegalName, LegalNumber: it.LegalNumber, LogoURL: it.LogoURL, Phone: it.Phone,
		URL: it.URL, DiscordID: it.DiscordID, CreatedBy: it.CreatedBy,
		CreatedAt: parseTime(it.CreatedAt), UpdatedAt: parseTime(it.UpdatedAt), Version: it.Version,
		SequentialID: it.Seq,
	}
	if it.Address != nil {
		c.Address = it.Address.address()
	}
	for _, m := range it.Metadata {
		c.Metadata = append(c.Metadata, customer.Metadata{
			ID: m.ID, Key: m.Key, Value: []byte(m.Value), Locked: m.Locked, DisplayInInvoice: m.DisplayInInvoice,
		})
	}
	for k, v := range it.Lago {
		b, err := json.Marshal(v)
		if err != nil {
			continue // attributevalue gives only what encoding/json takes
		}
		if c.Lago == nil {
			c.Lago = map[string]json.RawMessage{}
		}
		c.Lago[k] = b
	}
	if c.SequentialID == 0 {
		c.SequentialID = legacySeq(c.CreatedAt, c.ID) // Reindex keeps it, unless another customer has it
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

func marshal(op string, v any) (map[string]types.AttributeValue, error) {
	m, err := attributevalue.MarshalMap(v)
	if err != nil {
		return nil, fmt.Errorf("store: %s: encode item: %w", op, err)
	}
	return m, nil
}

func unmarshal[T any](op string, m map[string]types.AttributeValue) (T, error) {
	var v T
	if err := attributevalue.UnmarshalMap(m, &v); err != nil {
		return v, fmt.Errorf("store: %s: decode item: %w", op, err)
	}
	return v, nil
}
