package gateway_test

// HTTP tests of the Apps API through the local gateway, against DynamoDB Local: every route
// of internal/routes runs as its own function (its own store and DynamoDB client) behind the
// authorizer, as template.yaml deploys them. The run also records which DynamoDB actions
// each function really calls and holds them to the IAM policy its route declares.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/clientele/clientele/docs"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/authorizer"
	"github.com/clientele/clientele/internal/dynamotest"
	"github.com/clientele/clientele/internal/gateway"
	"github.com/clientele/clientele/internal/routes"
	"github.com/clientele/clientele/internal/samtemplate"
	"github.com/clientele/clientele/internal/store"
)

// ---- the environment ---------------------------------------------------------------------

// env is the deployed stack in miniature: a table, the gateway in front of every function,
// and an account key.
type env struct {
	url        string
	accountKey string
	clock      *offsetClock // the gateway's (its authorizer cache)
	storeClock *offsetClock // the functions' stores' (idempotency records expire on it)
	iam        *iamRecorder
	faults     *faults      // injected into every function's DynamoDB client
	admin      *store.Store // outside the gateway: the operator's and the purge worker's access
	table      *dynamotest.Table
	routeKeys  []string  // every route the gateway serves
	served     *routeLog // the routes that answered a request
}

// routeLog is a slog handler over the gateway's access log that keeps the route keys of
// the requests a function answered.
type routeLog struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (l *routeLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *routeLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *routeLog) WithGroup(string) slog.Handler            { return l }
func (l *routeLog) Handle(_ context.Context, r slog.Record) error {
	var key string
	var status int64
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "routeKey":
			key = a.Value.String()
		case "status":
			status = a.Value.Int64()
		}
		return true
	})
	if key != "" && status != 0 {
		l.mu.Lock()
		l.seen[key] = true
		l.mu.Unlock()
	}
	return nil
}

// checkRoutes fails for a route of the API that no request of the run reached.
func (e *env) checkRoutes(t *testing.T) {
	if partialRun() {
		return
	}
	e.served.mu.Lock()
	defer e.served.mu.Unlock()
	t.Logf("requests reached %d of the API's %d routes", len(e.served.seen), len(e.routeKeys))
	for _, k := range e.routeKeys {
		if !e.served.seen[k] {
			t.Errorf("no request reached route %s", k)
		}
	}
}

