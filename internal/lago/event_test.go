package lago_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apitest"
	"github.com/clientele/clientele/internal/changes"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/lago"
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

// lagoJane is webhooktest.Customer as Lago's GET answer renders it, of the app Acme (slug acme).
const lagoJane = `{"lago_id":"0b8d5c0e-6a3f-4d2b-9c1e-5f7a8b9c0d1e","billing_entity_code":"acme",` +
	`"external_id":"crm-42","customer_id":"crm-42","account_type":"customer","name":"Jane Doe","firstname":null,` +
	`"lastname":null,"customer_type":null,"sequential_id":17,"slug":"ACM-7890-017",` +
	`"created_at":"2026-12-03T10:00:00Z","updated_at":"2026-12-03T11:00:00Z","country":"DE",` +
	`"address_line1":"Unter den Linden 1","address_line2":"2. OG","state":"BE","zipcode":"10117",` +
	`"email":"jane@example.com","city":"Berlin","url":"https://example.com","phone":"+49 30 1",` +
	`"logo_url":"https://example.com/logo.png","legal_name":"Jane GmbH","legal_number":"HRB 1","currency":"EUR",` +
	`"tax_identification_number":null,"timezone":null,"applicable_timezone":"UTC","net_payment_term":30,` +
	`"finalize_zero_amount_invoice":"inherit","billing_configuration":{"document_locale":null,` +
	`"invoice_grace_period":null,"payment_provider":null,"payment_provider_code":null,` +
	`"subscription_invoice_issuing_date_adjustment":null,"subscription_invoice_issuing_date_anchor":null},` +
	`"shipping_address":{"address_line1":null,"address_line2":null,"city":"Hamburg","state":null,"zipcode":null,` +
	`"country":null},"skip_invoice_custom_sections":false,"metadata":[{"lago_id":"419296d0-f858-58fd-8b16-a9f7bf5d8e77",` +
	`"key":"plan","value":"pro","display_in_invoice":false,"created_at":"2026-12-03T10:00:00Z"},` +
	`{"lago_id":"4f7e1c2a-9b3d-4e5f-8a6b-7c8d9e0f1a2b","key":"seats","value":"3","display_in_invoice":true,` +
	`"created_at":"2026-12-03T10:00:00Z"},{"lago_id":"8096662e-267d-59fd-a20a-02c2622567e4","key":"tags",` +
	`"value":"{\"a\":[1,2]}","display_in_invoice":false,"created_at":"2026-12-03T10:00:00Z"}],"taxes":[],` +
	`"integration_customers":[]}`

// wantLagoWebhookSchema holds a webhook body to the schema of Lago's document for the webhook
// (its requestBody under webhooks), as wantLagoSchema does an answer.
func wantLagoWebhookSchema(t *testing.T, webhookName string, body []byte) {
	t.Helper()
	wantFits(t, "/webhooks/"+webhookName+"/post/requestBody/content/application~1json/schema", "webhook "+webhookName,
		body)
}

func TestLagoEventBodies(t *testing.T) {
	created, updated, _ := testChanges()
	roe := strings.NewReplacer(`"Jane Doe"`, `"Jane Roe"`, `"updated_at":"2026-12-03T11:00:00Z"`,
		`"updated_at":"2026-12-03T11:01:00Z"`).Replace(lagoJane)
	for _, tc := range []struct {
		ch       webhook.Change
		typ      string
		customer string
	}{
		{created, "customer.created", lagoJane},
		{updated, "customer.updated", roe},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			m, ok, err := lago.RenderChange(tc.ch)
			if err != nil || !ok {
				t.Fatalf("RenderChange: ok %v, err %v", ok, err)
			}
			want := `{"webhook_type":"` + tc.typ + `","object_type":"customer",` +
				`"organization_id":"` + webhooktest.AppID + `","customer":` + tc.customer + `}`
			if string(m.Body) != want {
				t.Errorf("body:\n got %s\nwant %s", m.Body, want)
			}
			if m.ID != tc.ch.EventID() || m.Type != tc.typ {
				t.Errorf("message id %q, type %q; want %q, %q", m.ID, m.Type, tc.ch.EventID(), tc.typ)
			}
			wantLagoWebhookSchema(t, strings.ReplaceAll(tc.typ, ".", "_"), m.Body)
		})
	}
}

func TestLagoSendsNothingForADeleteOrAnUpdateItDoesNotShow(t *testing.T) {
	_, updated, deleted := testChanges()
	if m, ok, err := lago.RenderChange(deleted); err != nil || ok {
		t.Errorf("a delete: ok %v, err %v, body %s; Lago has no customer.deleted", ok, err, m.Body)
	}
	before := *updated.Before
	for name, after := range map[string]customer.Customer{
		"Lukittu's locked flag": webhooktest.Next(before, func(c *customer.Customer) { c.Metadata[1].Locked = true }),
		"username and Discord id": webhooktest.Next(before, func(c *customer.Customer) {
			c.Username, c.DiscordID = "jroe", "876543210987654321"
		}),
		"nothing": webhooktest.Next(before, func(*customer.Customer) {}),
	} {
		t.Run(name, func(t *testing.T) {
			ch := updated
			ch.After = &after
			if m, ok, err := lago.RenderChange(ch); err != nil || ok {
				t.Errorf("RenderChange: ok %v, err %v, body %s; want nothing", ok, err, m.Body)
			}
		})
	}
	euro := webhooktest.Next(before, func(c *customer.Customer) { c.Lago["currency"] = json.RawMessage(`"USD"`) })
	ch := updated
	ch.After = &euro
	if _, ok, err := lago.RenderChange(ch); err != nil || !ok {
		t.Errorf("a Lago field changed: ok %v, err %v; want an event", ok, err)
	}
}

