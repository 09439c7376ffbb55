package webhooktest

import (
	"encoding/json"
	"maps"
	"time"

	"github.com/clientele/clientele/internal/customer"
)

// The app of Customer's changes.
const (
	AppID   = "7c1e2d3f-4a5b-4c6d-8e7f-901234567890"
	AppSlug = "acme"
	AppName = "Acme"
)

// Customer is a customer with every field set that some format shows, at the wire's precision.
func Customer() customer.Customer {
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	return customer.Customer{
		ID: "0b8d5c0e-6a3f-4d2b-9c1e-5f7a8b9c0d1e", Email: "jane@example.com", Name: "Jane Doe", Username: "jane",
		ExternalID: "crm-42",
		Metadata: []customer.Metadata{
			{Key: "plan", Value: json.RawMessage(`"pro"`), Locked: true},
			{ID: "4f7e1c2a-9b3d-4e5f-8a6b-7c8d9e0f1a2b", Key: "seats", Value: json.RawMessage(`3`), DisplayInInvoice: true},
			{Key: "tags", Value: json.RawMessage(`{"a":[1,2]}`)},
		},
		Address: customer.Address{Line1: "Unter den Linden 1", Line2: "2. OG", City: "Berlin", State: "BE",
			Country: "Germany", PostalCode: "10117"},
		LegalName: "Jane GmbH", LegalNumber: "HRB 1", LogoURL: "https://example.com/logo.png", Phone: "+49 30 1",
		URL: "https://example.com", DiscordID: "123456789012345678",
		Lago: map[string]json.RawMessage{
			"currency": json.RawMessage(`"EUR"`), "net_payment_term": json.RawMessage(`30`),
			"shipping_address.city": json.RawMessage(`"Hamburg"`),
		},
		CreatedBy: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", CreatedAt: at, UpdatedAt: at.Add(time.Hour),
		Version: 3, SequentialID: 17,
	}
}

// Next is c after a write that made edit to it: its version and update time moved on.
func Next(c customer.Customer, edit func(c *customer.Customer)) customer.Customer {
	c.Metadata = append([]customer.Metadata(nil), c.Metadata...)
	c.Lago = maps.Clone(c.Lago)
	edit(&c)
	c.Version++
	c.UpdatedAt = c.UpdatedAt.Add(time.Minute)
	return c
}