// offsetClock is the real clock plus an offset that tests move forward, to expire the
// authorizer's cache or idempotency records without waiting.
type offsetClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *offsetClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// templateAPI is the API that template.yaml declares.
func templateAPI(t *testing.T) gateway.API {
	t.Helper()
	path, err := samtemplate.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	api, err := gateway.FromTemplate(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func newEnv(t *testing.T, opts ...func(*gateway.Options)) *env {
	t.Helper()
	tbl := dynamotest.New(t)
	api := templateAPI(t)
	// Warnings and errors of the functions go to stderr, which go test shows on failure.
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e := &env{clock: &offsetClock{}, storeClock: &offsetClock{}, iam: newIAMRecorder(), faults: &faults{}, table: tbl, admin: store.New(tbl.Client, tbl.Name)}
	depsFor := func(fn string) routes.Deps {
		db := dynamodb.New(tbl.Client.Options(), e.iam.option(fn), e.faults.option)
		st := store.New(db, tbl.Name)
		st.SetClock(func() time.Time { return e.storeClock.Now().UTC() })
		return routes.Deps{Store: st, Log: log.With("function", fn), Document: docs.OpenAPIJSON}
	}
	authz := depsFor(api.Authorizer.Function)
	e.served = &routeLog{seen: map[string]bool{}}
	for _, r := range api.Routes {
		e.routeKeys = append(e.routeKeys, r.Method+" "+r.Path)
	}
	gwOpts := gateway.Options{Now: e.clock.Now, Log: slog.New(e.served)}
	for _, o := range opts {
		o(&gwOpts)
	}
	gw, err := gateway.New(api, authorizer.New(authz.Store, authz.Log).Handle, depsFor, gwOpts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	e.url = srv.URL

	secret, hash := auth.Generate(auth.Account)
	if _, err := e.admin.CreateKey(context.Background(), hash, auth.Key{Kind: auth.Account, Hint: auth.Hint(secret)}); err != nil {
		t.Fatal(err)
	}
	e.accountKey = secret
	return e
}

// ---- requests ----------------------------------------------------------------------------

type caller struct {
	t        *testing.T
	url      string
	key      string // "" sends no Authorization header
	allow5xx bool   // else a 5xx answer fails the test
}

func (e *env) as(t *testing.T, key string) *caller { return &caller{t: t, url: e.url, key: key} }

type response struct {
	t      *testing.T
	req    string
	Status int
	Header http.Header
	Body   []byte
}

// do sends a request. body is nil, a string (sent as is) or a value sent as JSON.
func (c *caller) do(method, path string, body any, header ...string) *response {
	c.t.Helper()
	var r io.Reader
	var sent []byte
	switch b := body.(type) {
	case nil:
	case string:
		r, sent = strings.NewReader(b), []byte(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		r, sent = bytes.NewReader(raw), raw
	}
	req, err := http.NewRequest(method, c.url+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	out := &response{t: c.t, req: method + " " + path, Status: res.StatusCode, Header: res.Header, Body: raw}
	if out.Status >= 500 && !c.allow5xx {
		c.t.Errorf("%s: %d %s", out.req, out.Status, raw)
	}
	// Every answer, and every request answered 2xx, must fit docs/openapi.yaml (openapi_test.go).
	checkOpenAPI(c.t, roundTrip{method: method, path: req.URL.EscapedPath(), query: req.URL.RawQuery, header: req.Header,
		body: sent, status: res.StatusCode, respHeader: res.Header, respBody: raw}, true)
	return out
}

func (c *caller) get(path string) *response { c.t.Helper(); return c.do("GET", path, nil) }
func (c *caller) post(path string, body any) *response {
	c.t.Helper()
	return c.do("POST", path, body)
}
func (c *caller) put(path string, body any) *response {
	c.t.Helper()
	return c.do("PUT", path, body)
}
func (c *caller) del(path string) *response { c.t.Helper(); return c.do("DELETE", path, nil) }

// want checks the status and, for a body, that it is JSON.
func (r *response) want(status int) *response {
	r.t.Helper()
	if r.Status != status {
		r.t.Fatalf("%s: status %d, want %d: %s", r.req, r.Status, status, r.Body)
	}
	if len(r.Body) > 0 {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			r.t.Errorf("%s: Content-Type %q, want JSON", r.req, ct)
		}
		if !json.Valid(r.Body) {
			r.t.Errorf("%s: body is not JSON: %s", r.req, r.Body)
		}
	}
	return r
}

// into decodes the body into v.
func (r *response) into(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("%s: %v: %s", r.req, err, r.Body)
	}
}

type problem struct {
	Code       string              `json:"code"`
	Message    string              `json:"message"`
	Details    map[string][]string `json:"details"`
	ExistingID string              `json:"existing_id"`
}

// wantError checks an error of the Apps API: the status, {"error":{code,message}} and, for
// each field given, details for it.
func (r *response) wantError(status int, code string, fields ...string) problem {
	r.t.Helper()
	r.want(status)
	var body struct {
		Error *problem `json:"error"`
	}
	r.into(&body)
	if body.Error == nil || body.Error.Code != code || body.Error.Message == "" {
		r.t.Fatalf("%s: got %s, want an error with code %q and a message", r.req, r.Body, code)
	}
	for _, f := range fields {
		if len(body.Error.Details[f]) == 0 {
			r.t.Errorf("%s: no details for %q in %s", r.req, f, r.Body)
		}
	}
	return *body.Error
}

// wantGatewayMessage checks one of API Gateway's own answers.
func (r *response) wantGatewayMessage(status int, message string) {
	r.t.Helper()
	if want := fmt.Sprintf(`{"message":%q}`, message); r.Status != status || string(r.Body) != want {
		r.t.Fatalf("%s: got %d %s, want API Gateway's %d %s", r.req, r.Status, r.Body, status, want)
	}
}

// ---- wire types --------------------------------------------------------------------------

type customerJSON struct {
	ID         string          `json:"id"`
	Email      *string         `json:"email"`
	Name       *string         `json:"name"`
	ExternalID *string         `json:"external_id"`
	Metadata   json.RawMessage `json:"metadata"`
	Version    int64           `json:"version"`
	CreatedAt  string          `json:"created_at"`
	UpdatedAt  string          `json:"updated_at"`
}

type listMeta struct {
	Total      *int64  `json:"total"`
	Page       *int    `json:"page"`
	PerPage    *int    `json:"per_page"`
	NextCursor *string `json:"next_cursor"`
}

type customerList struct {
	Data []customerJSON `json:"data"`
	Meta listMeta       `json:"meta"`
}

type licenseJSON struct {
	ID         string  `json:"id"`
	CustomerID string  `json:"customer_id"`
	Status     string  `json:"status"`
	ExpiresAt  *string `json:"expires_at"`
	CreatedAt  string  `json:"created_at"`
}

type appJSON struct {
	ID            string  `json:"id"`
	UUID          string  `json:"uuid"`
	Slug          string  `json:"slug"`
	Name          string  `json:"name"`
	Description   *string `json:"description"`
	Status        string  `json:"status"`
	CustomerCount int64   `json:"customer_count"`
	CreatedAt     string  `json:"created_at"`
}

type keyJSON struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	Key       *string `json:"key"`
	Hint      string  `json:"hint"`
	CreatedAt string  `json:"created_at"`
}

func data[T any](r *response) T {
	r.t.Helper()
	var body struct {
		Data *T `json:"data"`
	}
	r.into(&body)
	if body.Data == nil {
		r.t.Fatalf("%s: no data in %s", r.req, r.Body)
	}
	return *body.Data
}

func str(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

// wantID checks a rendered id: the prefix and a UUID v4.
func wantID(t *testing.T, id, prefix string) string {
	t.Helper()
	uuid, ok := strings.CutPrefix(id, prefix)
	if !ok || len(uuid) != 36 || uuid[14] != '4' || strings.Count(uuid, "-") != 4 {
		t.Errorf("id %q is not %s<uuid v4>", id, prefix)
	}
	return uuid
}

// wantTime checks an RFC 3339 UTC timestamp.
func wantTime(t *testing.T, name, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	if err != nil || !strings.HasSuffix(s, "Z") {
		t.Errorf("%s %q is not an RFC 3339 UTC time", name, s)
	}
	return at
}

// testApp is an app made through the API, with a secret and a publishable key.
type testApp struct {
	appJSON
	secret, publishable string
}

func (e *env) createApp(t *testing.T, slug string) testApp {
	t.Helper()
	acct := e.as(t, e.accountKey)
	app := testApp{appJSON: data[appJSON](acct.post("/api/v1/apps", map[string]any{"name": "App " + slug, "slug": slug}).want(201))}
	sk := data[keyJSON](acct.post("/api/v1/apps/"+slug+"/api-keys", map[string]any{"type": "secret"}).want(201))
	pk := data[keyJSON](acct.post("/api/v1/apps/"+slug+"/api-keys", map[string]any{"type": "publishable"}).want(201))
	app.secret, app.publishable = str(sk.Key), str(pk.Key)
	return app
}

func (e *env) createCustomer(t *testing.T, key, slug string, body map[string]any) customerJSON {
	t.Helper()
	return data[customerJSON](e.as(t, key).post("/api/v1/apps/"+slug+"/customers", body).want(201))
}

// ---- the tests ---------------------------------------------------------------------------

func TestAppsAPI(t *testing.T) {
	e := newEnv(t)
	t.Cleanup(func() {
		e.iam.check(t)
		e.checkRoutes(t)
	})

	t.Run("health", func(t *testing.T) {
		t.Parallel()
		for _, key := range []string{"", "not-a-key"} {
			var body struct {
				Data struct{ Status string } `json:"data"`
			}
			e.as(t, key).get("/api/health").want(200).into(&body)
			if body.Data.Status != "ok" {
				t.Errorf("health: %+v", body)
			}
		}
	})

	t.Run("openapi document", func(t *testing.T) { t.Parallel(); testOpenAPIDocument(t, e) })

	t.Run("unknown routes", func(t *testing.T) {
		t.Parallel()
		for _, key := range []string{"", e.accountKey} {
			c := e.as(t, key)
			c.get("/api/v1/nope").wantError(404, "not_found")
			c.do("PATCH", "/api/v1/apps/x/customers", "{}").wantError(404, "not_found")
			c.post("/api/v1/apps/x/customers/"+strings.Repeat("0", 8), map[string]any{}).wantError(404, "not_found")
			c.get("/api/v1/apps/x/customers/a/b").wantError(404, "not_found")
		}
		// "/" matches no route (/{proxy+} needs a segment): API Gateway answers itself.
		e.as(t, "").get("/").wantGatewayMessage(404, "Not Found")
	})

	t.Run("authentication and reach", func(t *testing.T) { t.Parallel(); testAuth(t, e) })
	t.Run("customers", func(t *testing.T) { t.Parallel(); testCustomers(t, e) })
	t.Run("listing", func(t *testing.T) { t.Parallel(); testListing(t, e) })
	t.Run("licenses", func(t *testing.T) { t.Parallel(); testLicenses(t, e) })
	t.Run("apps", func(t *testing.T) { t.Parallel(); testApps(t, e) })
	t.Run("api keys", func(t *testing.T) { t.Parallel(); testAPIKeys(t, e) })
	t.Run("delete app", func(t *testing.T) { t.Parallel(); testDeleteApp(t, e) })
	t.Run("concurrent writes", func(t *testing.T) { t.Parallel(); testConcurrentWrites(t, e) })
	t.Run("slug reused after the purge", func(t *testing.T) { t.Parallel(); testSlugReuse(t, e) })
	t.Run("lukittu", func(t *testing.T) { t.Parallel(); testLukittu(t, e) })
	t.Run("lago", func(t *testing.T) { t.Parallel(); testLago(t, e) })
	t.Run("one store beneath three dialects", func(t *testing.T) { t.Parallel(); testDialectsShareOneStore(t, e) })
	t.Run("apps made before the shards", func(t *testing.T) { t.Parallel(); testAppsMadeBeforeTheShards(t, e) })
	t.Run("idempotency keys", func(t *testing.T) { t.Parallel(); testIdempotency(t, e) })
	t.Run("lago fields", func(t *testing.T) { t.Parallel(); testLagoFields(t, e) })
	t.Run("lago list filters", func(t *testing.T) { t.Parallel(); testLagoListFilters(t, e) })
	t.Run("lukittu list filters", func(t *testing.T) { t.Parallel(); testLukittuListFilters(t, e) })
}

func testAuth(t *testing.T, e *env) {
	a, b := e.createApp(t, "auth-a"), e.createApp(t, "auth-b")
	cb := e.createCustomer(t, b.secret, b.Slug, map[string]any{"email": "b@example.com"})
	customers := "/api/v1/apps/" + a.Slug + "/customers"

	// No Authorization header: API Gateway answers before any function runs.
	for _, r := range []struct{ method, path string }{
		{"GET", customers}, {"POST", customers}, {"GET", "/api/v1/apps"}, {"DELETE", "/api/v1/apps/" + a.Slug},
	} {
		e.as(t, "").do(r.method, r.path, nil).wantGatewayMessage(401, "Unauthorized")
	}
	// A bad key reaches the function, which answers 401 in the API's format.
	unknown, _ := auth.Generate(auth.Secret)
	for _, header := range []string{"Bearer " + unknown, "Bearer garbage", "Basic dXNlcjpwYXNz", "Bearer"} {
		for _, path := range []string{customers, "/api/v1/apps", "/api/v1/apps/" + a.Slug + "/api-keys"} {
			r := e.as(t, "").do("GET", path, nil, "Authorization", header)
			r.wantError(401, "unauthorized")
		}
	}

	// A publishable key reads, and may not write.
	pk := e.as(t, a.publishable)
	pk.get(customers).want(200)
	pk.post(customers, map[string]any{"email": "p@example.com"}).wantError(403, "forbidden")
	pk.post(customers+"/get-or-create", map[string]any{"email": "p@example.com"}).wantError(403, "forbidden")
	ca := e.createCustomer(t, a.secret, a.Slug, map[string]any{"email": "a@example.com"})
	pk.get(customers + "/" + ca.ID).want(200)
	pk.put(customers+"/"+ca.ID, map[string]any{"name": "x"}).wantError(403, "forbidden")
	pk.del(customers+"/"+ca.ID).wantError(403, "forbidden")
	pk.post("/api/v1/apps/"+a.Slug+"/licenses", map[string]any{"customer_id": ca.ID, "forever": true}).wantError(403, "forbidden")

	// An app key does not see another app: its slug answers exactly as a slug that does
	// not exist.
	missing := e.as(t, e.accountKey).get("/api/v1/apps/no-such-app/customers")
	missing.wantError(404, "not_found")
	for _, path := range []string{
		"/api/v1/apps/" + b.Slug + "/customers",
		"/api/v1/apps/" + b.Slug + "/customers/" + cb.ID,
		"/api/v1/apps/" + b.Slug + "/customers/by-email?email=b@example.com",
	} {
		for _, key := range []string{a.secret, a.publishable} {
			r := e.as(t, key).get(path)
			r.wantError(404, "not_found")
			if !bytes.Equal(r.Body, missing.Body) {
				t.Errorf("GET %s with another app's key: %s, want what a missing app gets: %s", path, r.Body, missing.Body)
			}
		}
	}
	e.as(t, a.secret).post("/api/v1/apps/"+b.Slug+"/customers", map[string]any{"email": "x@example.com"}).wantError(404, "not_found")
	// Another app's ids are not found through one's own slug either.
	e.as(t, a.secret).get(customers+"/"+cb.ID).wantError(404, "not_found")
	e.as(t, a.secret).post("/api/v1/apps/"+a.Slug+"/licenses", map[string]any{"customer_id": cb.ID, "forever": true}).wantError(404, "not_found")
	lb := data[licenseJSON](e.as(t, b.secret).post("/api/v1/apps/"+b.Slug+"/licenses", map[string]any{"customer_id": cb.ID, "forever": true}).want(201))
	e.as(t, a.secret).get("/api/v1/apps/"+a.Slug+"/licenses/"+lb.ID).wantError(404, "not_found")
	e.as(t, a.secret).del("/api/v1/apps/"+a.Slug+"/licenses/"+lb.ID).wantError(404, "not_found")
	e.as(t, a.secret).del(customers+"/"+cb.ID).wantError(404, "not_found")
	e.as(t, b.secret).get("/api/v1/apps/" + b.Slug + "/licenses/" + lb.ID).want(200)

	// Apps and keys are the account key's alone.
	for _, key := range []string{a.secret, a.publishable} {
		c := e.as(t, key)
		c.post("/api/v1/apps", map[string]any{"name": "X", "slug": "x-" + key[:2]}).wantError(403, "forbidden")
		c.get("/api/v1/apps").wantError(403, "forbidden")
		c.get("/api/v1/apps/"+a.Slug).wantError(403, "forbidden")
		c.del("/api/v1/apps/"+a.Slug).wantError(403, "forbidden")
		c.post("/api/v1/apps/"+a.Slug+"/api-keys", map[string]any{"type": "secret"}).wantError(403, "forbidden")
		c.get("/api/v1/apps/"+a.Slug+"/api-keys").wantError(403, "forbidden")
		c.del("/api/v1/apps/"+a.Slug+"/api-keys/key_"+strings.TrimPrefix(a.ID, "app_")).wantError(403, "forbidden")
	}
	e.as(t, e.accountKey).get("/api/v1/apps/" + a.Slug).want(200)
}

func testCustomers(t *testing.T, e *env) {
	app := e.createApp(t, "customers")
	// The account key reaches every app: most calls here use it, the others the app's key.
	acct, sk := e.as(t, e.accountKey), e.as(t, app.secret)
	base := "/api/v1/apps/" + app.Slug + "/customers"

	t.Run("create", func(t *testing.T) {
		before := time.Now().Add(-time.Second)
		c := e.createCustomer(t, e.accountKey, app.Slug, map[string]any{
			"email": "jane@example.com", "name": "Jane Smith", "external_id": "cus_stripe_123",
			"metadata": map[string]any{"company": "Acme Corp", "plan": "annual"},
		})
		wantID(t, c.ID, "cus_")
		if str(c.Email) != "jane@example.com" || str(c.Name) != "Jane Smith" || str(c.ExternalID) != "cus_stripe_123" {
			t.Errorf("created %+v", c)
		}
		var md map[string]string
		if err := json.Unmarshal(c.Metadata, &md); err != nil || md["company"] != "Acme Corp" || md["plan"] != "annual" {
			t.Errorf("metadata %s", c.Metadata)
		}
		if at := wantTime(t, "created_at", c.CreatedAt); at.Before(before) || at.After(time.Now().Add(time.Second)) {
			t.Errorf("created_at %s is not now", c.CreatedAt)
		}
		wantTime(t, "updated_at", c.UpdatedAt)

		// Unique email per app, in any letter case: 409 names the holder.
		p := acct.post(base, map[string]any{"email": "JANE@example.com"}).wantError(409, "conflict", "email")
		if p.ExistingID != c.ID {
			t.Errorf("existing_id %q, want %q", p.ExistingID, c.ID)
		}
		p = sk.post(base, map[string]any{"email": "other@example.com", "external_id": "cus_stripe_123"}).wantError(409, "conflict", "external_id")
		if p.ExistingID != c.ID {
			t.Errorf("existing_id %q, want %q", p.ExistingID, c.ID)
		}
		// The same email in another app is another customer.
		other := e.createApp(t, "customers-other")
		e.createCustomer(t, other.secret, other.Slug, map[string]any{"email": "jane@example.com"})
	})

	t.Run("bad requests", func(t *testing.T) {
		for _, body := range []string{`{"email":`, `[1]`, `"jane@example.com"`, `null`, ``, `{"email":"a@b.co"} trailing`} {
			acct.do("POST", base, body).wantError(400, "bad_request")
		}
		acct.post(base, map[string]any{}).wantError(422, "validation_error", "email")
		acct.post(base, map[string]any{"email": "not-an-email"}).wantError(422, "validation_error", "email")
		p := acct.post(base, map[string]any{"email": "ok@example.com", "name": 5, "metadata": []int{1}}).wantError(422, "validation_error", "name", "metadata")
		if _, ok := p.Details["email"]; ok {
			t.Errorf("a valid email has details: %v", p.Details)
		}
		// Over 1 MiB: the function refuses it (API Gateway's own limit is 10 MB).
		big := `{"email":"big@example.com","name":"` + strings.Repeat("a", 1<<20) + `"}`
		acct.do("POST", base, big).wantError(413, "payload_too_large")
		acct.do("PUT", base+"/cus_"+strings.TrimPrefix(app.ID, "app_"), big).wantError(413, "payload_too_large")
	})

	t.Run("get or create", func(t *testing.T) {
		first := data[customerJSON](acct.post(base+"/get-or-create", map[string]any{"email": "goc@example.com", "name": "First"}).want(201))
		again := data[customerJSON](sk.post(base+"/get-or-create", map[string]any{"email": "GOC@example.com", "name": "Second"}).want(200))
		if again.ID != first.ID || str(again.Name) != "First" {
			t.Errorf("get-or-create returned %+v, want the existing %+v unchanged", again, first)
		}
		acct.post(base+"/get-or-create", map[string]any{"name": "No email"}).wantError(422, "validation_error", "email")
		acct.do("POST", base+"/get-or-create", "{").wantError(400, "bad_request")
	})

	t.Run("lookups", func(t *testing.T) {
		c := e.createCustomer(t, app.secret, app.Slug, map[string]any{"email": "Look.Up@Example.com", "external_id": "ext-look"})
		uuid := strings.TrimPrefix(c.ID, "cus_")
		for _, id := range []string{c.ID, uuid} {
			for _, cl := range []*caller{acct, sk} {
				if got := data[customerJSON](cl.get(base + "/" + id).want(200)); got.ID != c.ID {
					t.Errorf("GET %s: %+v", id, got)
				}
			}
		}
		acct.get(base+"/cus_00000000-0000-4000-8000-000000000000").wantError(404, "not_found")
		acct.get(base+"/cus_garbage").wantError(404, "not_found")

		for _, email := range []string{"Look.Up@Example.com", "look.up@example.com", " look.up@example.com"} {
			got := data[customerJSON](acct.get(base + "/by-email?email=" + url.QueryEscape(email)).want(200))
			if got.ID != c.ID {
				t.Errorf("by-email %q: %+v", email, got)
			}
		}
		sk.get(base+"/by-email?email=nobody@example.com").wantError(404, "not_found")
		sk.get(base+"/by-email").wantError(422, "validation_error", "email")

		got := data[customerJSON](acct.get(base + "/by-external-id?external_id=ext-look").want(200))
		if got.ID != c.ID {
			t.Errorf("by-external-id: %+v", got)
		}
		sk.get(base+"/by-external-id?external_id=ext-none").wantError(404, "not_found")
		sk.get(base+"/by-external-id").wantError(422, "validation_error", "external_id")
	})

	t.Run("update", func(t *testing.T) {
		c := e.createCustomer(t, e.accountKey, app.Slug, map[string]any{
			"email": "up@example.com", "name": "Up", "external_id": "ext-up", "metadata": map[string]any{"k": "v"},
		})
		path := base + "/" + c.ID
		// Only the fields given change.
		got := data[customerJSON](acct.put(path, map[string]any{"name": "Renamed"}).want(200))
		if str(got.Name) != "Renamed" || str(got.Email) != "up@example.com" || str(got.ExternalID) != "ext-up" ||
			string(got.Metadata) != `{"k":"v"}` || got.Version != c.Version+1 || got.CreatedAt != c.CreatedAt {
			t.Errorf("after PUT {name}: %+v (was %+v)", got, c)
		}
		wantTime(t, "updated_at", got.UpdatedAt)
		// An explicit null clears, and frees the external id.
		got = data[customerJSON](sk.put(path, map[string]any{"external_id": nil, "metadata": nil}).want(200))
		if got.ExternalID != nil || string(got.Metadata) != `{}` || str(got.Name) != "Renamed" {
			t.Errorf("after PUT {external_id: null, metadata: null}: %+v", got)
		}
		acct.get(base+"/by-external-id?external_id=ext-up").wantError(404, "not_found")
		e.createCustomer(t, app.secret, app.Slug, map[string]any{"email": "ext-up@example.com", "external_id": "ext-up"})
		// A new email moves its guard: the old one is free, the new one is found.
		got = data[customerJSON](acct.put(path, map[string]any{"email": "moved@example.com"}).want(200))
		if str(got.Email) != "moved@example.com" {
			t.Errorf("email not changed: %+v", got)
		}
		acct.get(base+"/by-email?email=up@example.com").wantError(404, "not_found")
		if found := data[customerJSON](acct.get(base + "/by-email?email=moved@example.com").want(200)); found.ID != c.ID {
			t.Errorf("by-email after the move: %+v", found)
		}
		e.createCustomer(t, app.secret, app.Slug, map[string]any{"email": "up@example.com"})
		// Moving onto a taken email is a conflict naming its holder.
		holder := e.createCustomer(t, app.secret, app.Slug, map[string]any{"email": "taken@example.com"})
		p := acct.put(path, map[string]any{"email": "Taken@example.com"}).wantError(409, "conflict", "email")
		if p.ExistingID != holder.ID {
			t.Errorf("existing_id %q, want %q", p.ExistingID, holder.ID)
		}
		p = acct.put(path, map[string]any{"external_id": "ext-up"}).wantError(409, "conflict", "external_id")
		if p.ExistingID == "" || p.ExistingID == c.ID {
			t.Errorf("existing_id %q, want the holder of ext-up", p.ExistingID)
		}
		acct.put(path, map[string]any{"email": nil}).wantError(422, "validation_error", "email")
		// An empty body changes nothing.
		before := data[customerJSON](acct.get(path).want(200))
		if after := data[customerJSON](acct.put(path, map[string]any{}).want(200)); after.Version != before.Version || after.UpdatedAt != before.UpdatedAt {
			t.Errorf("PUT {}: %+v, was %+v", after, before)
		}
		acct.do("PUT", path, `{"name":`).wantError(400, "bad_request")
		acct.put(base+"/cus_00000000-0000-4000-8000-000000000000", map[string]any{"name": "x"}).wantError(404, "not_found")

		// If-Match makes the write conditional on the customer's version.
		cur := data[customerJSON](acct.get(path).want(200))
		stale := fmt.Sprint(cur.Version - 1)
		acct.do("PUT", path, map[string]any{"name": "Stale"}, "If-Match", stale).wantError(409, "conflict")
		acct.do("PUT", path, map[string]any{"name": "Garbage"}, "If-Match", "abc").wantError(400, "bad_request")
		got = data[customerJSON](acct.do("PUT", path, map[string]any{"name": "Fresh"}, "If-Match", fmt.Sprintf("%q", fmt.Sprint(cur.Version))).want(200))
		if str(got.Name) != "Fresh" || got.Version != cur.Version+1 {
			t.Errorf("PUT with If-Match of the current version: %+v", got)
		}
	})

	t.Run("delete takes the licenses along", func(t *testing.T) {
		c := e.createCustomer(t, e.accountKey, app.Slug, map[string]any{"email": "gone@example.com", "external_id": "ext-gone"})
		lics := "/api/v1/apps/" + app.Slug + "/licenses"
		var ids []string
		for range 2 {
			l := data[licenseJSON](acct.post(lics, map[string]any{"customer_id": c.ID, "forever": true}).want(201))
			ids = append(ids, l.ID)
		}
		acct.del(base + "/" + c.ID).want(204)
		acct.get(base+"/"+c.ID).wantError(404, "not_found")
		for _, id := range ids {
			acct.get(lics+"/"+id).wantError(404, "not_found")
		}
		acct.get(lics+"?customer_id="+c.ID).wantError(404, "not_found")
		acct.del(base+"/"+c.ID).wantError(404, "not_found")
		// Its email and external id are free again.
		e.createCustomer(t, app.secret, app.Slug, map[string]any{"email": "gone@example.com", "external_id": "ext-gone"})
		// A customer without licenses goes too, by its bare id, with the app's key.
		d := e.createCustomer(t, app.secret, app.Slug, map[string]any{"email": "gone2@example.com"})
		sk.del(base + "/" + strings.TrimPrefix(d.ID, "cus_")).want(204)
	})

	t.Run("the total counts what is there", func(t *testing.T) {
		var l customerList
		seen := 0
		q := "?per_page=100"
		for {
			acct.get(base + q).want(200).into(&l)
			seen += len(l.Data)
			if l.Meta.NextCursor == nil {
				break
			}
			q = "?per_page=100&cursor=" + url.QueryEscape(*l.Meta.NextCursor)
		}
		if l.Meta.Total == nil || *l.Meta.Total != int64(seen) {
			t.Errorf("meta.total %v, but the list holds %d customers", mustJSON(l.Meta.Total), seen)
		}
		if a := data[appJSON](acct.get("/api/v1/apps/" + app.Slug).want(200)); a.CustomerCount != int64(seen) {
			t.Errorf("customer_count %d, but the list holds %d customers", a.CustomerCount, seen)
		}
	})
}

func testListing(t *testing.T, e *env) {
	app := e.createApp(t, "listing")
	acct, sk := e.as(t, e.accountKey), e.as(t, app.secret)
	base := "/api/v1/apps/" + app.Slug + "/customers"
	const n = 45
	var (
		mu  sync.Mutex
		all = map[string]bool{}
		wg  sync.WaitGroup
		sem = make(chan struct{}, 8)
	)
	for i := range n {
		domain := "alpha"
		if i%2 == 1 {
			domain = "beta"
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			c := e.createCustomer(t, app.secret, app.Slug, map[string]any{
				"email": fmt.Sprintf("user%02d@%s.example", i, domain), "external_id": fmt.Sprintf("ext-%02d", i),
			})
			mu.Lock()
			all[c.ID] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(all) != n {
		t.Fatalf("created %d customers, want %d", len(all), n)
	}

	list := func(c *caller, query string) customerList {
		t.Helper()
		var l customerList
		c.get(base + query).want(200).into(&l)
		if l.Meta.Total == nil || l.Meta.Page == nil || l.Meta.PerPage == nil {
			t.Fatalf("GET %s: meta %s lacks total, page or per_page", query, mustJSON(l.Meta))
		}
		return l
	}
	wantMeta := func(l customerList, query string, total int64, page, perPage, items int) {
		t.Helper()
		if *l.Meta.Total != total || *l.Meta.Page != page || *l.Meta.PerPage != perPage || len(l.Data) != items {
			t.Errorf("GET %s: %d items, meta %s; want %d items, total %d, page %d, per_page %d",
				query, len(l.Data), mustJSON(l.Meta), items, total, page, perPage)
		}
	}

	t.Run("pages", func(t *testing.T) {
		first := list(acct, "")
		wantMeta(first, "(default)", n, 1, 20, 20)
		if first.Meta.NextCursor == nil {
			t.Error("the first page has no next_cursor")
		}
		seen := map[string]bool{}
		var last time.Time
		for page, items := range map[int]int{1: 20, 2: 20, 3: 5, 4: 0} {
			q := fmt.Sprintf("?page=%d&per_page=20", page)
			l := list(sk, q)
			wantMeta(l, q, n, page, 20, items)
			for _, c := range l.Data {
				if seen[c.ID] {
					t.Errorf("%s repeats %s", q, c.ID)
				}
				seen[c.ID] = true
			}
		}
		if len(seen) != n {
			t.Errorf("pages 1 to 3 hold %d customers, want all %d", len(seen), n)
		}
		// Newest first.
		for i, c := range list(sk, "?per_page=100").Data {
			at := wantTime(t, "created_at", c.CreatedAt)
			if i > 0 && at.After(last) {
				t.Errorf("customer %d (%s) is newer than the one before it", i, c.CreatedAt)
			}
			last = at
		}
		wantMeta(list(sk, "?per_page=100"), "?per_page=100", n, 1, 100, n)
		wantMeta(list(sk, "?per_page=1000"), "?per_page=1000", n, 1, 100, n)
		wantMeta(list(sk, "?per_page=1"), "?per_page=1", n, 1, 1, 1)
		acct.get(base+"?per_page=0").wantError(422, "validation_error", "per_page")
		acct.get(base+"?per_page=abc").wantError(422, "validation_error", "per_page")
		acct.get(base+"?page=0").wantError(422, "validation_error", "page")
		acct.get(base+"?page=-1&per_page=x").wantError(422, "validation_error", "page", "per_page")
		// A page past the data is empty, at any depth.
		wantMeta(list(sk, "?page=1000&per_page=100"), "?page=1000&per_page=100", n, 1000, 100, 0)
	})

	// walk follows next_cursor from the first page to the last and returns every id seen,
	// failing on a repeat.
	walk := func(t *testing.T, filter string, perPage int, wantTotal int64) map[string]customerJSON {
		t.Helper()
		seen := map[string]customerJSON{}
		q := fmt.Sprintf("?per_page=%d%s", perPage, filter)
		for pages := 0; ; pages++ {
			if pages > n {
				t.Fatal("the cursor walk does not end")
			}
			l := list(sk, q)
			if *l.Meta.Total != wantTotal || *l.Meta.PerPage != perPage || len(l.Data) > perPage {
				t.Errorf("GET %s: %d items, meta %s", q, len(l.Data), mustJSON(l.Meta))
			}
			for _, c := range l.Data {
				if _, dup := seen[c.ID]; dup {
					t.Errorf("the walk sees %s twice", c.ID)
				}
				seen[c.ID] = c
			}
			if l.Meta.NextCursor == nil {
				return seen
			}
			q = fmt.Sprintf("?per_page=%d%s&cursor=%s", perPage, filter, url.QueryEscape(*l.Meta.NextCursor))
		}
	}

	t.Run("cursor", func(t *testing.T) {
		seen := walk(t, "", 7, n)
		if len(seen) != n {
			t.Errorf("the walk saw %d customers, want %d", len(seen), n)
		}
		for id := range all {
			if _, ok := seen[id]; !ok {
				t.Errorf("the walk missed %s", id)
			}
		}
		first := list(sk, "?per_page=5")
		cursor := url.QueryEscape(*first.Meta.NextCursor)
		// A cursor is bound to its filter and cannot be forged.
		sk.get(base+"?per_page=5&email=alpha&cursor="+cursor).wantError(400, "bad_request")
		sk.get(base+"?per_page=5&cursor="+cursor+"x").wantError(400, "bad_request")
		sk.get(base+"?cursor=garbage").wantError(400, "bad_request")
		// Nor moved to another app.
		other := e.createApp(t, "listing-other")
		e.createCustomer(t, other.secret, other.Slug, map[string]any{"email": "o@example.com"})
		e.as(t, other.secret).get("/api/v1/apps/"+other.Slug+"/customers?per_page=5&cursor="+cursor).wantError(400, "bad_request")
	})

	t.Run("email filter is a case-insensitive partial match", func(t *testing.T) {
		alpha := walk(t, "&email=ALPHA", 5, 23)
		if len(alpha) != 23 {
			t.Errorf("email=ALPHA: %d customers, want 23", len(alpha))
		}
		for _, c := range alpha {
			if !strings.Contains(str(c.Email), "alpha") {
				t.Errorf("email=ALPHA returned %s", str(c.Email))
			}
		}
		l := list(acct, "?email=user1")
		wantMeta(l, "?email=user1", 10, 1, 20, 10)
		wantMeta(list(acct, "?email=nobody"), "?email=nobody", 0, 1, 20, 0)
		wantMeta(list(acct, "?email=user1&page=2&per_page=4"), "?email=user1&page=2&per_page=4", 10, 2, 4, 4)
	})

	t.Run("external_id filter is exact", func(t *testing.T) {
		l := list(acct, "?external_id=ext-07")
		wantMeta(l, "?external_id=ext-07", 1, 1, 20, 1)
		if len(l.Data) == 1 && str(l.Data[0].ExternalID) != "ext-07" {
			t.Errorf("external_id=ext-07 returned %+v", l.Data[0])
		}
		wantMeta(list(sk, "?external_id=ext-0"), "?external_id=ext-0", 0, 1, 20, 0)
		wantMeta(list(sk, "?external_id=ext-07&email=alpha"), "?external_id=ext-07&email=alpha", 0, 1, 20, 0)
		wantMeta(list(sk, "?external_id=ext-08&email=alpha"), "?external_id=ext-08&email=alpha", 1, 1, 20, 1)
	})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func testLicenses(t *testing.T, e *env) {
	app := e.createApp(t, "licenses")
	acct, pk := e.as(t, e.accountKey), e.as(t, app.publishable)
	base := "/api/v1/apps/" + app.Slug + "/licenses"
	c := e.createCustomer(t, app.secret, app.Slug, map[string]any{"email": "owner@example.com"})
	cuuid := strings.TrimPrefix(c.ID, "cus_")

	expires := time.Now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Second)
	byDate := data[licenseJSON](acct.post(base, map[string]any{"customer_id": c.ID, "expires_at": expires.Format(time.RFC3339)}).want(201))
	wantID(t, byDate.ID, "lic_")
	wantTime(t, "created_at", byDate.CreatedAt)
	if byDate.CustomerID != c.ID || byDate.Status != "active" || str(byDate.ExpiresAt) != expires.Format(time.RFC3339) {
		t.Errorf("license by expires_at: %+v", byDate)
	}
	// Another offset is accepted and rendered in UTC.
	local := expires.In(time.FixedZone("", 2*3600)).Format(time.RFC3339)
	if l := data[licenseJSON](acct.post(base, map[string]any{"customer_id": cuuid, "expires_at": local}).want(201)); str(l.ExpiresAt) != expires.Format(time.RFC3339) {
		t.Errorf("expires_at %s came back as %s, want %s", local, str(l.ExpiresAt), expires.Format(time.RFC3339))
	}
	byDays := data[licenseJSON](e.as(t, app.secret).post(base, map[string]any{"customer_id": cuuid, "duration_days": 30}).want(201))
	if at := wantTime(t, "expires_at", str(byDays.ExpiresAt)); at.Sub(time.Now().AddDate(0, 0, 30)).Abs() > time.Minute {
		t.Errorf("duration_days 30 expires at %s", str(byDays.ExpiresAt))
	}
	if byDays.CustomerID != c.ID {
		t.Errorf("customer_id %q, want %q", byDays.CustomerID, c.ID)
	}
	forever := data[licenseJSON](acct.post(base, map[string]any{"customer_id": c.ID, "forever": true}).want(201))
	if forever.ExpiresAt != nil || forever.Status != "active" {
		t.Errorf("forever license: %+v", forever)
	}

	// Exactly one of expires_at, duration_days, forever.
	for _, body := range []map[string]any{
		{"customer_id": c.ID},
		{"customer_id": c.ID, "forever": false},
		{"customer_id": c.ID, "expires_at": expires.Format(time.RFC3339), "duration_days": 3},
		{"customer_id": c.ID, "forever": true, "duration_days": 3},
		{"customer_id": c.ID, "forever": true, "expires_at": expires.Format(time.RFC3339)},
	} {
		acct.post(base, body).wantError(422, "validation_error", "expires_at")
	}
	acct.post(base, map[string]any{"customer_id": c.ID, "duration_days": 0}).wantError(422, "validation_error", "duration_days")
	acct.post(base, map[string]any{"customer_id": c.ID, "expires_at": "tomorrow"}).wantError(422, "validation_error", "expires_at")
	acct.post(base, map[string]any{"customer_id": c.ID, "expires_at": "2001-01-01T00:00:00Z"}).wantError(422, "validation_error", "expires_at")
	acct.post(base, map[string]any{"forever": true}).wantError(422, "validation_error", "customer_id")
	acct.post(base, map[string]any{"customer_id": "cus_00000000-0000-4000-8000-000000000000", "forever": true}).wantError(404, "not_found")
	acct.do("POST", base, "{").wantError(400, "bad_request")

	// List by customer, by either form of its id, with any key of the app.
	for _, cl := range []*caller{acct, pk} {
		for _, id := range []string{c.ID, cuuid} {
			var l struct {
				Data []licenseJSON `json:"data"`
			}
			cl.get(base + "?customer_id=" + id).want(200).into(&l)
			if len(l.Data) != 4 {
				t.Errorf("licenses of %s: %d, want 4", id, len(l.Data))
			}
			for _, x := range l.Data {
				if x.CustomerID != c.ID {
					t.Errorf("listed %+v", x)
				}
			}
		}
	}
	acct.get(base+"").wantError(422, "validation_error", "customer_id")
	acct.get(base+"?customer_id=cus_00000000-0000-4000-8000-000000000000").wantError(404, "not_found")
	empty := e.createCustomer(t, app.secret, app.Slug, map[string]any{"email": "nolicense@example.com"})
	var none struct {
		Data []licenseJSON `json:"data"`
	}
	acct.get(base + "?customer_id=" + empty.ID).want(200).into(&none)
	if none.Data == nil || len(none.Data) != 0 {
		t.Errorf("licenses of a customer without any: %s, want []", mustJSON(none))
	}

	// Get by either form of its id; delete.
	for _, id := range []string{forever.ID, strings.TrimPrefix(forever.ID, "lic_")} {
		if got := data[licenseJSON](pk.get(base + "/" + id).want(200)); got.ID != forever.ID {
			t.Errorf("GET %s: %+v", id, got)
		}
	}
	acct.get(base+"/lic_00000000-0000-4000-8000-000000000000").wantError(404, "not_found")
	pk.del(base+"/"+forever.ID).wantError(403, "forbidden")
	acct.del(base + "/" + forever.ID).want(204)
	acct.get(base+"/"+forever.ID).wantError(404, "not_found")
	acct.del(base+"/"+forever.ID).wantError(404, "not_found")
	var l struct {
		Data []licenseJSON `json:"data"`
	}
	acct.get(base + "?customer_id=" + c.ID).want(200).into(&l)
	if len(l.Data) != 3 {
		t.Errorf("after a delete: %d licenses, want 3", len(l.Data))
	}
}

func testApps(t *testing.T, e *env) {
	acct := e.as(t, e.accountKey)
	before := time.Now().Add(-time.Second)
	app := data[appJSON](acct.post("/api/v1/apps", map[string]any{"name": "My App", "slug": "my-app", "description": "The demo"}).want(201))
	uuid := wantID(t, app.ID, "app_")
	if app.UUID != uuid || app.Slug != "my-app" || app.Name != "My App" || str(app.Description) != "The demo" ||
		app.Status != "active" || app.CustomerCount != 0 {
		t.Errorf("created %+v", app)
	}
	if at := wantTime(t, "created_at", app.CreatedAt); at.Before(before) {
		t.Errorf("created_at %s", app.CreatedAt)
	}
	acct.post("/api/v1/apps", map[string]any{"name": "Again", "slug": "my-app"}).wantError(409, "conflict", "slug")
	acct.post("/api/v1/apps", map[string]any{"name": "Bad", "slug": "Bad Slug!"}).wantError(422, "validation_error", "slug")
	acct.post("/api/v1/apps", map[string]any{"slug": "no-name"}).wantError(422, "validation_error", "name")
	acct.post("/api/v1/apps", map[string]any{"name": 1, "slug": "typed"}).wantError(422, "validation_error", "name")
	acct.do("POST", "/api/v1/apps", "{").wantError(400, "bad_request")
	acct.do("POST", "/api/v1/apps", `{"name":"Big","slug":"big","description":"`+strings.Repeat("a", 1<<20)+`"}`).wantError(413, "payload_too_large")

	got := data[appJSON](acct.get("/api/v1/apps/my-app").want(200))
	if got.ID != app.ID || got.CreatedAt != app.CreatedAt {
		t.Errorf("GET my-app: %+v, want %+v", got, app)
	}
	e.createCustomer(t, e.accountKey, "my-app", map[string]any{"email": "count@example.com"})
	if got := data[appJSON](acct.get("/api/v1/apps/my-app").want(200)); got.CustomerCount != 1 {
		t.Errorf("customer_count %d after one customer", got.CustomerCount)
	}
	acct.get("/api/v1/apps/no-such-app").wantError(404, "not_found")
	acct.del("/api/v1/apps/no-such-app").wantError(404, "not_found")

	apps := data[[]appJSON](acct.get("/api/v1/apps").want(200))
	found := false
	for _, a := range apps {
		found = found || a.ID == app.ID
		wantID(t, a.ID, "app_")
	}
	if !found {
		t.Errorf("GET /api/v1/apps does not list %s: %s", app.ID, mustJSON(apps))
	}
}

func testAPIKeys(t *testing.T, e *env) {
	app := e.createApp(t, "keys")
	acct := e.as(t, e.accountKey)
	base := "/api/v1/apps/" + app.Slug + "/api-keys"

	made := map[string]keyJSON{}
	for typ, prefix := range map[string]string{"secret": "sk_live_", "publishable": "pk_live_"} {
		k := data[keyJSON](acct.post(base, map[string]any{"type": typ}).want(201))
		wantID(t, k.ID, "key_")
		wantTime(t, "created_at", k.CreatedAt)
		if k.Type != typ || !strings.HasPrefix(str(k.Key), prefix) || !auth.Plausible(str(k.Key)) || !strings.HasPrefix(str(k.Key), strings.TrimSuffix(k.Hint, "…")) {
			t.Errorf("created %s key %+v", typ, k)
		}
		made[typ] = k
	}
	acct.post(base, map[string]any{"type": "account"}).wantError(422, "validation_error", "type")
	acct.post(base, map[string]any{}).wantError(422, "validation_error", "type")
	acct.post("/api/v1/apps/no-such-app/api-keys", map[string]any{"type": "secret"}).wantError(404, "not_found")

	// Listed without their values.
	r := acct.get(base).want(200)
	if bytes.Contains(r.Body, []byte(`"key"`)) || bytes.Contains(r.Body, []byte(str(made["secret"].Key))) {
		t.Errorf("the list shows key values: %s", r.Body)
	}
	listed := data[[]keyJSON](r)
	if len(listed) != 4 { // two from createApp, two here
		t.Errorf("listed %d keys, want 4: %s", len(listed), r.Body)
	}
	ids := map[string]bool{}
	for _, k := range listed {
		ids[k.ID] = true
	}
	for _, k := range made {
		if !ids[k.ID] {
			t.Errorf("key %s is not listed", k.ID)
		}
	}
	acct.get("/api/v1/apps/no-such-app/api-keys").wantError(404, "not_found")

	// Revoking: a key whose answer the authorizer has cached works until ReauthorizeEvery
	// runs out (as in AWS), then gets 401; a key not seen before gets 401 at once.
	used := str(made["secret"].Key)
	customers := "/api/v1/apps/" + app.Slug + "/customers"
	e.as(t, used).get(customers).want(200)
	acct.del(base + "/" + made["secret"].ID).want(204)
	acct.del(base + "/" + made["publishable"].ID).want(204)
	acct.del(base+"/"+made["secret"].ID).wantError(404, "not_found")
	acct.del(base+"/key_garbage").wantError(404, "not_found")
	// Bare ids are accepted back too.
	bare := data[keyJSON](acct.post(base, map[string]any{"type": "publishable"}).want(201))
	acct.del(base + "/" + strings.TrimPrefix(bare.ID, "key_")).want(204)
	e.as(t, str(made["publishable"].Key)).get(customers).wantError(401, "unauthorized")
	e.as(t, used).get(customers).want(200)
	e.clock.Advance(61 * time.Second)
	e.as(t, used).get(customers).wantError(401, "unauthorized")
	if n := len(data[[]keyJSON](acct.get(base).want(200))); n != 2 {
		t.Errorf("%d keys left, want 2", n)
	}
	// The app's other keys still work.
	e.as(t, app.secret).get(customers).want(200)
}

func testDeleteApp(t *testing.T, e *env) {
	doomed, kept := e.createApp(t, "doomed"), e.createApp(t, "kept")
	acct := e.as(t, e.accountKey)
	dc := e.createCustomer(t, doomed.secret, doomed.Slug, map[string]any{"email": "d@example.com", "external_id": "ext-d"})
	kc := e.createCustomer(t, kept.secret, kept.Slug, map[string]any{"email": "d@example.com"})
	dl := data[licenseJSON](acct.post("/api/v1/apps/"+doomed.Slug+"/licenses", map[string]any{"customer_id": dc.ID, "forever": true}).want(201))
	d := "/api/v1/apps/" + doomed.Slug
	// Warm every function's view of the app first (the account key's slug cache, the
	// authorizer's cache of the app's keys).
	for _, key := range []string{e.accountKey, doomed.secret, doomed.publishable} {
		e.as(t, key).get(d + "/customers/" + dc.ID).want(200)
		e.as(t, key).get(d + "/customers").want(200)
	}

	gone := data[appJSON](acct.del(d).want(202))
	if gone.ID != doomed.ID || gone.Status != "deleting" {
		t.Errorf("DELETE answered %+v", gone)
	}
	// At once, nothing of it answers, with any key.
	for _, key := range []string{e.accountKey, doomed.secret, doomed.publishable} {
		c := e.as(t, key)
		for _, path := range []string{
			d + "/customers", d + "/customers/" + dc.ID, d + "/customers/by-email?email=d@example.com",
			d + "/customers/by-external-id?external_id=ext-d", d + "/licenses/" + dl.ID, d + "/licenses?customer_id=" + dc.ID,
		} {
			c.get(path).wantError(404, "not_found")
		}
	}
	sk := e.as(t, doomed.secret)
	sk.post(d+"/customers", map[string]any{"email": "new@example.com"}).wantError(404, "not_found")
	sk.post(d+"/customers/get-or-create", map[string]any{"email": "d@example.com"}).wantError(404, "not_found")
	sk.put(d+"/customers/"+dc.ID, map[string]any{"name": "x"}).wantError(404, "not_found")
	sk.del(d+"/customers/"+dc.ID).wantError(404, "not_found")
	sk.post(d+"/licenses", map[string]any{"customer_id": dc.ID, "forever": true}).wantError(404, "not_found")
	sk.del(d+"/licenses/"+dl.ID).wantError(404, "not_found")
	acct.get(d).wantError(404, "not_found")
	acct.get(d+"/api-keys").wantError(404, "not_found")
	acct.post(d+"/api-keys", map[string]any{"type": "secret"}).wantError(404, "not_found")
	for _, a := range data[[]appJSON](acct.get("/api/v1/apps").want(200)) {
		if a.ID == doomed.ID {
			t.Errorf("GET /api/v1/apps still lists the deleted app: %+v", a)
		}
	}
	// The slug stays taken until the worker has purged the app.
	acct.post("/api/v1/apps", map[string]any{"name": "Again", "slug": doomed.Slug}).wantError(409, "conflict", "slug")
	// The other app is untouched.
	if got := data[customerJSON](e.as(t, kept.secret).get("/api/v1/apps/" + kept.Slug + "/customers/" + kc.ID).want(200)); got.ID != kc.ID {
		t.Errorf("the kept app's customer: %+v", got)
	}
}

// TestTableUnreachable: when DynamoDB fails, health says so (503), the authorizer's failure
// is API Gateway's 500, and no internal error text reaches a client.
func TestTableUnreachable(t *testing.T) {
	tbl := dynamotest.New(t)
	api := templateAPI(t)
	log := slog.New(slog.DiscardHandler)
	depsFor := func(string) routes.Deps {
		return routes.Deps{Store: store.New(tbl.Client, tbl.Name+"-missing"), Log: log}
	}
	gw, err := gateway.New(api, authorizer.New(depsFor("").Store, log).Handle, depsFor, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()
	c := &caller{t: t, url: srv.URL, allow5xx: true}
	r := c.get("/api/health")
	r.wantError(503, "service_unavailable")
	if r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	key, _ := auth.Generate(auth.Secret)
	c.key = key
	r = c.get("/api/v1/apps/x/customers")
	r.wantGatewayMessage(500, "Internal Server Error")
	for _, r := range []*response{c.get("/api/health"), c.get("/api/v1/nope")} {
		if bytes.Contains(r.Body, []byte("missing")) || bytes.Contains(r.Body, []byte("ResourceNotFound")) {
			t.Errorf("%s leaks internal error text: %s", r.req, r.Body)
		}
	}
}

// testConcurrentWrites races writers on one email: one create wins, the others learn who
// holds it; get-or-create answers everyone with the same customer, created once.
func testConcurrentWrites(t *testing.T, e *env) {
	app := e.createApp(t, "races")
	base := "/api/v1/apps/" + app.Slug + "/customers"
	const n = 8
	race := func(path string, body map[string]any) []*response {
		out := make([]*response, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { out[i] = e.as(t, app.secret).post(path, body) })
		}
		wg.Wait()
		return out
	}

	var winner string
	for _, r := range race(base, map[string]any{"email": "race@example.com"}) {
		if r.Status == 201 {
			if winner != "" {
				t.Errorf("two creates of one email won")
			}
			winner = data[customerJSON](r).ID
		}
	}
	if winner == "" {
		t.Fatal("no create won")
	}
	for _, r := range race(base, map[string]any{"email": "RACE@example.com"}) {
		if p := r.wantError(409, "conflict", "email"); p.ExistingID != winner {
			t.Errorf("existing_id %q, want %q", p.ExistingID, winner)
		}
	}

	created, ids := 0, map[string]bool{}
	for _, r := range race(base+"/get-or-create", map[string]any{"email": "goc-race@example.com"}) {
		if r.Status != 200 && r.Status != 201 {
			t.Fatalf("get-or-create: %d %s", r.Status, r.Body)
		}
		if r.Status == 201 {
			created++
		}
		ids[data[customerJSON](r).ID] = true
	}
	if created != 1 || len(ids) != 1 {
		t.Errorf("racing get-or-create: %d created, %d distinct customers; want 1 and 1", created, len(ids))
	}
	var l customerList
	e.as(t, app.secret).get(base).want(200).into(&l)
	if len(l.Data) != 2 || l.Meta.Total == nil || *l.Meta.Total != 2 {
		t.Errorf("after the races: %d customers, meta %s; want 2", len(l.Data), mustJSON(l.Meta))
	}
}

// testSlugReuse deletes an app, runs the purge worker's work, and makes a new app with the
// same slug: every route must reach the new app at once, whatever the functions remember
// of the old one.
func testSlugReuse(t *testing.T, e *env) {
	old := e.createApp(t, "reused")
	acct := e.as(t, e.accountKey)
	base := "/api/v1/apps/" + old.Slug
	c := e.createCustomer(t, e.accountKey, old.Slug, map[string]any{"email": "old@example.com"})
	// Every customer route resolves the slug once with the account key.
	acct.get(base + "/customers").want(200)
	acct.get(base + "/customers/" + c.ID).want(200)
	acct.get(base + "/customers/by-email?email=old@example.com").want(200)

	acct.del(base).want(202)
	if _, err := e.admin.PurgeApp(context.Background(), strings.TrimPrefix(old.ID, "app_")); err != nil {
		t.Fatalf("purge: %v", err)
	}
	// The purge took the app's keys along.
	e.as(t, old.secret).get(base+"/customers").wantError(401, "unauthorized")
	fresh := data[appJSON](acct.post("/api/v1/apps", map[string]any{"name": "Reused", "slug": old.Slug}).want(201))
	if fresh.ID == old.ID {
		t.Fatal("the new app has the old id")
	}
	for _, path := range []string{base + "/customers", base + "/customers/by-email?email=old@example.com"} {
		r := acct.get(path)
		if path == base+"/customers" && r.Status != 200 {
			t.Errorf("GET %s with the account key right after the slug was reused: %d %s, want 200 from the new app", path, r.Status, r.Body)
		}
		if path != base+"/customers" && r.Status != 404 {
			t.Errorf("GET %s: %d %s, want 404 (the new app has no such customer)", path, r.Status, r.Body)
		}
	}
	if r := acct.post(base+"/customers", map[string]any{"email": "new@example.com"}); r.Status != 201 {
		t.Errorf("POST a customer with the account key right after the slug was reused: %d %s, want 201", r.Status, r.Body)
	}
}

// ---- IAM ---------------------------------------------------------------------------------

// iamRecorder records, per function, the DynamoDB IAM actions its calls need (the
// operation, and for TransactWriteItems the action of each item) and the indexes it
// queries, from a middleware on the function's own client.
type iamRecorder struct {
	mu      sync.Mutex
	actions map[string]map[string]bool
	indexes map[string]map[string]bool
}

func newIAMRecorder() *iamRecorder {
	return &iamRecorder{actions: map[string]map[string]bool{}, indexes: map[string]map[string]bool{}}
}

func (r *iamRecorder) option(fn string) func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.APIOptions = append(slices.Clone(o.APIOptions), func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("iamRecorder",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					r.record(fn, awsmiddleware.GetOperationName(ctx), in.Parameters)
					return next.HandleInitialize(ctx, in)
				}), middleware.After)
		})
	}
}

