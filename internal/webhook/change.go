package webhook

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/clientele/clientele/internal/customer"
)

// The kinds of a customer change, in the native format's words.
const (
	Created = "customer.created"
	Updated = "customer.updated"
	Deleted = "customer.deleted"
)

// App is what the formats show of the app a change belongs to.
type App struct {
	ID   string // the app's UUID
	Slug string
	Name string
}

// Change is one customer change as every format renders it: the customer before and after it
// (Before nil for a create, After nil for a delete), and when it was published.
type Change struct {
	App        App
	CustomerID string // the customer's UUID
	Version    int64  // the customer's version after the change; for a delete, its last
	Before     *customer.Customer
	After      *customer.Customer
	At         time.Time
}

// Kind is Created, Updated or Deleted.
func (c Change) Kind() string {
	switch {
	case c.Before == nil:
		return Created
	case c.After == nil:
		return Deleted
	}
	return Updated
}

// ErrNoCustomer is returned to render a change with neither a before nor an after.
var ErrNoCustomer = errors.New("webhook: a change of no customer")

// Subject is the customer as the change leaves it, or for a delete as it last was.
func (c Change) Subject() (customer.Customer, error) {
	switch {
	case c.After != nil:
		return *c.After, nil
	case c.Before != nil:
		return *c.Before, nil
	}
	return customer.Customer{}, ErrNoCustomer
}

// EventID is the change's id, derived from what it describes (app, customer, version, kind),
// so that a change published twice has one id: a UUID of version 8 (RFC 9562) from SHA-256.
func (c Change) EventID() string {
	h := sha256.Sum256([]byte(c.App.ID + "\x00" + c.CustomerID + "\x00" + strconv.FormatInt(c.Version, 10) +
		"\x00" + c.Kind()))
	h[6] = h[6]&0x0f | 0x80
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// Render renders a change in one format: the message an endpoint of it receives, or false
// when the format shows nothing of the change (no field it shows changed, or a kind it has not).
type Render func(c Change) (m Message, ok bool, err error)
