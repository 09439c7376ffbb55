package stackcheck

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/clientele/clientele/docs"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/authorizer"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/dynamotest"
	"github.com/clientele/clientele/internal/ingest"
	"github.com/clientele/clientele/internal/purger"
	"github.com/clientele/clientele/internal/routes"
	"github.com/clientele/clientele/internal/seal"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/tenant"
	"github.com/clientele/clientele/internal/webhook"
)

// The ids the events name (in their paths, query strings and bodies): no table holds them,
// and the store does not let a test choose ids, so the "seeded" runs replace them in the
// payload with the ids of records the test created.
const (
	eventCustomerID = "6f1c2a4e-8b3d-4c5e-9f70-1a2b3c4d5e6f"
	eventLicenseID  = "3e9a7b2c-1d4f-4a8e-b5c6-0f9e8d7c6b5a"
	eventKeyID      = "9d2e4f6a-7b1c-4d3e-8f5a-6b7c8d9e0f1a"
	eventEmail      = "ada@example.com" // of the customer created by create-customer, and looked up
	eventExternalID = "crm-1001"
	// eventTeamID stands for my-app's id (the Lukittu team id, and the app of the Lago
	// events' key): both runs put the real one in its place.
	eventTeamID = "0c4f7a2e-5b6d-4e8f-9a1b-2c3d4e5f6a7b"
)

// The webhook endpoints the events name: a native one, and a Lago one.
const (
	eventEndpointID     = "3d5e7f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f"
	eventLagoEndpointID = "4e6f8a01-2b3c-4d5e-9f6a-7b8c9d0e1f2a"
	eventEndpointURL    = "https://hooks.example.com/clientele" // of create-webhook-endpoint's event
	eventLagoURL        = "https://hooks.example.com/lago"      // of lago-create-webhook-endpoint's
)

// outcome is what a function must answer.
type outcome struct {
	status int
	code   string // the error's code, for a status >= 400
	list   bool   // data is an array
	// data holds fields of data and the prefix their value must start with.
	data map[string]string
}

// httpCase is what one events/<function>.json must get from its function, invoked as it
// is on a table that holds only the app my-app (fresh: the customer, license and key it
// names do not exist, so their routes answer 404 while the routes that list or create
// answer 2xx), and on one that also holds a customer with that email and external id, a
// license of it and an API key, whose ids replace the event's (seeded).
type httpCase struct {
	function      string
	fresh, seeded outcome
}

var (
	created      = func(data map[string]string) outcome { return outcome{status: 201, data: data} }
	found        = func(data map[string]string) outcome { return outcome{status: 200, data: data} }
	list         = outcome{status: 200, list: true}
	noContent    = outcome{status: 204}
	notFound     = outcome{status: 404, code: "not_found"}
	customerData = map[string]string{"id": "cus_", "email": eventEmail, "external_id": eventExternalID}
	licenseData  = map[string]string{"id": "lic_", "customer_id": "cus_"}
)