func TestLagoReceiversVerifyTheSignedBody(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	text, err := webhook.LagoPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	keys := webhooktest.LagoKeyServer(t, text)
	client := webhooktest.LagoClient{BaseURL: keys.URL, APIKey: "lago-api-key"}
	hmacKey := []byte("5f1c2a7e-0b9d-4c3e-8a61-2f4d9b7c1e05")
	created, updated, _ := testChanges()
	for _, alg := range []struct {
		name   string
		signer webhook.LagoSigner
		verify func(t *testing.T, h http.Header, body []byte) error
	}{
		{"hmac", webhook.LagoSigner{Algorithm: webhook.LagoHMAC, HMACKey: hmacKey},
			func(_ *testing.T, h http.Header, body []byte) error {
				return webhooktest.VerifyLagoHMAC(h, body, hmacKey)
			}},
		{"jwt", webhook.LagoSigner{Algorithm: webhook.LagoJWT, PrivateKey: key, Issuer: keys.URL},
			func(t *testing.T, h http.Header, body []byte) error {
				return webhooktest.VerifyLagoJWT(t.Context(), h, body, client)
			}},
	} {
		for _, ch := range []webhook.Change{created, updated} {
			t.Run(alg.name+" "+ch.Kind(), func(t *testing.T) {
				m, _, err := lago.RenderChange(ch)
				if err != nil {
					t.Fatal(err)
				}
				h, err := alg.signer.Sign(m, ch.At)
				if err != nil {
					t.Fatal(err)
				}
				if got := h.Get("X-Lago-Unique-Key"); got != ch.EventID() {
					t.Errorf("X-Lago-Unique-Key %q, want the event id %q", got, ch.EventID())
				}
				if err := alg.verify(t, h, m.Body); err != nil {
					t.Errorf("the receiver refuses the body: %v", err)
				}
				changed := bytes.Replace(m.Body, []byte("Jane"), []byte("Jana"), 1)
				if err := alg.verify(t, h, changed); err == nil {
					t.Error("the receiver accepts a changed body")
				}
			})
		}
	}
}

// TestLagoBodyShowsTheCustomerAsTheGETAnswerDoes writes a customer through the Lago dialect,
// carries it through a change event (changes.Render, JSON, changes.ChangeOf) and holds the
// webhook's customer to the GET answer's, byte for byte: every field Lago shows survives.
func TestLagoBodyShowsTheCustomerAsTheGETAnswerDoes(t *testing.T) {
	e := apitest.New(t)
	app := e.CreateNamedApp(t, "hooks", "Hooks & Co")
	sk := e.As(t, app.Secret)
	sk.Post(customers, M{"customer": M{
		"external_id": "ext-1", "name": "Jane Doe", "email": "jane@example.com", "country": "de", "city": "Berlin",
		"currency": "EUR", "timezone": "Europe/Berlin", "net_payment_term": 30, "customer_type": "company",
		"shipping_address":      M{"city": "Hamburg", "zipcode": "20095"},
		"billing_configuration": M{"invoice_grace_period": 3, "document_locale": "de"},
		"metadata":              []M{{"key": "plan", "value": "pro", "display_in_invoice": true}},
	}}).Want(http.StatusOK)
	answer := sk.Get(customers + "/ext-1").Want(http.StatusOK)
	var got struct {
		Customer json.RawMessage `json:"customer"`
	}
	if err := json.Unmarshal(answer.Body, &got); err != nil {
		t.Fatal(err)
	}
	var id struct {
		LagoID string `json:"lago_id"`
	}
	if err := json.Unmarshal(got.Customer, &id); err != nil {
		t.Fatal(err)
	}
	c, err := e.Admin.GetCustomer(t.Context(), app.UUID, id.LagoID)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(changes.Detail{AppID: "app_" + app.UUID, CustomerID: "cus_" + c.ID, Version: c.Version,
		After: ptr(changes.Render(c))})
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
	m, ok, err := lago.RenderChange(ch)
	if err != nil || !ok {
		t.Fatalf("RenderChange: ok %v, err %v", ok, err)
	}
	var body struct {
		Customer json.RawMessage `json:"customer"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := json.Compact(&want, got.Customer); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body.Customer, want.Bytes()) {
		t.Errorf("the webhook's customer:\n got %s\nwant the GET answer's %s", body.Customer, want.Bytes())
	}
	wantLagoWebhookSchema(t, "customer_created", m.Body)
}

func ptr[T any](v T) *T { return &v }
