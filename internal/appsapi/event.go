package appsapi

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/clientele/clientele/internal/webhook"
)

const eventPrefix = "evt_"

// eventJSON is a change as the native webhooks send it, modelled on Stripe's event object.
type eventJSON struct {
	ID      string    `json:"id"`
	Object  string    `json:"object"`
	Type    string    `json:"type"`
	Created int64     `json:"created"`
	AppID   string    `json:"app_id"`
	Data    eventData `json:"data"`
}

type eventData struct {
	Object             Customer                   `json:"object"`
	PreviousAttributes map[string]json.RawMessage `json:"previous_attributes,omitempty"` // updates only
}

// bookkeeping are the fields every update moves: alone they are no change worth an event.
var bookkeeping = map[string]bool{"version": true, "updated_at": true}

var _ webhook.Render = RenderChange

// RenderChange renders a change as the native format's webhooks send it (docs/webhooks.md,
// "Bodies"): nothing for an update that changes no field of the Apps API's view.
func RenderChange(c webhook.Change) (webhook.Message, bool, error) {
	subject, err := c.Subject()
	if err != nil {
		return webhook.Message{}, false, err
	}
	ev := eventJSON{
		ID: eventPrefix + c.EventID(), Object: "event", Type: c.Kind(), Created: c.At.Unix(),
		AppID: appPrefix + c.App.ID, Data: eventData{Object: RenderCustomer(subject)},
	}
	if ev.Type == webhook.Updated {
		prev, err := previousAttributes(RenderCustomer(*c.Before), ev.Data.Object)
		if err != nil || prev == nil {
			return webhook.Message{}, false, err
		}
		ev.Data.PreviousAttributes = prev
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return webhook.Message{}, false, fmt.Errorf("appsapi: render event: %w", err)
	}
	return webhook.Message{ID: ev.ID, Type: ev.Type, Body: body}, true, nil
}

// previousAttributes are the top-level fields of the view that differ between before and
// after, with their values before; nil when none but the bookkeeping ones differ. Of a field
// that is an object on both sides (metadata, address), only the keys that differ, as Stripe
// does for its hashes: a key added by the change is null.
func previousAttributes(before, after Customer) (map[string]json.RawMessage, error) {
	b, err := fields(before)
	if err != nil {
		return nil, err
	}
	a, err := fields(after)
	if err != nil {
		return nil, err
	}
	prev := map[string]json.RawMessage{}
	shown := false
	for k, v := range b {
		if !bytes.Equal(v, a[k]) {
			if prev[k], err = changedKeys(v, a[k]); err != nil {
				return nil, err
			}
			shown = shown || !bookkeeping[k]
		}
	}
	if !shown {
		return nil, nil
	}
	return prev, nil
}

// changedKeys is before's value, or, when before and after are both objects, the keys whose
// values differ with their values before (null for a key only after has).
func changedKeys(before, after json.RawMessage) (json.RawMessage, error) {
	var b, a map[string]json.RawMessage
	if json.Unmarshal(before, &b) != nil || json.Unmarshal(after, &a) != nil || b == nil || a == nil {
		return before, nil
	}
	diff := map[string]json.RawMessage{}
	for k, v := range b {
		if !bytes.Equal(v, a[k]) {
			diff[k] = v
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			diff[k] = json.RawMessage("null")
		}
	}
	out, err := json.Marshal(diff)
	if err != nil {
		return nil, fmt.Errorf("appsapi: render event: %w", err)
	}
	return out, nil
}

// fields is the view as its top-level JSON fields.
func fields(c Customer) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("appsapi: render event: %w", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("appsapi: render event: %w", err)
	}
	return m, nil
}