var httpCases = []httpCase{
	{"create-customer", created(customerData), outcome{status: 409, code: "conflict"}},
	{"get-or-create-customer",
		created(map[string]string{"id": "cus_", "email": "grace@example.com"}),
		created(map[string]string{"email": "grace@example.com"})},
	{"list-customers", list, list},
	{"get-customer", notFound, found(customerData)},
	{"find-customer-by-email", notFound, found(customerData)},
	{"find-customer-by-external-id", notFound, found(customerData)},
	{"update-customer", notFound, found(map[string]string{"id": "cus_", "name": "Ada King"})},
	{"delete-customer", notFound, noContent},
	{"create-license", notFound, created(licenseData)}, // fresh: its customer does not exist
	{"list-licenses", notFound, list},                  // nor here
	{"get-license", notFound, found(licenseData)},
	{"delete-license", notFound, noContent},
	{"create-app", created(map[string]string{"id": "app_", "slug": "my-other-app", "status": "active"}),
		created(map[string]string{"slug": "my-other-app"})},
	{"list-apps", list, list},
	{"get-app", found(map[string]string{"id": "app_", "slug": eventSlug, "status": "active"}),
		found(map[string]string{"slug": eventSlug})},
	{"delete-app", outcome{status: 202, data: map[string]string{"slug": eventSlug, "status": "deleting"}},
		outcome{status: 202, data: map[string]string{"status": "deleting"}}},
	{"create-api-key", created(map[string]string{"id": "key_", "type": "secret", "key": "sk_live_"}),
		created(map[string]string{"type": "secret"})},
	{"list-api-keys", list, list},
	{"delete-api-key", notFound, noContent},
	{"health", found(map[string]string{"status": "ok"}), found(map[string]string{"status": "ok"})},
	{"not-found", notFound, notFound},
	{"openapi", openAPIDocument, openAPIDocument},

	{"lukittu-create-customer", created(map[string]string{"email": "grace@example.com", "fullName": "Grace Hopper"}),
		created(map[string]string{"email": "grace@example.com"})},
	{"lukittu-list-customers", list, list},
	{"lukittu-get-customer", lukittuNotFound, found(map[string]string{"email": eventEmail})},
	{"lukittu-update-customer", lukittuNotFound, found(map[string]string{"email": eventEmail, "fullName": "Ada King"})},
	{"lukittu-delete-customer", lukittuNotFound, found(map[string]string{"deleted": ""})},
	{"lago-upsert-customer",
		found(map[string]string{"external_id": eventExternalID, "name": "Ada King", "country": "GB"}),
		found(map[string]string{"external_id": eventExternalID, "email": eventEmail})},
	{"lago-list-customers", list, list},
	{"lago-get-customer", lagoNotFound, found(map[string]string{"external_id": eventExternalID, "email": eventEmail})},
	{"lago-delete-customer", lagoNotFound, found(map[string]string{"external_id": eventExternalID})},

	// The seeded table holds an endpoint of each event's URL, so that their creates conflict.
	{"create-webhook-endpoint", created(map[string]string{"id": "we_", "format": "apps", "secret": "whsec_"}),
		outcome{status: 409, code: "conflict"}},
	{"list-webhook-endpoints", list, list},
	{"get-webhook-endpoint", notFound, found(map[string]string{"id": "we_", "secret": "whsec_"})},
	{"update-webhook-endpoint", notFound, found(map[string]string{"id": "we_", "url": eventEndpointURL})},
	{"delete-webhook-endpoint", notFound, noContent},
	{"roll-webhook-endpoint-secret", notFound, found(map[string]string{"id": "we_", "secret": "whsec_"})},
	{"get-webhook-signing", found(publicKeyData), found(publicKeyData)},
	{"lago-create-webhook-endpoint",
		found(map[string]string{"lago_id": "", "webhook_url": eventLagoURL, "signature_algo": "hmac"}),
		outcome{status: 422, code: "validation_errors"}},
	{"lago-list-webhook-endpoints", list, list},
	{"lago-get-webhook-endpoint", lagoEndpointNotFound, found(map[string]string{"webhook_url": eventLagoURL})},
	{"lago-update-webhook-endpoint", lagoEndpointNotFound, found(map[string]string{"signature_algo": "jwt"})},
	{"lago-delete-webhook-endpoint", lagoEndpointNotFound, found(map[string]string{"lago_id": ""})},
	{"lago-webhook-public-key", found(nil), found(nil)}, // text: checkLagoBody
	{"lago-webhook-json-public-key", found(map[string]string{"public_key": "LS0t"}),
		found(map[string]string{"public_key": "LS0t"})},
}

var (
	openAPIDocument = outcome{status: 200} // checked by checkOpenAPIBody
	lukittuNotFound = outcome{status: 404, code: "CUSTOMER_NOT_FOUND"}
	lagoNotFound    = outcome{status: 404, code: "customer_not_found"}
	// lagoEndpointNotFound is Lago's 404 of a webhook endpoint.
	lagoEndpointNotFound = outcome{status: 404, code: "webhook_endpoint_not_found"}
	// publicKeyData: Lago's public key is base64 of a PEM, which begins "LS0t" ("---").
	publicKeyData = map[string]string{"lago_hmac_key": "", "lago_public_key": "LS0t"}
)

// recorder is a store.DB that records the IAM actions and indexes its calls need: a
// transaction needs the action of each of its writes.
type recorder struct {
	store.DB
	mu      sync.Mutex
	actions map[string]bool
	indexes map[string]bool
}

func record(db store.DB) *recorder {
	return &recorder{DB: db, actions: map[string]bool{}, indexes: map[string]bool{}}
}

func (r *recorder) add(index *string, actions ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range actions {
		r.actions[a] = true
	}
	if index != nil {
		r.indexes[*index] = true
	}
}

