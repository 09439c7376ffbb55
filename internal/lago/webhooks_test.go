package lago_test

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/clientele/clientele/internal/apitest"
)

// wantLagoSchema holds an answer's body to a schema of Lago's document.
func wantLagoSchema(t *testing.T, schema string, body []byte) {
	t.Helper()
	wantFits(t, "/components/schemas/"+schema, schema, body)
}

// wantFits holds a body to the schema at a pointer of Lago's document (lagodoc_test.go;
// skipped, once logged, without it), billing_configuration's nulls left out as in every check.
func wantFits(t *testing.T, ptr, name string, body []byte) {
	t.Helper()
	d, err := lagoDocument()
	if d == nil {
		t.Log(err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	dropNullBilling(v)
	if err := d.validate(ptr, v); err != nil {
		t.Errorf("%s does not fit Lago's %s: %v", body, name, err)
	}
}

const webhookEndpoints = "/api/v1/webhook_endpoints"

// endpointInput is lago-go-client's WebhookEndpointInput, as its json tags send it.
type endpointInput struct {
	WebhookURL    string   `json:"webhook_url,omitempty"`
	SignatureAlgo string   `json:"signature_algo,omitempty"`
	Name          *string  `json:"name,omitempty"`
	EventTypes    []string `json:"event_types,omitempty"`
}

type endpointParams struct {
	WebhookEndpoint endpointInput `json:"webhook_endpoint"`
}

// lagoEndpoint is Lago's webhook_endpoint object.
type lagoEndpoint struct {
	LagoID             string    `json:"lago_id"`
	LagoOrganizationID string    `json:"lago_organization_id"`
	WebhookURL         string    `json:"webhook_url"`
	SignatureAlgo      string    `json:"signature_algo"`
	Name               *string   `json:"name"`
	EventTypes         *[]string `json:"event_types"`
	CreatedAt          string    `json:"created_at"`
}

func endpointOf(t *testing.T, r *apitest.Response) lagoEndpoint {
	t.Helper()
	var b struct {
		WebhookEndpoint *lagoEndpoint `json:"webhook_endpoint"`
	}
	r.Want(200).Into(&b)
	if b.WebhookEndpoint == nil {
		t.Fatalf("%s: %s, want {\"webhook_endpoint\": …}", r.Req, r.Body)
	}
	wantLagoSchema(t, "WebhookEndpoint", r.Body)
	e := *b.WebhookEndpoint
	if _, err := time.Parse(time.RFC3339, e.CreatedAt); err != nil || len(e.LagoID) != 36 {
		t.Errorf("%s: lago_id %q, created_at %q", r.Req, e.LagoID, e.CreatedAt)
	}
	return e
}

// hookAt is the body of an endpoint at url.
func hookAt(url string) M { return M{"webhook_endpoint": M{"webhook_url": url}} }

func types(e lagoEndpoint) string {
	if e.EventTypes == nil {
		return "null"
	}
	return fmt.Sprint(*e.EventTypes)
}

// TestWebhookEndpointsAsLagoGoClientSendsThem: create (200), get, a partial update, Lago's
// event_types rules ([] none, null and ["*"] every type, names trimmed and lower-cased),
// the list of the lago-format endpoints alone in Lago's order and pages, and the delete that
// answers the endpoint.
func TestWebhookEndpointsAsLagoGoClientSendsThem(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lago-hooks")
	sk := e.As(t, app.Secret)
	name := "billing"
	made := endpointOf(t, sk.Post(webhookEndpoints, endpointParams{endpointInput{
		WebhookURL: "https://hooks.example.com/b", SignatureAlgo: "hmac", Name: &name,
		EventTypes: []string{"customer.created", "customer.updated"}}}))
	if made.LagoOrganizationID != app.UUID || made.WebhookURL != "https://hooks.example.com/b" ||
		made.SignatureAlgo != "hmac" || made.Name == nil || *made.Name != name ||
		types(made) != "[customer.created customer.updated]" {
		t.Fatalf("created: %+v", made)
	}
	byDefault := endpointOf(t, sk.Post(webhookEndpoints,
		endpointParams{endpointInput{WebhookURL: "https://hooks.example.com/a"}}))
	if byDefault.SignatureAlgo != "jwt" || byDefault.Name != nil || byDefault.EventTypes != nil {
		t.Errorf("by default: %+v, want jwt, no name, every event type", byDefault)
	}
	// An endpoint of another format, which the Lago dialect does not show.
	native := apitest.Data[struct{ ID string }](e.As(t, e.AccountKey).Post("/api/v1/apps/"+app.Slug+"/webhook-endpoints",
		M{"url": "https://hooks.example.com/native"}).Want(201))

	if got := endpointOf(t, sk.Get(webhookEndpoints+"/"+made.LagoID)); got != made && types(got) != types(made) {
		t.Errorf("get: %+v, want %+v", got, made)
	}
	endpointOf(t, e.As(t, app.Publishable).Get(webhookEndpoints+"/"+made.LagoID))

	path := webhookEndpoints + "/" + made.LagoID
	for _, step := range []struct {
		body       M
		algo, want string
	}{
		{M{"name": "renamed"}, "hmac", "[customer.created customer.updated]"},
		{M{"event_types": []string{" Customer.Created ", "customer.created", "", "INVOICE.VOIDED"}}, "hmac",
			"[customer.created invoice.voided]"},
		{M{"event_types": []string{}}, "hmac", "[]"},
		{M{"event_types": []string{"*"}}, "hmac", "null"},
		{M{"event_types": []string{"customer.updated"}, "signature_algo": "jwt"}, "jwt", "[customer.updated]"},
		{M{"event_types": nil}, "jwt", "null"},
	} {
		got := endpointOf(t, sk.Put(path, M{"webhook_endpoint": step.body}))
		if got.SignatureAlgo != step.algo || types(got) != step.want || got.Name == nil || *got.Name != "renamed" {
			t.Errorf("after %v: %+v (event types %s), want %s and %s", step.body, got, types(got), step.algo, step.want)
		}
	}

	moved := endpointOf(t, sk.Put(path, M{"webhook_endpoint": M{"webhook_url": "https://hooks.example.com/b2"}}))
	if moved.WebhookURL != "https://hooks.example.com/b2" {
		t.Errorf("moved: %+v", moved)
	}
	endpointOf(t, sk.Post(webhookEndpoints, M{"webhook_endpoint": M{"webhook_url": "https://hooks.example.com/b"}}))

	var list struct {
		WebhookEndpoints []lagoEndpoint `json:"webhook_endpoints"`
		Meta             struct {
			CurrentPage int  `json:"current_page"`
			NextPage    *int `json:"next_page"`
			PrevPage    *int `json:"prev_page"`
			TotalPages  int  `json:"total_pages"`
			TotalCount  int  `json:"total_count"`
		} `json:"meta"`
	}
	r := sk.Get(webhookEndpoints).Want(200)
	r.Into(&list)
	wantLagoSchema(t, "WebhookEndpointsPaginated", r.Body)
	if len(list.WebhookEndpoints) != 3 || list.WebhookEndpoints[0].LagoID != byDefault.LagoID ||
		list.WebhookEndpoints[2].LagoID != made.LagoID || list.Meta.TotalCount != 3 || list.Meta.TotalPages != 1 {
		t.Errorf("list: %+v, want the three lago endpoints by URL", list)
	}
	sk.Get(webhookEndpoints + "?page=3&per_page=1").Want(200).Into(&list)
	if len(list.WebhookEndpoints) != 1 || list.WebhookEndpoints[0].LagoID != made.LagoID ||
		list.Meta.CurrentPage != 3 || list.Meta.PrevPage == nil || list.Meta.NextPage != nil || list.Meta.TotalPages != 3 {
		t.Errorf("page 3 of 1: %+v", list)
	}
	sk.Get(webhookEndpoints + "?page=4&per_page=1").Want(200).Into(&list)
	if len(list.WebhookEndpoints) != 0 {
		t.Errorf("past the end: %+v", list.WebhookEndpoints)
	}

	notFound := func(t *testing.T, r *apitest.Response) {
		t.Helper()
		lagoError("webhook_endpoint_not_found", nil)(t, r)
		wantLagoSchema(t, "ApiErrorNotFound", r.Body)
	}
	apitest.Run(t, e, []apitest.Row{
		{Name: "an endpoint of another format", Key: app.Secret, Method: "GET",
			Path: webhookEndpoints + "/" + strings.TrimPrefix(native.ID, "we_"), Status: 404, Check: notFound},
		{Name: "an id that is not a UUID", Key: app.Secret, Method: "GET", Path: webhookEndpoints + "/nope",
			Status: 404, Check: notFound},
		{Name: "delete another format's", Key: app.Secret, Method: "DELETE",
			Path: webhookEndpoints + "/" + strings.TrimPrefix(native.ID, "we_"), Status: 404, Check: notFound},
	})
	if gone := endpointOf(t, sk.Delete(path)); gone.LagoID != made.LagoID {
		t.Errorf("delete answered %+v", gone)
	}
	apitest.Run(t, e, []apitest.Row{
		{Name: "get after delete", Key: app.Secret, Method: "GET", Path: path, Status: 404, Check: notFound},
		{Name: "delete again", Key: app.Secret, Method: "DELETE", Path: path, Status: 404, Check: notFound},
		{Name: "update after delete", Key: app.Secret, Method: "PUT", Path: path,
			Body: M{"webhook_endpoint": M{"name": "x"}}, Status: 404, Check: notFound},
	})
	e.CheckInvariants(t, app.UUID)
}

// TestWebhookEndpointErrorsInLagosWords: each bad input gets Lago's status and code.
func TestWebhookEndpointErrorsInLagosWords(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lago-hooks-bad")
	sk := e.As(t, app.Secret)
	taken := endpointOf(t, sk.Post(webhookEndpoints, hookAt("https://hooks.example.com/t")))
	create := func(name string, fields M, detail map[string]string) apitest.Row {
		return apitest.Row{Name: name, Key: app.Secret, Method: "POST", Path: webhookEndpoints,
			Body: M{"webhook_endpoint": fields}, Status: 422, Check: func(t *testing.T, r *apitest.Response) {
				lagoError("validation_errors", detail)(t, r)
				wantLagoSchema(t, "ApiErrorUnprocessableEntity", r.Body)
			}}
	}
	url := func(code string) map[string]string { return map[string]string{"webhook_url": code} }
	apitest.Run(t, e, []apitest.Row{
		create("no webhook_url", M{"name": "x"}, url("value_is_mandatory")),
		create("an empty webhook_url", M{"webhook_url": ""}, url("value_is_mandatory")),
		create("not a URL", M{"webhook_url": "foobar"}, url("url_is_invalid")),
		create("http", M{"webhook_url": "http://hooks.example.com/x"}, url("url_is_invalid")),
		create("a private address", M{"webhook_url": "https://private.example.com/x"}, url("url_is_invalid")),
		create("the metadata address", M{"webhook_url": "https://169.254.169.254/"}, url("url_is_invalid")),
		create("a taken URL", M{"webhook_url": taken.WebhookURL}, url("value_already_exist")),
		create("event_types not a list", M{"webhook_url": "https://hooks.example.com/e", "event_types": "wrong"},
			map[string]string{"event_types": "must_be_array"}),
		create("an unknown event type", M{"webhook_url": "https://hooks.example.com/e",
			"event_types": []string{"wrong.type", "customer.created"}},
			map[string]string{"event_types": `contains invalid types: ["wrong.type"]`}),
		create("* among others", M{"webhook_url": "https://hooks.example.com/e", "event_types": []string{"*", "x.y"}},
			map[string]string{"event_types": `contains invalid types: ["*", "x.y"]`}),
		create("an unknown signature_algo", M{"webhook_url": "https://hooks.example.com/e", "signature_algo": "rsa"},
			map[string]string{"signature_algo": "value_is_invalid"}),
		create("a name too long", M{"webhook_url": "https://hooks.example.com/e", "name": strings.Repeat("n", 256)},
			map[string]string{"name": "value_is_too_long"}),
		{Name: "an update to null signature_algo", Key: app.Secret, Method: "PUT",
			Path: webhookEndpoints + "/" + taken.LagoID, Body: M{"webhook_endpoint": M{"signature_algo": nil}},
			Status: 422, Check: lagoError("validation_errors", map[string]string{"signature_algo": "value_is_invalid"})},
		{Name: "an update to a null webhook_url", Key: app.Secret, Method: "PUT",
			Path: webhookEndpoints + "/" + taken.LagoID, Body: M{"webhook_endpoint": M{"webhook_url": nil}},
			Status: 422, Check: lagoError("validation_errors", url("value_is_mandatory"))},
		{Name: "no webhook_endpoint", Key: app.Secret, Method: "POST", Path: webhookEndpoints,
			Body: M{"webhook_url": "https://hooks.example.com/x"}, Status: 400, Check: lagoError("", nil)},
		{Name: "an Idempotency-Key", Key: app.Secret, Method: "POST", Path: webhookEndpoints,
			Body:   M{"webhook_endpoint": M{"webhook_url": "https://hooks.example.com/i"}},
			Header: []string{"Idempotency-Key", "k"}, Status: 400, Check: lagoError("", nil)},
		{Name: "the account key", Key: e.AccountKey, Method: "GET", Path: webhookEndpoints, Status: 401,
			Check: lagoError("", nil)},
		{Name: "a write with the publishable key", Key: app.Publishable, Method: "POST", Path: webhookEndpoints,
			Body: M{"webhook_endpoint": M{"webhook_url": "https://hooks.example.com/p"}}, Status: 403,
			Check: lagoError("forbidden", nil)},
		{Name: "page 0", Key: app.Secret, Method: "GET", Path: webhookEndpoints + "?page=0", Status: 422,
			Check: lagoError("validation_errors", map[string]string{"page": "value_is_invalid"})},
		{Name: "a path under webhook_endpoints no route serves", Key: app.Secret, Method: "GET",
			Path: webhookEndpoints + "/" + taken.LagoID + "/events", Status: 404, Check: lagoError("not_found", nil)},
		{Name: "a method no route serves", Key: app.Secret, Method: "PATCH", Path: webhookEndpoints + "/" + taken.LagoID,
			Body: M{}, Status: 404, Check: lagoError("not_found", nil)},
		{Name: "a path under webhooks no route serves", Key: app.Secret, Method: "GET", Path: "/api/v1/webhooks/keys",
			Status: 404, Check: lagoError("not_found", nil)},
	})
	for i := 1; i < 10; i++ {
		endpointOf(t, sk.Post(webhookEndpoints, hookAt(fmt.Sprintf("https://hooks.example.com/%d", i))))
	}
	apitest.Run(t, e, []apitest.Row{create("the eleventh", M{"webhook_url": "https://hooks.example.com/11"},
		map[string]string{"base": "Maximum number of webhook endpoints was reached"})})
	e.CheckInvariants(t, app.UUID)
}

// publicKeyOf decodes Lago's public key text as lago-go-client's GetPublicKey does: base64,
// a PUBLIC KEY PEM block, a PKIX RSA key.
func publicKeyOf(t *testing.T, text string) *rsa.PublicKey {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		t.Fatalf("the key is not base64: %v: %q", err, text)
	}
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("not a PUBLIC KEY block: %q", raw)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	pub, ok := k.(*rsa.PublicKey)
	if err != nil || !ok || pub.N.BitLen() != 2048 {
		t.Fatalf("not a 2048-bit RSA key: %T, %v", k, err)
	}
	return pub
}

// TestWebhookPublicKey: both of Lago's routes answer the app's RSA public key (made by the
// first request that needs it) as lago-go-client reads it, the same as the Apps API shows;
// each app has its own.
func TestWebhookPublicKey(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	text := func(t *testing.T, key string) string {
		t.Helper()
		r := e.As(t, key).Get("/api/v1/webhooks/public_key")
		if r.Status != 200 || r.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("public_key: %d %s %q", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		return string(r.Body)
	}
	jsonKey := func(t *testing.T, key string) string {
		t.Helper()
		var b struct {
			Webhook struct {
				PublicKey string `json:"public_key"`
			}
		}
		r := e.As(t, key).Get("/api/v1/webhooks/json_public_key").Want(200)
		r.Into(&b)
		wantLagoSchema(t, "WebhookPublicKey", r.Body)
		return b.Webhook.PublicKey
	}
	a, b := e.CreateApp(t, "lago-key-a"), e.CreateApp(t, "lago-key-b")
	first := text(t, a.Publishable) // made here
	pub := publicKeyOf(t, first)
	for i, line := range strings.Split(strings.TrimSuffix(first, "\n"), "\n") {
		if len(line) > 60 {
			t.Errorf("line %d has %d characters: Lago's base64 has lines of 60", i, len(line))
		}
	}
	if again := text(t, a.Secret); again != first {
		t.Error("the key changed")
	}
	if j := jsonKey(t, a.Secret); j != first {
		t.Errorf("json_public_key %q, want public_key's text", j)
	}
	other := jsonKey(t, b.Secret) // made here
	if publicKeyOf(t, other).Equal(pub) {
		t.Error("two apps share their RSA key")
	}
	var signing struct {
		Data struct {
			LagoPublicKey string `json:"lago_public_key"`
		}
	}
	e.As(t, e.AccountKey).Get("/api/v1/apps/" + a.Slug + "/webhook-signing").Want(200).Into(&signing)
	if signing.Data.LagoPublicKey != first {
		t.Error("the Apps API shows another public key")
	}
	apitest.Run(t, e, []apitest.Row{{Name: "the account key", Key: e.AccountKey, Method: "GET",
		Path: "/api/v1/webhooks/public_key", Status: 401, Check: lagoError("", nil)}})
}

// TestWebhookEndpointsOfAnAppBeforeTheShards: Lago's endpoint writes on an app made before
// the shards make their shard first.
func TestWebhookEndpointsOfAnAppBeforeTheShards(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lago-hooks-old")
	sk := e.As(t, app.Secret)
	e.DropShards(t, app.UUID)
	made := endpointOf(t, sk.Post(webhookEndpoints, hookAt("https://hooks.example.com/o")))
	e.DropShards(t, app.UUID)
	endpointOf(t, sk.Put(webhookEndpoints+"/"+made.LagoID, M{"webhook_endpoint": M{"name": "x"}}))
	e.DropShards(t, app.UUID)
	endpointOf(t, sk.Delete(webhookEndpoints+"/"+made.LagoID))
	e.CheckInvariants(t, app.UUID)
}
