package appsapi

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/webhook"
	"github.com/clientele/clientele/internal/webhook/webhooktest"
)

// testChanges are a customer's create, an update of its name, and its delete.
func testChanges() (created, updated, deleted webhook.Change) {
	app := webhook.App{ID: webhooktest.AppID, Slug: webhooktest.AppSlug, Name: webhooktest.AppName}
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	c := webhooktest.Customer()
	renamed := webhooktest.Next(c, func(c *customer.Customer) { c.Name = "Jane Roe" })
	created = webhook.Change{App: app, CustomerID: c.ID, Version: c.Version, After: &c, At: at}
	updated = webhook.Change{App: app, CustomerID: c.ID, Version: renamed.Version, Before: &c, After: &renamed, At: at}
	deleted = webhook.Change{App: app, CustomerID: c.ID, Version: renamed.Version, Before: &renamed, At: at}
	return created, updated, deleted
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNativeEventBodies(t *testing.T) {
	created, updated, deleted := testChanges()
	for _, tc := range []struct {
		name   string
		ch     webhook.Change
		object customer.Customer
		prev   string // previous_attributes, "" for none
	}{
		{"created", created, *created.After, ""},
		{"updated", updated, *updated.After,
			`{"name":"Jane Doe","updated_at":"2026-12-03T11:00:00Z","version":3}`},
		{"deleted", deleted, *deleted.Before, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, ok, err := RenderChange(tc.ch)
			if err != nil || !ok {
				t.Fatalf("RenderChange: ok %v, err %v", ok, err)
			}
			id := "evt_" + tc.ch.EventID()
			prev := ""
			if tc.prev != "" {
				prev = `,"previous_attributes":` + tc.prev
			}
			want := `{"id":"` + id + `","object":"event","type":"` + tc.ch.Kind() + `","created":1796299200,` +
				`"app_id":"app_` + webhooktest.AppID + `","data":{"object":` + mustJSON(t, RenderCustomer(tc.object)) +
				prev + `}}`
			if string(m.Body) != want {
				t.Errorf("body:\n got %s\nwant %s", m.Body, want)
			}
			if m.ID != id || m.Type != tc.ch.Kind() {
				t.Errorf("message id %q, type %q; want %q, %q", m.ID, m.Type, id, tc.ch.Kind())
			}
		})
	}
}

func TestNativePreviousAttributesOfObjectsHoldOnlyChangedKeys(t *testing.T) {
	_, updated, _ := testChanges()
	before := *updated.Before
	for _, tc := range []struct {
		name string
		edit func(c *customer.Customer)
		key  string // the field of previous_attributes checked
		want string
	}{
		{"a metadata value changed", func(c *customer.Customer) { c.Metadata[1].Value = json.RawMessage(`4`) },
			"metadata", `{"seats":3}`},
		{"a metadata key added", func(c *customer.Customer) {
			c.Metadata = append(c.Metadata, customer.Metadata{Key: "tier", Value: json.RawMessage(`"gold"`)})
		}, "metadata", `{"tier":null}`},
		{"a metadata key removed", func(c *customer.Customer) { c.Metadata = c.Metadata[:2] },
			"metadata", `{"tags":{"a":[1,2]}}`},
		{"the address's city", func(c *customer.Customer) { c.Address.City = "Potsdam" },
			"address", `{"city":"Berlin"}`},
		{"the address removed", func(c *customer.Customer) { c.Address = customer.Address{} },
			"address", mustJSON(t, RenderCustomer(before).Address)},
		{"a string field", func(c *customer.Customer) { c.Email = "jane@example.org" }, "email", `"jane@example.com"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := updated
			after := webhooktest.Next(before, tc.edit)
			ch.After = &after
			m, ok, err := RenderChange(ch)
			if err != nil || !ok {
				t.Fatalf("RenderChange: ok %v, err %v", ok, err)
			}
			var ev struct {
				Data struct {
					Prev map[string]json.RawMessage `json:"previous_attributes"`
				} `json:"data"`
			}
			if err := json.Unmarshal(m.Body, &ev); err != nil {
				t.Fatal(err)
			}
			if got := string(ev.Data.Prev[tc.key]); got != tc.want {
				t.Errorf("previous_attributes.%s = %s, want %s", tc.key, got, tc.want)
			}
		})
	}
}

func TestNativeUpdateOfNoShownFieldSendsNothing(t *testing.T) {
	_, updated, _ := testChanges()
	before := *updated.Before
	for name, after := range map[string]customer.Customer{
		"a Lago field": webhooktest.Next(before, func(c *customer.Customer) {
			c.Lago["currency"] = json.RawMessage(`"USD"`)
		}),
		"a metadata flag": webhooktest.Next(before, func(c *customer.Customer) { c.Metadata[0].Locked = false }),
		"nothing":         webhooktest.Next(before, func(*customer.Customer) {}),
	} {
		t.Run(name, func(t *testing.T) {
			ch := updated
			ch.After = &after
			m, ok, err := RenderChange(ch)
			if err != nil || ok {
				t.Errorf("RenderChange: ok %v, err %v, body %s; want nothing", ok, err, m.Body)
			}
		})
	}
	if _, _, err := RenderChange(webhook.Change{}); err == nil {
		t.Error("a change of no customer renders")
	}
}

func TestNativeReceiverVerifiesTheSignedBody(t *testing.T) {
	secret := []byte("whsec_test")
	signer := webhook.AppsSigner{Secrets: []webhook.Secret{{Key: secret}}}
	now := time.Date(2026, 12, 3, 12, 0, 5, 0, time.UTC)
	created, updated, deleted := testChanges()
	for _, ch := range []webhook.Change{created, updated, deleted} {
		t.Run(ch.Kind(), func(t *testing.T) {
			m, _, err := RenderChange(ch)
			if err != nil {
				t.Fatal(err)
			}
			h, err := signer.Sign(m, now)
			if err != nil {
				t.Fatal(err)
			}
			if err := webhooktest.VerifyApps(h.Get("Clientele-Signature"), m.Body, secret, now); err != nil {
				t.Errorf("the receiver refuses the body: %v", err)
			}
			changed := bytes.Replace(m.Body, []byte("Jane"), []byte("Jana"), 1)
			if bytes.Equal(changed, m.Body) {
				t.Fatal("the body does not hold Jane")
			}
			if err := webhooktest.VerifyApps(h.Get("Clientele-Signature"), changed, secret, now); err == nil {
				t.Error("the receiver accepts a body changed by one byte")
			}
		})
	}
}