func (r *recorder) used() (actions, indexes []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return sortedKeys(r.actions), sortedKeys(r.indexes)
}

func (r *recorder) GetItem(
	ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options),
) (*dynamodb.GetItemOutput, error) {
	r.add(nil, "GetItem")
	return r.DB.GetItem(ctx, in, optFns...)
}

func (r *recorder) BatchGetItem(
	ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options),
) (*dynamodb.BatchGetItemOutput, error) {
	r.add(nil, "BatchGetItem")
	return r.DB.BatchGetItem(ctx, in, optFns...)
}

func (r *recorder) Query(
	ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options),
) (*dynamodb.QueryOutput, error) {
	r.add(in.IndexName, "Query")
	return r.DB.Query(ctx, in, optFns...)
}

func (r *recorder) BatchWriteItem(
	ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options),
) (*dynamodb.BatchWriteItemOutput, error) {
	r.add(nil, "BatchWriteItem")
	return r.DB.BatchWriteItem(ctx, in, optFns...)
}

func (r *recorder) TransactWriteItems(
	ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options),
) (*dynamodb.TransactWriteItemsOutput, error) {
	for _, it := range in.TransactItems {
		switch {
		case it.Put != nil:
			r.add(nil, "PutItem")
		case it.Update != nil:
			r.add(nil, "UpdateItem")
		case it.Delete != nil:
			r.add(nil, "DeleteItem")
		case it.ConditionCheck != nil:
			r.add(nil, "ConditionCheckItem")
		}
	}
	return r.DB.TransactWriteItems(ctx, in, optFns...)
}

// env is one function's world: a table of its own on DynamoDB Local with the app my-app,
// and the dependencies its main would build, over a store that records what it calls.
type env struct {
	tbl  *dynamotest.Table
	seed *store.Store // not recorded
	rec  *recorder
	deps routes.Deps
	app  tenant.App
}

func newEnv(t *testing.T) *env {
	t.Helper()
	tbl := dynamotest.New(t)
	e := &env{tbl: tbl, seed: store.New(tbl.Client, tbl.Name), rec: record(tbl.Client)}
	e.deps = routes.Deps{Store: store.New(e.rec, tbl.Name), Log: slog.New(slog.NewJSONHandler(t.Output(), nil)),
		Document: docs.OpenAPIJSON, Sealer: eventSealer(t), Webhooks: webhook.Policy{Resolver: publicHosts{}}}
	app, err := e.seed.CreateApp(t.Context(), tenant.App{Slug: eventSlug, Name: "My App"})
	if err != nil {
		t.Fatalf("seed app %s: %v", eventSlug, err)
	}
	e.app = app
	return e
}

// handler returns the function's Lambda handler, built as its functions/<name>/main.go
// builds it.
func (e *env) handler(t *testing.T, function string) lambda.Handler {
	t.Helper()
	switch function {
	case routes.AuthorizerFunction:
		return lambda.NewHandler(authorizer.New(e.deps.Store, e.deps.Log).Handle)
	case routes.PurgeFunction:
		return lambda.NewHandler(purger.New(e.deps.Store, e.deps.Log).Handle)
	case routes.IngestFunction:
		return lambda.NewHandler(ingest.New(e.deps.Store, e.deps.Log).Handle)
	}
	return lambda.NewHandler(httpadapter.NewV2(routes.MustHandler(function, e.deps)).ProxyWithContext)
}

// invoke sends payload to the function as the Lambda runtime would, and checks that the
// function called DynamoDB only within its routes.Access.
func (e *env) invoke(t *testing.T, function string, payload []byte) []byte {
	t.Helper()
	ctx := lambdacontext.NewContext(t.Context(), &lambdacontext.LambdaContext{
		AwsRequestID:       "test-" + function,
		InvokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:clientele-" + function,
	})
	out, err := e.handler(t, function).Invoke(ctx, payload)
	if err != nil {
		t.Fatalf("invoke %s: %v", function, err)
	}
	access := expectedFunctions(t)[function].access
	actions, indexes := e.rec.used()
	for _, a := range actions {
		if !slices.Contains(access.Actions, a) {
			t.Errorf("%s called dynamodb:%s, which its policy (routes' Access %v) does not grant", function, a, access.Actions)
		}
	}
	for _, x := range indexes {
		if !slices.Contains(access.Indexes, x) {
			t.Errorf("%s queried the index %s, which its policy (routes' Access %v) does not grant", function, x, access.Indexes)
		}
	}
	return out
}

