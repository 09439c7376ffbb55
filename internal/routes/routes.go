// Package routes is the one list of Clientele's Lambda functions: for each, its folder under
// functions/, its API Gateway route, the DynamoDB access its IAM policy grants, and how its
// handler is built. functions/<name>/main.go, the local gateway and the tests that hold
// template.yaml to it all read this list.
package routes

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/clientele/clientele/internal/appsapi"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/telemetry"
	"github.com/clientele/clientele/internal/web"
)

// Deps are what handlers are built from, once per Lambda execution environment.
type Deps struct {
	Store    *store.Store
	Log      *slog.Logger
	Document []byte // the OpenAPI document as JSON, for the openapi function
}

// Route is one HTTP function.
type Route struct {
	Function string // folder under functions/
	Method   string // GET, POST, PUT, DELETE, or ANY for the catch-all
	Path     string // API Gateway form: /api/v1/apps/{slug}/customers
	Public   bool   // served without the authorizer
	Access   Access // what its policy grants on the table
	build    func(Deps) http.Handler
}

// Access is a function's DynamoDB access: IAM actions (without the "dynamodb:" prefix) on
// the table, and the indexes it queries.
type Access struct {
	Actions   []string
	Indexes   []string
	PutEvents bool // events:PutEvents on the customer events bus
}

// Pattern is the route as a net/http ServeMux pattern.
func (r Route) Pattern() string {
	if r.Method == "ANY" {
		return "/"
	}
	return r.Method + " " + r.Path
}

// Handler builds the route's handler; its metrics carry the route's Dialect.
func (r Route) Handler(d Deps) http.Handler {
	h := r.build(d)
	dialect := telemetry.Dim{Name: "Dialect", Value: "apps"}
	for _, p := range []string{"lukittu", "lago"} {
		if strings.HasPrefix(r.Function, p+"-") {
			dialect.Value = p
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h.ServeHTTP(w, req.WithContext(telemetry.WithDims(req.Context(), dialect)))
	})
}

// Catch-all route: API Gateway sends every request no other route matches to it.
const (
	CatchAllMethod = "ANY"
	CatchAllPath   = "/{proxy+}"
)

// apps is a route of the Apps API, served by one of appsapi.API's methods.
func apps(fn, method, path string, access Access, h func(*appsapi.API, http.ResponseWriter, *http.Request)) Route {
	r := Route{Function: fn, Method: method, Path: path, Access: access}
	r.build = func(d Deps) http.Handler {
		api := appsapi.New(d.Store)
		return web.Route(r.Pattern(), http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { h(api, w, req) }), d.Log, appsapi.Fail)
	}
	return r
}

func act(actions ...string) Access { return Access{Actions: actions} }

