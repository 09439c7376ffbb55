package lago

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/clientele/clientele/internal/webhook"
)

// eventJSON is a customer change as Lago's webhooks send it.
type eventJSON struct {
	WebhookType    string       `json:"webhook_type"`
	ObjectType     string       `json:"object_type"`
	OrganizationID string       `json:"organization_id"`
	Customer       customerJSON `json:"customer"`
}

// orgOf is the organization that app is to Lago, as organization makes it for a request.
func orgOf(app webhook.App) org {
	return org{appID: app.ID, billingEntity: app.Slug, prefix: documentPrefix(app.Name, app.ID)}
}

var _ webhook.Render = RenderChange

// RenderChange renders a change as Lago's webhooks send it (docs/webhooks.md, "Bodies"): the
// customer as Lago's GET answer shows it. Lago has no customer.deleted, so a delete sends
// nothing, and neither does an update that changes nothing Lago shows but updated_at.
func RenderChange(c webhook.Change) (webhook.Message, bool, error) {
	subject, err := c.Subject()
	if err != nil || c.Kind() == webhook.Deleted {
		return webhook.Message{}, false, err
	}
	o := orgOf(c.App)
	ev := eventJSON{WebhookType: c.Kind(), ObjectType: "customer", OrganizationID: c.App.ID,
		Customer: toCustomerJSON(subject, o)}
	body, err := json.Marshal(ev)
	if err != nil {
		return webhook.Message{}, false, fmt.Errorf("lago: render event: %w", err)
	}
	if c.Kind() == webhook.Updated {
		was := ev
		was.Customer = toCustomerJSON(*c.Before, o)
		was.Customer.UpdatedAt = ev.Customer.UpdatedAt
		if old, err := json.Marshal(was); err != nil || bytes.Equal(old, body) {
			return webhook.Message{}, false, err
		}
	}
	return webhook.Message{ID: c.EventID(), Type: ev.WebhookType, Body: body}, true, nil
}
