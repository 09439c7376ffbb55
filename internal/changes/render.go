package changes

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/clientele/clientele/internal/appsapi"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/webhook"
	"github.com/clientele/clientele/internal/wire"
)

// Customer is a customer as events carry it: the Apps API's representation, so that a
// consumer handles events and API responses alike, and under dialects what only the Lago and
// Lukittu dialects show, so that every webhook format renders from the event alone.
type Customer struct {
	appsapi.Customer
	Dialects Dialects `json:"dialects"`
}

// Dialects is what the Lago and Lukittu dialects show of a customer beyond the Apps API's view.
type Dialects struct {
	CreatedBy *string                    `json:"created_by"` // Lukittu's createdByUserId
	Country   *string                    `json:"country"`    // the address's country as written; the view has its code
	Metadata  []MetadataEntry            `json:"metadata"`   // one for each entry of the view's metadata, in its order
	Lago      map[string]json.RawMessage `json:"lago"`       // Lago's own fields (currency, timezone, …)
}

// MetadataEntry is what the other dialects show of one metadata entry besides its value.
type MetadataEntry struct {
	Key              string  `json:"key"`
	ID               *string `json:"id"` // Lago's lago_id, when one was given
	Locked           bool    `json:"locked"`
	DisplayInInvoice bool    `json:"display_in_invoice"`
}

// Render renders a customer for an event.
func Render(c customer.Customer) Customer {
	d := Dialects{
		CreatedBy: wire.OptString(c.CreatedBy), Country: wire.OptString(c.Address.Country),
		Metadata: make([]MetadataEntry, len(c.Metadata)), Lago: map[string]json.RawMessage{},
	}
	for i, m := range c.Metadata {
		d.Metadata[i] = MetadataEntry{Key: m.Key, ID: wire.OptString(m.ID), Locked: m.Locked,
			DisplayInInvoice: m.DisplayInInvoice}
	}
	maps.Copy(d.Lago, c.Lago)
	return Customer{Customer: appsapi.RenderCustomer(c), Dialects: d}
}

// ErrDetail is returned for an event detail that describes no customer change.
var ErrDetail = errors.New("changes: not a customer change")

// Canonical is the customer that c renders, as Render had it (times to the second).
func (c Customer) Canonical() (customer.Customer, error) {
	id, ok := customer.ParseID(strings.TrimPrefix(c.ID, "cus_"))
	if !ok {
		return customer.Customer{}, fmt.Errorf("%w: customer id %q", ErrDetail, c.ID)
	}
	out := customer.Customer{
		ID: id, Email: text(c.Email), Name: text(c.Name), Username: text(c.Username), ExternalID: text(c.ExternalID),
		LegalName: text(c.LegalName), LegalNumber: text(c.LegalNumber), LogoURL: text(c.LogoURL),
		Phone: text(c.Phone), URL: text(c.URL), DiscordID: text(c.DiscordID), CreatedBy: text(c.Dialects.CreatedBy),
		Version: c.Version, SequentialID: c.SequentialID,
	}
	if a := c.Address; a != nil {
		out.Address = customer.Address{Line1: text(a.Line1), Line2: text(a.Line2), City: text(a.City),
			State: text(a.State), Country: text(a.Country), PostalCode: text(a.PostalCode)}
		if c.Dialects.Country != nil {
			out.Address.Country = *c.Dialects.Country
		}
	}
	var err error
	if out.Metadata, err = metadata(c.Metadata, c.Dialects.Metadata); err != nil {
		return customer.Customer{}, err
	}
	if len(c.Dialects.Lago) > 0 {
		out.Lago = maps.Clone(c.Dialects.Lago)
	}
	if out.CreatedAt, err = time.Parse(time.RFC3339, c.CreatedAt); err != nil {
		return customer.Customer{}, fmt.Errorf("%w: created_at: %w", ErrDetail, err)
	}
	if out.UpdatedAt, err = time.Parse(time.RFC3339, c.UpdatedAt); err != nil {
		return customer.Customer{}, fmt.Errorf("%w: updated_at: %w", ErrDetail, err)
	}
	return out, nil
}

func text(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// metadata reads the view's metadata object in its order, each entry with its dialect fields
// (none for an event of before they were carried).
func metadata(obj json.RawMessage, entries []MetadataEntry) ([]customer.Metadata, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("%w: metadata is not an object", ErrDetail)
	}
	var md []customer.Metadata
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: metadata: %w", ErrDetail, err)
		}
		m := customer.Metadata{Key: t.(string)}
		if err := dec.Decode(&m.Value); err != nil {
			return nil, fmt.Errorf("%w: metadata: %w", ErrDetail, err)
		}
		if i := len(md); i < len(entries) {
			e := entries[i]
			if e.Key != m.Key {
				return nil, fmt.Errorf("%w: metadata entry %d is %q in the view, %q in dialects", ErrDetail, i, m.Key, e.Key)
			}
			m.ID, m.Locked, m.DisplayInInvoice = text(e.ID), e.Locked, e.DisplayInInvoice
		}
		md = append(md, m)
	}
	if len(entries) > 0 && len(entries) != len(md) {
		return nil, fmt.Errorf("%w: %d metadata entries in the view, %d in dialects", ErrDetail, len(md), len(entries))
	}
	return md, nil
}

// ChangeOf is the change an event's detail describes, of the app app and published at at, as
// every webhook format renders it.
func ChangeOf(d Detail, app webhook.App, at time.Time) (webhook.Change, error) {
	if d.AppID != "app_"+app.ID {
		return webhook.Change{}, fmt.Errorf("%w: the event is of %q, not of the app %q", ErrDetail, d.AppID, app.ID)
	}
	id, ok := customer.ParseID(strings.TrimPrefix(d.CustomerID, "cus_"))
	if !ok {
		return webhook.Change{}, fmt.Errorf("%w: customer id %q", ErrDetail, d.CustomerID)
	}
	ch := webhook.Change{App: app, CustomerID: id, Version: d.Version, At: at}
	for _, side := range []struct {
		from *Customer
		to   **customer.Customer
	}{{d.Before, &ch.Before}, {d.After, &ch.After}} {
		if side.from == nil {
			continue
		}
		c, err := side.from.Canonical()
		if err != nil {
			return webhook.Change{}, err
		}
		if c.ID != id {
			return webhook.Change{}, fmt.Errorf("%w: customer %q in the event of %q", ErrDetail, c.ID, d.CustomerID)
		}
		*side.to = &c
	}
	if ch.Before == nil && ch.After == nil {
		return webhook.Change{}, fmt.Errorf("%w: neither before nor after", ErrDetail)
	}
	return ch, nil
}