// records are what a seeded table holds besides the app.
type records struct{ customerID, licenseID, keyID, endpointID, lagoEndpointID string }

// eventSealer is a local sealer, as `make local` has; the KMS one is tested in awskms.
func eventSealer(t *testing.T) seal.Sealer {
	t.Helper()
	s, err := seal.NewLocal(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// publicHosts resolves every name to a public address, without a query: the events'
// endpoints are registered, never called.
type publicHosts struct{}

func (publicHosts) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, nil
}

// seedRecords creates a customer with the events' email and external id, a license of it
// and a secret key of the app.
func (e *env) seedRecords(t *testing.T) records {
	t.Helper()
	ctx := t.Context()
	c, err := e.seed.CreateCustomer(ctx, e.app.ID, customer.Customer{
		Email:      eventEmail,
		ExternalID: eventExternalID,
		Name:       "Ada Lovelace",
	})
	if err != nil {
		t.Fatalf("seed customer: %v", err)
	}
	l, err := e.seed.CreateLicense(ctx, e.app.ID, customer.License{CustomerID: c.ID})
	if err != nil {
		t.Fatalf("seed license: %v", err)
	}
	secret, hash := auth.Generate(auth.Secret)
	k, err := e.seed.CreateKey(ctx, hash, auth.Key{
		AppID:   e.app.ID,
		AppSlug: e.app.Slug,
		Kind:    auth.Secret,
		Hint:    auth.Hint(secret),
	})
	if err != nil {
		t.Fatalf("seed key: %v", err)
	}
	hooks := e.seed.Webhooks(e.deps.Sealer)
	ep, err := hooks.CreateEndpoint(ctx, e.app.ID, webhook.Endpoint{Format: webhook.Apps, URL: eventEndpointURL})
	if err != nil {
		t.Fatalf("seed endpoint: %v", err)
	}
	lg, err := hooks.CreateEndpoint(ctx, e.app.ID,
		webhook.Endpoint{Format: webhook.Lago, URL: eventLagoURL, Algorithm: webhook.LagoHMAC})
	if err != nil {
		t.Fatalf("seed Lago endpoint: %v", err)
	}
	return records{customerID: c.ID, licenseID: l.ID, keyID: k.ID, endpointID: ep.Endpoint.ID,
		lagoEndpointID: lg.Endpoint.ID}
}

// into puts the records' ids in place of the event's.
func (r records) into(payload []byte) []byte {
	return []byte(strings.NewReplacer(eventCustomerID, r.customerID, eventLicenseID, r.licenseID, eventKeyID, r.keyID,
		eventEndpointID, r.endpointID, eventLagoEndpointID, r.lagoEndpointID).Replace(string(payload)))
}

func readEvent(t *testing.T, function string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(loadProject(t).root, eventsDir, function+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestHTTPEvents invokes every HTTP function's event through the function's real Lambda
// handler (httpadapter over its route's handler) against DynamoDB Local, on a fresh and on
// a seeded table, and checks the status, that the body is JSON in the Apps API's format,
// and that the function called only what its policy grants.
func TestHTTPEvents(t *testing.T) {
	t.Parallel()
	covered := map[string]bool{}
	for _, c := range httpCases {
		covered[c.function] = true
	}
	for _, r := range routes.All() {
		if !covered[r.Function] {
			t.Errorf("no case for events/%s.json", r.Function)
		}
	}
	for _, c := range httpCases {
		t.Run(c.function, func(t *testing.T) {
			t.Parallel()
			for _, run := range []struct {
				name string
				want outcome
				seed bool
			}{{"fresh", c.fresh, false}, {"seeded", c.seeded, true}} {
				t.Run(run.name, func(t *testing.T) {
					t.Parallel()
					e := newEnv(t)
					payload := []byte(strings.ReplaceAll(string(readEvent(t, c.function)), eventTeamID, e.app.ID))
					if run.seed {
						payload = e.seedRecords(t).into(payload)
					}
					out := e.invoke(t, c.function, payload)
					var resp events.APIGatewayV2HTTPResponse
					if err := json.Unmarshal(out, &resp); err != nil {
						t.Fatalf("the response is not an API Gateway v2 response: %v\n%s", err, out)
					}
					if resp.StatusCode != run.want.status {
						t.Errorf("status %d, want %d; body %s", resp.StatusCode, run.want.status, resp.Body)
					}
					switch {
					case c.function == "openapi":
						checkOpenAPIBody(t, resp)
					case strings.HasPrefix(c.function, "lukittu-"):
						checkLukittuBody(t, run.want, resp)
					case strings.HasPrefix(c.function, "lago-"):
						checkLagoBody(t, run.want, resp)
					default:
						checkAppsBody(t, c.function, run.want, resp)
					}
				})
			}
		})
	}
}

// checkOpenAPIBody checks the answer of GET /api/openapi.json: an OpenAPI 3.0 document in
// JSON (internal/appsapi's TestOpenAPIDocument validates it whole, with kin-openapi).
func checkOpenAPIBody(t *testing.T, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	if ct := resp.Headers["Content-Type"]; ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.0.") ||
		len(doc.Paths) == 0 {
		t.Errorf("not an OpenAPI 3.0 document (%v): %.200s", err, resp.Body)
	}
}

// checkLukittuBody checks a body against the Lukittu envelope: {data, result: {timestamp,
// valid, details, code}}, data null and a code on failure.
func checkLukittuBody(t *testing.T, want outcome, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	var body struct {
		Data   json.RawMessage
		Result struct {
			Timestamp, Details, Code string
			Valid                    bool
		}
	}
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body.Result.Timestamp == "" ||
		body.Result.Details == "" {
		t.Fatalf("body %s, want {data, result: {timestamp, valid, details}}", resp.Body)
	}
	if body.Result.Valid != (want.status < 400) {
		t.Errorf("result.valid = %v for status %d", body.Result.Valid, want.status)
	}
	if want.status >= 400 {
		if body.Result.Code != want.code || string(body.Data) != "null" {
			t.Errorf("error code %q data %s, want code %q and null data", body.Result.Code, body.Data, want.code)
		}
		return
	}
	var data map[string]any
	if err := json.Unmarshal(body.Data, &data); err != nil {
		t.Fatalf("data is not an object: %s", body.Data)
	}
	if want.list {
		if _, ok := data["customers"].([]any); !ok {
			t.Errorf("data.customers is not a list: %s", body.Data)
		}
		return
	}
	checkFields(t, data, want.data)
}

// checkLagoBody checks a body against Lago's: {"customer": …} or {"customers": […],
// "meta": …} on success, {status, error, code} on failure.
func checkLagoBody(t *testing.T, want outcome, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	if ct := resp.Headers["Content-Type"]; strings.HasPrefix(ct, "text/plain") && want.status == 200 {
		if !strings.HasPrefix(resp.Body, "LS0t") { // Lago's public key: base64 of a PEM
			t.Errorf("text body %q, want Lago's public key", resp.Body)
		}
		return
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatalf("the body is not a JSON object: %s", resp.Body)
	}
	if want.status >= 400 {
		var e struct {
			Status      int
			Error, Code string
		}
		if err := json.Unmarshal([]byte(resp.Body), &e); err != nil || e.Status != want.status || e.Error == "" ||
			e.Code != want.code {
			t.Errorf("error body %s, want status %d, an error and code %q", resp.Body, want.status, want.code)
		}
		return
	}
	// Lago's bodies hold one resource, or a list of them with meta, under its name.
	var name string
	for k := range body {
		if k != "meta" {
			name = k
		}
	}
	if want.list {
		var list []map[string]any
		if err := json.Unmarshal(body[name], &list); err != nil || body["meta"] == nil || len(body) != 2 {
			t.Errorf("body %s, want a list and meta", resp.Body)
		}
		return
	}
	var c map[string]any
	if err := json.Unmarshal(body[name], &c); err != nil || len(body) != 1 {
		t.Fatalf("body %s, want {\"<resource>\": …}", resp.Body)
	}
	checkFields(t, c, want.data)
}

// checkFields checks that each field's value starts with its prefix ("" only asks for the
// field to be there).
func checkFields(t *testing.T, data map[string]any, want map[string]string) {
	t.Helper()
	for field, prefix := range want {
		v, ok := data[field]
		if s, _ := v.(string); !ok || prefix != "" && !strings.HasPrefix(s, prefix) {
			t.Errorf("%s = %v, want it to start with %q", field, v, prefix)
		}
	}
}

// checkAppsBody checks a response body against the Apps API's format: {"data": …} (and
// "meta" for the customer list) on success, {"error": {code, message}} on failure, nothing
// for 204.
func checkAppsBody(t *testing.T, function string, want outcome, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	if want.status == 204 {
		if resp.Body != "" {
			t.Errorf("204 with a body: %s", resp.Body)
		}
		return
	}
	if ct := resp.Headers["Content-Type"]; !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if resp.IsBase64Encoded {
		t.Fatal("the body is base64-encoded")
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatalf("the body is not a JSON object: %v\n%s", err, resp.Body)
	}
	keys := sortedKeys(body)
	if want.status >= 400 {
		var e struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal([]byte(resp.Body), &e); err != nil || !slices.Equal(keys, []string{"error"}) {
			t.Fatalf("error body %s, want {\"error\": {code, message, …}}", resp.Body)
		}
		if e.Error.Code != want.code || e.Error.Message == "" {
			t.Errorf("error code %q message %q, want code %q and a message", e.Error.Code, e.Error.Message, want.code)
		}
		return
	}
	if !slices.Contains(keys, "data") || len(keys) > 2 || len(keys) == 2 && !slices.Contains(keys, "meta") {
		t.Fatalf("body keys %v, want data (and meta)", keys)
	}
	if want.list {
		var list []map[string]any
		if err := json.Unmarshal(body["data"], &list); err != nil {
			t.Errorf("data is not a list: %s", body["data"])
		}
		if function == "list-customers" {
			var meta map[string]any
			_ = json.Unmarshal(body["meta"], &meta)
			for _, k := range []string{"total", "page", "per_page"} {
				if _, ok := meta[k].(float64); !ok {
					t.Errorf("meta.%s missing or not a number: %s", k, body["meta"])
				}
			}
			if total, _ := meta["total"].(float64); int(total) != len(list) {
				t.Errorf("meta.total %v, want %d (the whole list fits one page)", meta["total"], len(list))
			}
		}
		return
	}
	var data map[string]any
	if err := json.Unmarshal(body["data"], &data); err != nil {
		t.Fatalf("data is not an object: %s", body["data"])
	}
	for field, prefix := range want.data {
		if s, _ := data[field].(string); !strings.HasPrefix(s, prefix) {
			t.Errorf("data.%s = %v, want it to start with %q", field, data[field], prefix)
		}
	}
}

// TestAuthorizerEvent invokes events/authorizer.json through the authorizer's Lambda
// handler. Its key is well formed but unknown, so the request is let through with an empty
// context (the function then answers 401 in its own format), after one read of the table;
// once the key's hash is stored as my-app's secret key, its principal is the context.
func TestAuthorizerEvent(t *testing.T) {
	t.Parallel()
	raw := readEvent(t, routes.AuthorizerFunction)
	var req events.APIGatewayV2CustomAuthorizerV2Request
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	token, _ := auth.BearerToken(req.Headers["authorization"])

	authorize := func(t *testing.T, e *env) events.APIGatewayV2CustomAuthorizerSimpleResponse {
		t.Helper()
		out := e.invoke(t, routes.AuthorizerFunction, raw)
		var resp events.APIGatewayV2CustomAuthorizerSimpleResponse
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatalf("not a simple response: %v\n%s", err, out)
		}
		if actions, _ := e.rec.used(); !slices.Equal(actions, []string{"GetItem"}) {
			t.Errorf("the authorizer called %v, want one key lookup (GetItem)", actions)
		}
		return resp
	}

	t.Run("unknown key", func(t *testing.T) {
		t.Parallel()
		resp := authorize(t, newEnv(t))
		if !resp.IsAuthorized || len(resp.Context) != 0 {
			t.Errorf("got %+v, want isAuthorized true with an empty context", resp)
		}
	})

	t.Run("stored key", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		k, err := e.seed.CreateKey(t.Context(), auth.Hash(token), auth.Key{
			AppID:   e.app.ID,
			AppSlug: e.app.Slug,
			Kind:    auth.Secret,
			Hint:    auth.Hint(token),
		})
		if err != nil {
			t.Fatal(err)
		}
		resp := authorize(t, e)
		want := auth.Principal{KeyID: k.ID, AppID: e.app.ID, AppSlug: eventSlug, Kind: auth.Secret}
		if got, ok := auth.PrincipalFromAuthorizer(resp.Context); !resp.IsAuthorized || !ok || got != want {
			t.Errorf("got %+v, want isAuthorized true with the context of %+v", resp, want)
		}
	})
}

// TestPurgeEvent invokes events/purge-app.json through the purge worker's Lambda handler:
// as it is, it names an app that does not exist, which is no failure; given the id of a
// deleted app with a customer, it leaves that app's partition and slug empty.
func TestPurgeEvent(t *testing.T) {
	t.Parallel()
	raw := readEvent(t, routes.PurgeFunction)
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(raw, &ev); err != nil || len(ev.Records) == 0 {
		t.Fatalf("events/%s.json: %v", routes.PurgeFunction, err)
	}
	eventAppID := ev.Records[0].Change.NewImage["id"].String()

	purge := func(t *testing.T, e *env, payload []byte) {
		t.Helper()
		out := e.invoke(t, routes.PurgeFunction, payload)
		var resp events.DynamoDBEventResponse
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatalf("not a batch response: %v\n%s", err, out)
		}
		if len(resp.BatchItemFailures) != 0 {
			t.Errorf("batch item failures %v, want none", resp.BatchItemFailures)
		}
	}

	t.Run("as is", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		purge(t, e, raw)
		if _, err := e.seed.GetApp(t.Context(), e.app.ID); err != nil {
			t.Errorf("the seeded app, which the event does not name: %v", err)
		}
	})

	t.Run("deleted app", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		ctx := t.Context()
		ada := customer.Customer{Email: "ada@example.com", Name: "Ada"}
		if _, err := e.seed.CreateCustomer(ctx, e.app.ID, ada); err != nil {
			t.Fatal(err)
		}
		if err := e.seed.DeleteApp(ctx, e.app.ID); err != nil {
			t.Fatal(err)
		}
		purge(t, e, []byte(strings.ReplaceAll(string(raw), eventAppID, e.app.ID)))
		if _, err := e.seed.GetApp(ctx, e.app.ID); !errors.Is(err, store.ErrAppNotFound) {
			t.Errorf("app after the purge: %v, want ErrAppNotFound", err)
		}
		if _, err := e.seed.AppIDBySlug(ctx, eventSlug); !errors.Is(err, store.ErrAppNotFound) {
			t.Errorf("slug after the purge: %v, want it free", err)
		}
		out, err := e.tbl.Client.Query(ctx, &dynamodb.QueryInput{
			TableName:              aws.String(e.tbl.Name),
			KeyConditionExpression: aws.String("pk = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": &types.AttributeValueMemberS{Value: "APP#" + e.app.ID},
			},
			ConsistentRead: aws.Bool(true),
		})
		if err != nil {
			t.Fatal(err)
		}
		if out.Count != 0 {
			t.Errorf("%d items left in the app's partition", out.Count)
		}
	})
}

