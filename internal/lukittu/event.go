package lukittu

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/clientele/clientele/internal/webhook"
)

// Lukittu's event types of a customer change.
var eventTypes = map[string]string{
	webhook.Created: "CUSTOMER_CREATED",
	webhook.Updated: "CUSTOMER_UPDATED",
	webhook.Deleted: "CUSTOMER_DELETED",
}

var _ webhook.Render = RenderChange

// RenderChange renders a change as Lukittu's webhooks send it (docs/webhooks.md, "Bodies"):
// the customer object itself, as its answers render it; for a delete, as it last was. An
// update that changes nothing Lukittu shows but updatedAt sends nothing.
func RenderChange(c webhook.Change) (webhook.Message, bool, error) {
	subject, err := c.Subject()
	if err != nil {
		return webhook.Message{}, false, err
	}
	view := toCustomerJSON(c.App.ID, subject)
	body, err := json.Marshal(view)
	if err != nil {
		return webhook.Message{}, false, fmt.Errorf("lukittu: render event: %w", err)
	}
	if c.Kind() == webhook.Updated {
		before := toCustomerJSON(c.App.ID, *c.Before)
		before.UpdatedAt = view.UpdatedAt
		if old, err := json.Marshal(before); err != nil || bytes.Equal(old, body) {
			return webhook.Message{}, false, err
		}
	}
	return webhook.Message{ID: c.EventID(), Type: eventTypes[c.Kind()], Body: body}, true, nil
}
