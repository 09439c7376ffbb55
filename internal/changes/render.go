package changes

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/clientele/clientele/internal/customer"
)

// Customer is a customer as events carry it: the Apps API's representation (prefixed id,
// the same field names, unset fields as null, metadata as one object, RFC 3339 times), so
// that a consumer handles events and API responses alike.
type Customer struct {
	ID          string          `json:"id"`
	Email       *string         `json:"email"`
	Name        *string         `json:"name"`
	Username    *string         `json:"username"`
	ExternalID  *string         `json:"external_id"`
	Metadata    json.RawMessage `json:"metadata"`
	Address     *Address        `json:"address"`
	LegalName   *string         `json:"legal_name"`
	LegalNumber *string         `json:"legal_number"`
	LogoURL     *string         `json:"logo_url"`
	Phone       *string         `json:"phone"`
	URL         *string         `json:"url"`
	DiscordID   *string         `json:"discord_id"`
	Version     int64           `json:"version"`
	CreatedAt   string          `json:"created_at"`
	UpdatedAt   string          `json:"updated_at"`
}

// Address is a customer's postal address as events carry it.
type Address struct {
	Line1      *string `json:"line1"`
	Line2      *string `json:"line2"`
	City       *string `json:"city"`
	State      *string `json:"state"`
	Country    *string `json:"country"`
	PostalCode *string `json:"postal_code"`
}

// Render renders a customer for an event.
func Render(c customer.Customer) Customer {
	out := Customer{
		ID: "cus_" + c.ID, Email: opt(c.Email), Name: opt(c.Name), Username: opt(c.Username),
		ExternalID: opt(c.ExternalID), Metadata: metadataObject(c.Metadata),
		LegalName: opt(c.LegalName), LegalNumber: opt(c.LegalNumber), LogoURL: opt(c.LogoURL),
		Phone: opt(c.Phone), URL: opt(c.URL), DiscordID: opt(c.DiscordID), Version: c.Version,
		CreatedAt: c.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: c.UpdatedAt.UTC().Format(time.RFC3339),
	}
	if a := c.Address; !a.IsZero() {
		out.Address = &Address{
			Line1: opt(a.Line1), Line2: opt(a.Line2), City: opt(a.City), State: opt(a.State),
			Country: opt(a.Country), PostalCode: opt(a.PostalCode),
		}
	}
	return out
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// metadataObject renders entries as one JSON object, in their stored order (values are
// stored as compact JSON).
func metadataObject(md []customer.Metadata) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range md {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.Key)
		b.Write(k)
		b.WriteByte(':')
		if json.Valid(m.Value) {
			b.Write(m.Value)
		} else {
			b.WriteString("null")
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}