// TestIngestEvent invokes events/ingest-customers.json through the ingestion function's
// Lambda handler, on a table where the customer its delete names exists with a license, then
// again with the upsert changed (an update rather than a create): no message fails, and
// together the runs call exactly what the function's policy grants.
func TestIngestEvent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	gone, err := e.seed.CreateCustomer(ctx, e.app.ID, customer.Customer{Email: "old@example.com", ExternalID: "crm-0999"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.seed.CreateLicense(ctx, e.app.ID, customer.License{CustomerID: gone.ID}); err != nil {
		t.Fatal(err)
	}
	raw := readEvent(t, routes.IngestFunction)
	for _, payload := range [][]byte{raw, []byte(strings.Replace(string(raw), "Jane Doe", "Jane Roe", 1))} {
		var resp events.SQSEventResponse
		if err := json.Unmarshal(e.invoke(t, routes.IngestFunction, payload), &resp); err != nil {
			t.Fatal(err)
		}
		if len(resp.BatchItemFailures) != 0 {
			t.Errorf("batch item failures %v, want none", resp.BatchItemFailures)
		}
	}
	if _, err := e.seed.GetCustomer(ctx, e.app.ID, gone.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the deleted customer: %v, want not found", err)
	}
	jane, err := e.seed.FindByExternalID(ctx, e.app.ID, "crm-1001")
	if err != nil || jane.Name != "Jane Roe" || jane.Version != 2 {
		t.Errorf("the upserted customer: %+v, %v", jane, err)
	}
	actions, _ := e.rec.used()
	if d := diff(actions, routes.EventAccess()[routes.IngestFunction].Actions); d != "" {
		t.Errorf("the calls differ from the policy: %s", d)
	}
}
