// Package routes is the one list of Clientele's Lambda functions: for each, its folder under
// functions/, its API Gateway route, the DynamoDB access its IAM policy grants, and how its
// handler is built. functions/<name>/main.go, the local gateway and the tests that hold
// template.yaml to it all read this list.
package routes

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/seal"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/telemetry"
	"github.com/clientele/clientele/internal/web"
	"github.com/clientele/clientele/internal/webhook"
)

// Deps are what handlers are built from, once per Lambda execution environment.
type Deps struct {
	Store    *store.Store
	Log      *slog.Logger
	Document []byte // the OpenAPI document as JSON, for the openapi function
	// Sealer seals webhook secrets, for the routes whose Access grants KMS actions: their
	// main builds it (awskms.MustFromEnv), so that no other function links the KMS client.
	Sealer seal.Sealer
	// Webhooks are the rules of webhook endpoint URLs (webhook.PolicyFromEnv).
	Webhooks webhook.Policy
}

// Route is one HTTP function.
type Route struct {
	Function string  // folder under functions/
	Method   string  // GET, POST, PUT, DELETE, or ANY for the catch-all
	Path     string  // API Gateway form: /api/v1/apps/{slug}/customers
	Public   bool    // served without the authorizer
	Access   Access  // what its policy grants on the table
	Dialect  Dialect // the words of its answers, and its metrics' Dialect dimension
	build    func(Deps) web.Handler
}

// Access is a function's DynamoDB access: IAM actions (without the "dynamodb:" prefix) on
// the table, and the indexes it queries.
type Access struct {
	Actions   []string
	Indexes   []string
	PutEvents bool     // events:PutEvents on the customer events bus
	KMS       []string // KMS actions (without "kms:") on the key that seals webhook secrets
	Enqueue   bool     // sqs:SendMessage on the webhook delivery queue
}

// Pattern is the route as a net/http ServeMux pattern.
func (r Route) Pattern() string {
	if r.Method == CatchAllMethod {
		return "/"
	}
	return r.Method + " " + r.Path
}

// Handler builds the route's handler; its metrics carry the route's Dialect.
func (r Route) Handler(d Deps) http.Handler {
	var h http.Handler
	if r.Method == CatchAllMethod {
		h = web.Serve(r.Function, r.build(d), d.Log, r.Dialect.Renderer)
	} else {
		h = web.Route(r.Pattern(), r.build(d), d.Log, r.Dialect.Renderer)
	}
	dialect := telemetry.Dim{Name: "Dialect", Value: r.Dialect.Name}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h.ServeHTTP(w, req.WithContext(telemetry.WithDims(req.Context(), dialect)))
	})
}

// Catch-all route: API Gateway sends every request no other route matches to it.
const (
	CatchAllMethod = "ANY"
	CatchAllPath   = "/{proxy+}"
)

func act(actions ...string) Access { return Access{Actions: actions} }

// openAPI is GET /api/openapi.json, without a key: the OpenAPI document of every route,
// which Deps carry (see docs/development.md, "How the code answers a request").
func openAPI(apps Dialect) Route {
	return Route{Function: "openapi", Method: "GET", Path: "/api/openapi.json", Public: true, Dialect: apps,
		build: func(d Deps) web.Handler {
			return func(*http.Request) (idempotency.Answer, error) {
				if len(d.Document) == 0 {
					return idempotency.Answer{}, errors.New("routes: Deps has no OpenAPI document")
				}
				header := map[string]string{"Content-Type": "application/json", "Cache-Control": "public, max-age=300"}
				return idempotency.Answer{Status: http.StatusOK, Header: header, Body: d.Document}, nil
			}
		}}
}

// Event functions, which API Gateway does not route to.
const (
	AuthorizerFunction = "authorizer"
	PurgeFunction      = "purge-app"
	IngestFunction     = "ingest-customers" // SQS: queued customer commands
	PublishFunction    = "publish-changes"  // the table's stream -> EventBridge
	DeliverFunction    = "deliver-webhooks" // SQS: change events and retries -> webhook endpoints
)

// EventAccess returns the DynamoDB access of the functions that are not HTTP routes.
func EventAccess() map[string]Access {
	return map[string]Access{
		AuthorizerFunction: act("GetItem"),
		PurgeFunction:      act("GetItem", "Query", "BatchWriteItem", "DeleteItem", "UpdateItem"),
		IngestFunction: act("GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem",
			"ConditionCheckItem"),
		PublishFunction: {PutEvents: true},
		DeliverFunction: {Actions: []string{"GetItem", "Query", "BatchGetItem", "PutItem"}, KMS: []string{"Decrypt"},
			Enqueue: true},
	}
}

// Find returns the HTTP route served by a function.
func Find(function string) (Route, error) {
	for _, r := range All() {
		if r.Function == function {
			return r, nil
		}
	}
	return Route{}, fmt.Errorf("routes: no HTTP function %q", function)
}

// MustHandler builds the handler of an HTTP function by its name, for tests; an unknown name
// is a programming error. Mains call their route's constructor, so each links only its own.
func MustHandler(function string, d Deps) http.Handler {
	r, err := Find(function)
	if err != nil {
		panic(err)
	}
	return r.Handler(d)
}