func (r *iamRecorder) record(fn, op string, params any) {
	var actions, indexes []string
	switch p := params.(type) {
	case *dynamodb.TransactWriteItemsInput:
		for _, it := range p.TransactItems {
			switch {
			case it.Put != nil:
				actions = append(actions, "PutItem")
			case it.Update != nil:
				actions = append(actions, "UpdateItem")
			case it.Delete != nil:
				actions = append(actions, "DeleteItem")
			case it.ConditionCheck != nil:
				actions = append(actions, "ConditionCheckItem")
			}
		}
	case *dynamodb.TransactGetItemsInput:
		actions = append(actions, "GetItem")
	case *dynamodb.QueryInput:
		actions = append(actions, op)
		if p.IndexName != nil {
			indexes = append(indexes, aws.ToString(p.IndexName))
		}
	case *dynamodb.ScanInput:
		actions = append(actions, op)
		if p.IndexName != nil {
			indexes = append(indexes, aws.ToString(p.IndexName))
		}
	default:
		actions = append(actions, op)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	add := func(m map[string]map[string]bool, vs []string) {
		if m[fn] == nil {
			m[fn] = map[string]bool{}
		}
		for _, v := range vs {
			m[fn][v] = true
		}
	}
	add(r.actions, actions)
	add(r.indexes, indexes)
}

// check holds what each function called to its declared access: every action and index it
// used must be granted (else it fails with AccessDenied in AWS); and, when the whole test
// ran, every action and index granted must have been used (else the policy grants more than
// the code needs, or a path of the code is untested).
func (r *iamRecorder) check(t *testing.T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	access := routes.EventAccess()
	for _, rt := range routes.All() {
		access[rt.Function] = rt.Access
	}
	var fns []string
	for fn := range access {
		fns = append(fns, fn)
	}
	slices.Sort(fns)
	full := !partialRun()
	for _, fn := range fns {
		if _, http := routes.Find(fn); http != nil && fn != routes.AuthorizerFunction {
			continue // an event function: not behind the gateway
		}
		a := access[fn]
		t.Logf("%s: calls %s; indexes %s", fn, strings.Join(slices.Sorted(maps.Keys(r.actions[fn])), ", "),
			strings.Join(slices.Sorted(maps.Keys(r.indexes[fn])), ", "))
		for act := range r.actions[fn] {
			if !slices.Contains(a.Actions, act) {
				t.Errorf("function %s calls dynamodb:%s, which its policy (routes.Access) does not grant", fn, act)
			}
		}
		for idx := range r.indexes[fn] {
			if !slices.Contains(a.Indexes, idx) {
				t.Errorf("function %s queries index %s, which its policy (routes.Access) does not grant", fn, idx)
			}
		}
		if !full {
			continue
		}
		for _, act := range a.Actions {
			if !r.actions[fn][act] {
				t.Errorf("function %s is granted dynamodb:%s but never called it in the whole run: an over-grant, or a path the tests miss", fn, act)
			}
		}
		for _, idx := range a.Indexes {
			if !r.indexes[fn][idx] {
				t.Errorf("function %s is granted index %s but never queried it in the whole run: an over-grant, or a path the tests miss", fn, idx)
			}
		}
	}
	if !full {
		t.Log("a -run or -skip pattern selects subtests: the check that every granted action is used is skipped")
	}
}

// partialRun reports whether -run or -skip may have left subtests of TestAppsAPI out.
func partialRun() bool {
	if f := flag.Lookup("test.run"); f != nil && strings.Contains(f.Value.String(), "/") {
		return true
	}
	if f := flag.Lookup("test.skip"); f != nil && f.Value.String() != "" {
		return true
	}
	return false
}
