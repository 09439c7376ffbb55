package appsapi_test

import (
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apitest"
)

// webhookEndpoint is an endpoint as the Apps API renders it.
type webhookEndpoint struct {
	ID              string    `json:"id"`
	Format          string    `json:"format"`
	URL             string    `json:"url"`
	Name            *string   `json:"name"`
	EventTypes      *[]string `json:"event_types"`
	SignatureAlgo   *string   `json:"signature_algo"`
	Secret          *string   `json:"secret"`
	ExpiringSecrets []struct {
		Secret    string `json:"secret"`
		ExpiresAt string `json:"expires_at"`
	} `json:"expiring_secrets"`
	Version   int64  `json:"version"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

var (
	nativeSecret  = regexp.MustCompile(`^whsec_[A-Za-z0-9_-]{43}$`)
	lukittuSecret = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

func endpointsOf(slug string) string { return "/api/v1/apps/" + slug + "/webhook-endpoints" }

func createEndpoint(t *testing.T, e *apitest.Env, slug string, body M) webhookEndpoint {
	t.Helper()
	return apitest.Data[webhookEndpoint](e.As(t, e.AccountKey).Post(endpointsOf(slug), body).Want(201))
}

// TestWebhookEndpointsOfEveryFormat walks an app's endpoints through their life in the
// Apps API: each format's secret, the list and get, a conditional update, a URL freed by
// its change, the native roll with its 24 hours of overlap, Lukittu's replacement at once,
// and the delete; no secret is in the table in the clear.
func TestWebhookEndpointsOfEveryFormat(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "hooks")
	acct := e.As(t, e.AccountKey)
	base := endpointsOf(app.Slug)

	native := createEndpoint(t, e, app.Slug, M{"url": "https://hooks.example.com/a", "name": "CRM",
		"event_types": []string{"customer.created", "customer.deleted", "customer.created"}})
	wantID(t, native.ID, "we_")
	if native.Format != "apps" || native.Secret == nil || !nativeSecret.MatchString(*native.Secret) ||
		native.SignatureAlgo != nil || native.Version != 1 || str(native.Name) != "CRM" ||
		native.EventTypes == nil || fmt.Sprint(*native.EventTypes) != "[customer.created customer.deleted]" {
		t.Fatalf("native endpoint: %+v", native)
	}
	wantTime(t, "created_at", native.CreatedAt)
	lk := createEndpoint(t, e, app.Slug, M{"format": "lukittu", "url": "https://hooks.example.com/b"})
	if lk.Secret == nil || !lukittuSecret.MatchString(*lk.Secret) || lk.EventTypes != nil {
		t.Fatalf("Lukittu endpoint: %+v", lk)
	}
	lg := createEndpoint(t, e, app.Slug, M{"format": "lago", "url": "https://hooks.example.com/c",
		"signature_algo": "hmac", "event_types": []string{}})
	if lg.Secret != nil || str(lg.SignatureAlgo) != "hmac" || lg.EventTypes == nil || len(*lg.EventTypes) != 0 {
		t.Fatalf("Lago endpoint: %+v", lg)
	}
	jwt := createEndpoint(t, e, app.Slug, M{"format": "lago", "url": "https://hooks.example.com/d"})
	if str(jwt.SignatureAlgo) != "jwt" {
		t.Errorf("a Lago endpoint's algorithm by default: %s, want jwt", str(jwt.SignatureAlgo))
	}

	list := apitest.Data[[]webhookEndpoint](acct.Get(base).Want(200))
	if len(list) != 4 || list[0].ID != native.ID || list[3].ID != jwt.ID {
		t.Fatalf("list: %+v", list)
	}
	for _, ep := range list {
		if ep.Secret != nil {
			t.Errorf("the list shows a secret: %+v", ep)
		}
	}
	got := apitest.Data[webhookEndpoint](acct.Get(base + "/" + native.ID).Want(200))
	if got.Secret == nil || *got.Secret != *native.Secret || len(got.ExpiringSecrets) != 0 {
		t.Errorf("get: %+v, want the secret it was made with", got)
	}
	bare := apitest.Data[webhookEndpoint](acct.Get(base + "/" + strings.TrimPrefix(lk.ID, "we_")).Want(200))
	if bare.ID != lk.ID || bare.Secret == nil || *bare.Secret != *lk.Secret {
		t.Errorf("get by the bare UUID: %+v", bare)
	}

	updated := apitest.Data[webhookEndpoint](acct.Do("PUT", base+"/"+native.ID,
		M{"event_types": nil, "name": nil, "format": "apps"}, "If-Match", `"1"`).Want(200))
	if updated.Version != 2 || updated.EventTypes != nil || updated.Name != nil || updated.Secret != nil {
		t.Errorf("update: %+v, want version 2, every type, no name, no secret", updated)
	}
	wantError(t, acct.Do("PUT", base+"/"+native.ID, M{"name": "x"}, "If-Match", "1"), 409, "conflict")
	moved := apitest.Data[webhookEndpoint](acct.Put(base+"/"+lg.ID, M{"url": "https://hooks.example.com/c2",
		"signature_algo": "jwt"}).Want(200))
	if moved.URL != "https://hooks.example.com/c2" || str(moved.SignatureAlgo) != "jwt" {
		t.Errorf("move: %+v", moved)
	}
	freed := createEndpoint(t, e, app.Slug, M{"url": "https://hooks.example.com/c"}) // the URL the move freed

	before := time.Now()
	rolled := apitest.Data[webhookEndpoint](acct.Post(base+"/"+native.ID+"/roll-secret", nil).Want(200))
	if rolled.Secret == nil || !nativeSecret.MatchString(*rolled.Secret) || *rolled.Secret == *native.Secret ||
		len(rolled.ExpiringSecrets) != 1 || rolled.ExpiringSecrets[0].Secret != *native.Secret {
		t.Fatalf("rolled: %+v, want a new secret and the old one expiring", rolled)
	}
	expires := wantTime(t, "expires_at", rolled.ExpiringSecrets[0].ExpiresAt)
	if d := expires.Sub(before); d < 24*time.Hour-time.Minute || d > 24*time.Hour+time.Minute {
		t.Errorf("the old secret signs %v more, want 24 hours", d)
	}
	again := apitest.Data[webhookEndpoint](acct.Get(base + "/" + native.ID).Want(200))
	if len(again.ExpiringSecrets) != 1 {
		t.Errorf("get after the roll: %+v, want both secrets", again)
	}
	lkRolled := apitest.Data[webhookEndpoint](acct.Post(base+"/"+lk.ID+"/roll-secret", "{}").Want(200))
	if lkRolled.Secret == nil || *lkRolled.Secret == *lk.Secret || len(lkRolled.ExpiringSecrets) != 0 {
		t.Errorf("Lukittu rolled: %+v, want its secret replaced at once", lkRolled)
	}
	wantError(t, acct.Post(base+"/"+jwt.ID+"/roll-secret", nil), 400, "bad_request")
	wantError(t, acct.Post(base+"/"+native.ID+"/roll-secret", M{"secret": "mine"}), 400, "bad_request")

	for _, it := range e.Partition(t, app.UUID) {
		dump := fmt.Sprint(it)
		for _, secret := range []string{*native.Secret, *rolled.Secret, *lk.Secret, *lkRolled.Secret, *freed.Secret} {
			if strings.Contains(dump, secret) {
				t.Errorf("the item %v holds a secret in the clear", it["sk"])
			}
		}
	}

	acct.Delete(base + "/" + native.ID).Want(204)
	wantError(t, acct.Get(base+"/"+native.ID), 404, "not_found")
	wantError(t, acct.Delete(base+"/"+native.ID), 404, "not_found")
	createEndpoint(t, e, app.Slug, M{"url": "https://hooks.example.com/a"}) // freed by the delete
	e.CheckInvariants(t, app.UUID)
}

// TestWebhookSigning: an app's Lago keys, made by the first request that reads them; the
// same keys after; each app its own.
func TestWebhookSigning(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	acct := e.As(t, e.AccountKey)
	type signing struct {
		LagoHMACKey   string `json:"lago_hmac_key"`
		LagoPublicKey string `json:"lago_public_key"`
	}
	first := apitest.Data[signing](acct.Get("/api/v1/apps/" + e.CreateApp(t, "signing").Slug +
		"/webhook-signing").Want(200))
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if !uuid.MatchString(first.LagoHMACKey) {
		t.Errorf("HMAC key %q is not a UUID", first.LagoHMACKey)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(first.LagoPublicKey, "\n", ""))
	if block, _ := pem.Decode(raw); err != nil || block == nil || block.Type != "PUBLIC KEY" {
		t.Errorf("public key %q is not base64 of a PUBLIC KEY PEM", first.LagoPublicKey)
	}
	again := apitest.Data[signing](acct.Get("/api/v1/apps/signing/webhook-signing").Want(200))
	if again != first {
		t.Error("the keys changed between two reads")
	}
	other := apitest.Data[signing](acct.Get("/api/v1/apps/" + e.CreateApp(t, "signing-2").Slug +
		"/webhook-signing").Want(200))
	if other.LagoHMACKey == first.LagoHMACKey || other.LagoPublicKey == first.LagoPublicKey {
		t.Error("two apps share their Lago keys")
	}
}

// TestWebhookEndpointsAreTheAccountKeys: an app's keys neither manage endpoints nor read
// their secrets; an unknown app or endpoint is 404; writes take no Idempotency-Key.
func TestWebhookEndpointsAreTheAccountKeys(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "hooks-keys")
	base := endpointsOf(app.Slug)
	ep := createEndpoint(t, e, app.Slug, M{"url": "https://hooks.example.com/k"})
	one := base + "/" + ep.ID
	forbidden := apiError("forbidden")
	var rows []apitest.Row
	for _, k := range []struct{ name, key string }{{"secret key", app.Secret}, {"publishable key", app.Publishable}} {
		rows = append(rows,
			apitest.Row{Name: "list with a " + k.name, Key: k.key, Method: "GET", Path: base, Status: 403, Check: forbidden},
			apitest.Row{Name: "get with a " + k.name, Key: k.key, Method: "GET", Path: one, Status: 403, Check: forbidden},
			apitest.Row{Name: "create with a " + k.name, Key: k.key, Method: "POST", Path: base,
				Body: M{"url": "https://hooks.example.com/x"}, Status: 403, Check: forbidden},
			apitest.Row{Name: "signing with a " + k.name, Key: k.key, Method: "GET",
				Path: "/api/v1/apps/" + app.Slug + "/webhook-signing", Status: 403, Check: forbidden},
		)
	}
	acct := e.AccountKey
	notFound := apiError("not_found")
	rows = append(rows,
		apitest.Row{Name: "a bad key", Key: "sk_live_nope", Method: "GET", Path: base, Status: 401,
			Check: apiError("unauthorized")},
		apitest.Row{Name: "an unknown app", Key: acct, Method: "GET", Path: endpointsOf("no-such-app"), Status: 404,
			Check: notFound},
		apitest.Row{Name: "an id that is not one", Key: acct, Method: "GET", Path: base + "/we_nope", Status: 404,
			Check: notFound},
		apitest.Row{Name: "an absent endpoint", Key: acct, Method: "PUT",
			Path: base + "/we_6a4f3c8e-2b1d-4e5f-9a7b-0c1d2e3f4a5b", Body: M{"name": "x"}, Status: 404, Check: notFound},
		apitest.Row{Name: "roll an absent endpoint", Key: acct, Method: "POST",
			Path: base + "/we_6a4f3c8e-2b1d-4e5f-9a7b-0c1d2e3f4a5b/roll-secret", Status: 404, Check: notFound},
		apitest.Row{Name: "create with an Idempotency-Key", Key: acct, Method: "POST", Path: base,
			Body: M{"url": "https://hooks.example.com/i"}, Header: []string{"Idempotency-Key", "k1"}, Status: 400,
			Check: apiError("bad_request")},
		apitest.Row{Name: "delete with an Idempotency-Key", Key: acct, Method: "DELETE", Path: one,
			Header: []string{"Idempotency-Key", "k2"}, Status: 400, Check: apiError("bad_request")},
		apitest.Row{Name: "a bad If-Match", Key: acct, Method: "PUT", Path: one, Body: M{"name": "x"},
			Header: []string{"If-Match", "v1"}, Status: 400, Check: apiError("bad_request")},
	)
	apitest.Run(t, e, rows)
}

// TestWebhookEndpointFields: every bad field is a 422 that names it; a URL that leads to
// an address that is not public is refused whatever the name, and so is http; a taken URL
// is 409; the eleventh endpoint is 422.
func TestWebhookEndpointFields(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "hooks-fields")
	base := endpointsOf(app.Slug)
	ep := createEndpoint(t, e, app.Slug, M{"url": "https://hooks.example.com/taken"})
	acct := e.AccountKey
	invalid := func(name, field string, body M) apitest.Row {
		return apitest.Row{Name: name, Key: acct, Method: "POST", Path: base, Body: body, Status: 422,
			Check: apiError("validation_error", field)}
	}
	url := func(u string) M { return M{"url": u} }
	apitest.Run(t, e, []apitest.Row{
		invalid("no url", "url", M{"name": "x"}),
		invalid("a url not a string", "url", M{"url": 7}),
		invalid("http", "url", url("http://hooks.example.com/x")),
		invalid("http to loopback outside make local", "url", url("http://127.0.0.1:8080/x")),
		invalid("ftp", "url", url("ftp://hooks.example.com/x")),
		invalid("no host", "url", url("https:///x")),
		invalid("a private address", "url", url("https://10.0.0.1/x")),
		invalid("the metadata address", "url", url("https://169.254.169.254/latest/meta-data")),
		invalid("IPv6 loopback", "url", url("https://[::1]/x")),
		invalid("a name of a private address", "url", url("https://private.example.com/x")),
		invalid("a name of the metadata address", "url", url("https://metadata.example.com/x")),
		invalid("a name of loopback", "url", url("https://loopback.example.com/x")),
		invalid("a name with one private address among public ones", "url", url("https://mixed.example.com/x")),
		invalid("a name that does not resolve", "url", url("https://nxdomain.example.com/x")),
		invalid("a url too long", "url", url("https://hooks.example.com/"+strings.Repeat("a", 2048))),
		invalid("an unknown format", "format", M{"url": "https://hooks.example.com/f", "format": "stripe"}),
		invalid("a name too long", "name", M{"url": "https://hooks.example.com/f", "name": strings.Repeat("n", 256)}),
		invalid("event types not a list", "event_types", M{"url": "https://hooks.example.com/f", "event_types": "all"}),
		invalid("an unknown event type", "event_types",
			M{"url": "https://hooks.example.com/f", "event_types": []string{"customer.merged"}}),
		invalid("Lago's invoice events in the native format", "event_types",
			M{"url": "https://hooks.example.com/f", "event_types": []string{"invoice.voided"}}),
		invalid("Lago's names in the Lukittu format", "event_types",
			M{"url": "https://hooks.example.com/f", "format": "lukittu", "event_types": []string{"customer.created"}}),
		invalid("signature_algo outside Lago", "signature_algo",
			M{"url": "https://hooks.example.com/f", "signature_algo": "hmac"}),
		invalid("an unknown signature_algo", "signature_algo",
			M{"url": "https://hooks.example.com/f", "format": "lago", "signature_algo": "rsa"}),
		invalid("a field the API does not have", "secret", M{"url": "https://hooks.example.com/f", "secret": "mine"}),
		{Name: "a body that is not an object", Key: acct, Method: "POST", Path: base, Body: "[]", Status: 400,
			Check: apiError("bad_request")},
		{Name: "a taken url", Key: acct, Method: "POST", Path: base, Body: url(ep.URL), Status: 409,
			Check: apiError("conflict", "url")},
		{Name: "a change of format", Key: acct, Method: "PUT", Path: base + "/" + ep.ID, Body: M{"format": "lago"},
			Status: 422, Check: apiError("validation_error", "format")},
		{Name: "an update to a private address", Key: acct, Method: "PUT", Path: base + "/" + ep.ID,
			Body: url("https://private.example.com/x"), Status: 422, Check: apiError("validation_error", "url")},
	})
	for i := 1; i < 10; i++ {
		createEndpoint(t, e, app.Slug, url(fmt.Sprintf("https://hooks.example.com/%d", i)))
	}
	apitest.Run(t, e, []apitest.Row{{Name: "the eleventh", Key: acct, Method: "POST", Path: base,
		Body: url("https://hooks.example.com/11"), Status: 422, Check: apiError("validation_error")}})
	e.CheckInvariants(t, app.UUID)
}

// TestWebhookEndpointsUnderMakeLocal: the local setting (which make local sets) lets an
// endpoint be http on loopback, and nothing else that is not public.
func TestWebhookEndpointsUnderMakeLocal(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.LocalWebhooks())
	app := e.CreateApp(t, "hooks-local")
	for _, u := range []string{
		"http://127.0.0.1:4242/hook", "http://localhost:4242/hook", "https://loopback.example.com/x",
	} {
		createEndpoint(t, e, app.Slug, M{"url": u})
	}
	for _, u := range []string{"http://hooks.example.com/x", "https://10.0.0.1/x", "https://metadata.example.com/x"} {
		wantError(t, e.As(t, e.AccountKey).Post(endpointsOf(app.Slug), M{"url": u}), 422, "validation_error", "url")
	}
}

// TestWebhookEndpointsOfADeletedApp: a deleted app's endpoints are gone at once, and the
// writes of an app made before the shards make their shard first.
func TestWebhookEndpointsOfADeletedApp(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "hooks-old")
	base := endpointsOf(app.Slug)
	acct := e.As(t, e.AccountKey)
	for _, step := range []func() *apitest.Response{
		func() *apitest.Response { return acct.Post(base, M{"url": "https://hooks.example.com/old"}).Want(201) },
		func() *apitest.Response {
			ep := apitest.Data[[]webhookEndpoint](acct.Get(base).Want(200))[0]
			return acct.Delete(base + "/" + ep.ID).Want(204)
		},
	} {
		e.DropShards(t, app.UUID)
		step()
	}
	ep := createEndpoint(t, e, app.Slug, M{"url": "https://hooks.example.com/gone"})
	acct.Delete("/api/v1/apps/" + app.Slug).Want(202)
	wantError(t, acct.Get(base), 404, "not_found")
	wantError(t, acct.Get(base+"/"+ep.ID), 404, "not_found")
	wantError(t, acct.Post(base, M{"url": "https://hooks.example.com/new"}), 404, "not_found")
}