// All returns every HTTP route.
func All() []Route {
	const (
		apiApps   = "/api/v1/apps"
		app       = apiApps + "/{slug}"
		customers = app + "/customers"
		licenses  = app + "/licenses"
		keys      = app + "/api-keys"
	)
	catchAll := Route{Function: "not-found", Method: CatchAllMethod, Path: CatchAllPath, Public: true}
	catchAll.build = func(d Deps) http.Handler {
		return web.Logged(http.HandlerFunc(notFound), "not-found", d.Log, appsapi.Fail)
	}
	return append([]Route{
		apps("create-customer", "POST", customers, act("ConditionCheckItem", "GetItem", "UpdateItem", "PutItem"), (*appsapi.API).CreateCustomer),
		apps("get-or-create-customer", "POST", customers+"/get-or-create", act("ConditionCheckItem", "GetItem", "BatchGetItem", "UpdateItem", "PutItem"), (*appsapi.API).GetOrCreateCustomer),
		apps("list-customers", "GET", customers, Access{Actions: []string{"BatchGetItem", "GetItem", "Query"}, Indexes: []string{"gsi3", "gsi4"}}, (*appsapi.API).ListCustomers),
		apps("get-customer", "GET", customers+"/{id}", act("GetItem", "BatchGetItem"), (*appsapi.API).GetCustomer),
		apps("find-customer-by-email", "GET", customers+"/by-email", act("GetItem", "BatchGetItem"), (*appsapi.API).CustomerByEmail),
		apps("find-customer-by-external-id", "GET", customers+"/by-external-id", act("GetItem", "BatchGetItem"), (*appsapi.API).CustomerByExternalID),
		apps("update-customer", "PUT", customers+"/{id}", act("GetItem", "BatchGetItem", "ConditionCheckItem", "UpdateItem", "PutItem", "DeleteItem"), (*appsapi.API).UpdateCustomer),
		apps("delete-customer", "DELETE", customers+"/{id}", act("GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"), (*appsapi.API).DeleteCustomer),
		apps("create-license", "POST", licenses, act("GetItem", "ConditionCheckItem", "UpdateItem", "PutItem"), (*appsapi.API).CreateLicense),
		apps("list-licenses", "GET", licenses, act("GetItem", "BatchGetItem", "Query"), (*appsapi.API).ListLicenses),
		apps("get-license", "GET", licenses+"/{id}", act("GetItem", "BatchGetItem"), (*appsapi.API).GetLicense),
		apps("delete-license", "DELETE", licenses+"/{id}", act("PutItem", "GetItem", "BatchGetItem", "ConditionCheckItem", "UpdateItem", "DeleteItem"), (*appsapi.API).DeleteLicense),
		apps("create-app", "POST", apiApps, act("PutItem", "ConditionCheckItem"), (*appsapi.API).CreateApp),
		apps("list-apps", "GET", apiApps, Access{Actions: []string{"BatchGetItem", "Query"}, Indexes: []string{"gsi3"}}, (*appsapi.API).ListApps),
		apps("get-app", "GET", app, act("BatchGetItem", "GetItem"), (*appsapi.API).GetApp),
		apps("delete-app", "DELETE", app, act("BatchGetItem", "GetItem", "UpdateItem"), (*appsapi.API).DeleteApp),
		apps("create-api-key", "POST", keys, act("BatchGetItem", "GetItem", "ConditionCheckItem", "PutItem"), (*appsapi.API).CreateAPIKey),
		apps("list-api-keys", "GET", keys, act("BatchGetItem", "GetItem", "Query"), (*appsapi.API).ListAPIKeys),
		apps("delete-api-key", "DELETE", keys+"/{id}", act("BatchGetItem", "GetItem", "DeleteItem"), (*appsapi.API).DeleteAPIKey),
		func() Route {
			r := apps("health", "GET", "/api/health", act("GetItem"), (*appsapi.API).Health)
			r.Public = true
			return r
		}(),
		openAPI(),
		catchAll,
	}, dialectRoutes()...)
}

// openAPI is GET /api/openapi.json, without a key: the OpenAPI document of every route
// (docs/openapi.yaml, served as JSON), which its Deps carry. It reads no table: its main
// builds it with DepsWithoutTable. The document comes in through Deps, not through an
// import here, so that only the functions that serve it link it.
func openAPI() Route {
	r := Route{Function: "openapi", Method: "GET", Path: "/api/openapi.json", Public: true}
	r.build = func(d Deps) http.Handler {
		return web.Route(r.Pattern(), http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if len(d.Document) == 0 {
				appsapi.Fail(w, req, http.StatusInternalServerError)
				return
			}
			w.Header().Set("Cache-Control", "public, max-age=300")
			web.Write(w, idempotency.Answer{Status: http.StatusOK, Header: map[string]string{"Content-Type": "application/json"}, Body: d.Document})
		}), d.Log, appsapi.Fail)
	}
	return r
}

// Event functions, which API Gateway does not route to.
const (
	AuthorizerFunction = "authorizer"
	PurgeFunction      = "purge-app"
	IngestFunction     = "ingest-customers" // SQS: queued customer commands
	PublishFunction    = "publish-changes"  // the table's stream -> EventBridge
)

// EventAccess returns the DynamoDB access of the functions that are not HTTP routes.
func EventAccess() map[string]Access {
	return map[string]Access{
		AuthorizerFunction: act("GetItem"),
		PurgeFunction:      act("GetItem", "Query", "BatchWriteItem", "DeleteItem", "UpdateItem"),
		IngestFunction:     act("GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"),
		PublishFunction:    {PutEvents: true},
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

// MustHandler builds the handler of an HTTP function, for its main; an unknown name is a
// programming error.
func MustHandler(function string, d Deps) http.Handler {
	r, err := Find(function)
	if err != nil {
		panic(err)
	}
	return r.Handler(d)
}
