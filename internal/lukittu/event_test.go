package lukittu_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apitest"
	"github.com/clientele/clientele/internal/changes"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/lukittu"
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

// lukittuJane is webhooktest.Customer as Lukittu's customer answers render it.
const lukittuJane = `{"id":"0b8d5c0e-6a3f-4d2b-9c1e-5f7a8b9c0d1e","email":"jane@example.com","fullName":"Jane Doe",` +
	`"username":"jane","metadata":[{"key":"plan","value":"pro","locked":true},` +
	`{"key":"seats","value":"3","locked":false},{"key":"tags","value":"{\"a\":[1,2]}","locked":false}],` +
	`"address":{"street":"Unter den Linden 1","line1":"Unter den Linden 1","line2":"2. OG","city":"Berlin",` +
	`"state":"BE","country":"Germany","postalCode":"10117"},"teamId":"7c1e2d3f-4a5b-4c6d-8e7f-901234567890",` +
	`"createdByUserId":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d","createdAt":"2026-12-03T10:00:00Z",` +
	`"updatedAt":"2026-12-03T11:00:00Z"}`

func TestLukittuEventBodies(t *testing.T) {
	created, updated, deleted := testChanges()
	roe := strings.NewReplacer(`"Jane Doe"`, `"Jane Roe"`, `"updatedAt":"2026-12-03T11:00:00Z"`,
		`"updatedAt":"2026-12-03T11:01:00Z"`).Replace(lukittuJane)
	for _, tc := range []struct {
		ch        webhook.Change
		typ, body string
	}{
		{created, "CUSTOMER_CREATED", lukittuJane},
		{updated, "CUSTOMER_UPDATED", roe},
		{deleted, "CUSTOMER_DELETED", roe},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			m, ok, err := lukittu.RenderChange(tc.ch)
			if err != nil || !ok {
				t.Fatalf("RenderChange: ok %v, err %v", ok, err)
			}
			if string(m.Body) != tc.body {
				t.Errorf("body:\n got %s\nwant %s", m.Body, tc.body)
			}
			if m.ID != tc.ch.EventID() || m.Type != tc.typ {
				t.Errorf("message id %q, type %q; want %q, %q", m.ID, m.Type, tc.ch.EventID(), tc.typ)
			}
			wantSchema(t, "CustomerData", m.Body)
		})
	}
}

func TestLukittuUpdateOfNoShownFieldSendsNothing(t *testing.T) {
	_, updated, _ := testChanges()
	before := *updated.Before
	for name, after := range map[string]customer.Customer{
		"a Lago field": webhooktest.Next(before, func(c *customer.Customer) {
			c.Lago["currency"] = json.RawMessage(`"USD"`)
		}),
		"a field Lukittu does not show": webhooktest.Next(before, func(c *customer.Customer) { c.LegalName = "Roe AG" }),
		"Lago's invoice flag": webhooktest.Next(before, func(c *customer.Customer) {
			c.Metadata[1].DisplayInInvoice = false
		}),
		"nothing": webhooktest.Next(before, func(*customer.Customer) {}),
	} {
		t.Run(name, func(t *testing.T) {
			ch := updated
			ch.After = &after
			m, ok, err := lukittu.RenderChange(ch)
			if err != nil || ok {
				t.Errorf("RenderChange: ok %v, err %v, body %s; want nothing", ok, err, m.Body)
			}
		})
	}
	locked := webhooktest.Next(before, func(c *customer.Customer) { c.Metadata[1].Locked = true })
	ch := updated
	ch.After = &locked
	if _, ok, err := lukittu.RenderChange(ch); err != nil || !ok {
		t.Errorf("a metadata entry locked: ok %v, err %v; want an event", ok, err)
	}
}

func TestLukittuReceiverVerifiesEveryEvent(t *testing.T) {
	secret := []byte("0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0")
	signer := webhook.LukittuSigner{Secret: secret}
	created, updated, deleted := testChanges()
	for _, ch := range []webhook.Change{created, updated, deleted} {
		t.Run(ch.Kind(), func(t *testing.T) {
			m, _, err := lukittu.RenderChange(ch)
			if err != nil {
				t.Fatal(err)
			}
			h, err := signer.Sign(m, ch.At)
			if err != nil {
				t.Fatal(err)
			}
			if err := webhooktest.VerifyLukittu(h, m.Body, secret); err != nil {
				t.Errorf("the receiver refuses the body: %v", err)
			}
			if got := h.Get("X-Lukittu-Event"); got != m.Type {
				t.Errorf("X-Lukittu-Event %q, want %q", got, m.Type)
			}
			changed := bytes.Replace(m.Body, []byte("Jane"), []byte("Jana"), 1)
			if err := webhooktest.VerifyLukittu(h, changed, secret); err == nil {
				t.Error("the receiver accepts a changed body")
			}
		})
	}
}

// TestLukittuBodyIsTheGETAnswersCustomer writes a customer through the Lukittu dialect (a
// country that is no code, a locked entry), carries it through a change event
// (changes.Render, JSON, changes.ChangeOf) and holds the webhook's body to the GET answer's
// data, byte for byte: every field Lukittu shows survives.
func TestLukittuBodyIsTheGETAnswersCustomer(t *testing.T) {
	e := apitest.New(t)
	app := e.CreateApp(t, "lk-hooks")
	sk := e.As(t, app.Secret)
	body := M{"email": "ada@example.com", "fullName": "Ada Lovelace", "username": "ada",
		"metadata": []M{{"key": "tier", "value": "gold", "locked": true}, {"key": "seats", "value": "3", "locked": false}},
		"address":  M{"street": "12 St James's Square", "city": "London", "country": "Ruritania", "postalCode": "SW1Y"}}
	made := wantOK[customerJSON](t, sk.Post(teamOf(app), body), 201, "CustomerResponse")
	var got struct {
		Data json.RawMessage `json:"data"`
	}
	sk.Get(teamOf(app) + "/" + made.ID).Want(200).Into(&got)
	c, err := e.Admin.GetCustomer(t.Context(), app.UUID, made.ID)
	if err != nil {
		t.Fatal(err)
	}
	after := changes.Render(c)
	raw, err := json.Marshal(changes.Detail{AppID: "app_" + app.UUID, CustomerID: "cus_" + c.ID, Version: c.Version,
		After: &after})
	if err != nil {
		t.Fatal(err)
	}
	var d changes.Detail
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	ch, err := changes.ChangeOf(d, webhook.App{ID: app.UUID, Slug: app.Slug, Name: app.Name}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m, ok, err := lukittu.RenderChange(ch)
	if err != nil || !ok {
		t.Fatalf("RenderChange: ok %v, err %v", ok, err)
	}
	var want bytes.Buffer
	if err := json.Compact(&want, got.Data); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Body, want.Bytes()) {
		t.Errorf("the webhook's body:\n got %s\nwant the GET answer's data %s", m.Body, want.Bytes())
	}
}
