package routes

import (
	"net/http"
	"strings"

	"github.com/clientele/clientele/internal/appsapi"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/lago"
	"github.com/clientele/clientele/internal/lukittu"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/web"
)

// Dialect is one of the API's wire dialects: its name (the metrics' Dialect dimension), its
// answers to errors, and its answer under its own paths to a request that no route serves.
type Dialect struct {
	Name     string
	Renderer web.Renderer
	NotFound error
	owns     func(path string) bool // for the catch-all: whether a path is this dialect's (nil: none)
}

// dialect is a Dialect with the constructor of its API, whose methods serve its routes.
type dialect[API any] struct {
	Dialect
	api func(*store.Store) API
}

// appsDialect is the native Apps API.
func appsDialect() dialect[*appsapi.API] {
	return dialect[*appsapi.API]{
		Dialect: Dialect{Name: "apps", Renderer: appsapi.Renderer(), NotFound: web.ErrNoRoute},
		api:     appsapi.New,
	}
}

// lukittuDialect is the Lukittu-compatible developer API.
func lukittuDialect() dialect[*lukittu.API] {
	return dialect[*lukittu.API]{
		Dialect: Dialect{Name: "lukittu", Renderer: lukittu.Renderer(), NotFound: lukittu.ErrNoSuchRoute,
			owns: func(p string) bool { return strings.HasPrefix(p, "/api/v1/dev/") }},
		api: lukittu.New,
	}
}

// lagoDialect is the Lago-compatible customers API.
func lagoDialect() dialect[*lago.API] {
	return dialect[*lago.API]{
		Dialect: Dialect{Name: "lago", Renderer: lago.Renderer(), NotFound: web.ErrNoRoute, owns: lagoOwns},
		api:     lago.New,
	}
}

// lagoOwns reports whether a path is under one of the Lago dialect's resources.
func lagoOwns(p string) bool {
	for _, prefix := range []string{"/api/v1/customers", "/api/v1/webhook_endpoints", "/api/v1/webhooks"} {
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			return true
		}
	}
	return false
}

// route is the route of dialect d that serves method and path with h, a method of d's API.
func route[API any](
	d dialect[API], fn, method, path string, access Access, h func(API, *http.Request) (idempotency.Answer, error),
) Route {
	return Route{Function: fn, Method: method, Path: path, Access: access, Dialect: d.Dialect,
		build: func(deps Deps) web.Handler {
			api := d.api(deps.Store)
			return func(r *http.Request) (idempotency.Answer, error) { return h(api, r) }
		}}
}

// notFound is the catch-all: a request that no route serves is answered NotFound in the
// dialect of others that owns its path, else in the native one's.
func notFound(native Dialect, others ...Dialect) Route {
	return Route{Function: "not-found", Method: CatchAllMethod, Path: CatchAllPath, Public: true, Dialect: native,
		build: func(Deps) web.Handler {
			return func(r *http.Request) (idempotency.Answer, error) {
				for _, d := range others {
					if d.owns(r.URL.Path) {
						return d.Renderer.Render(d.NotFound), nil
					}
				}
				return idempotency.Answer{}, native.NotFound
			}
		}}
}

// dialectRoutes are the routes of the Lukittu and Lago dialects.
func dialectRoutes(lk dialect[*lukittu.API], lg dialect[*lago.API]) []Route {
	const (
		team = "/api/v1/dev/teams/{teamId}/customers"
		lgc  = "/api/v1/customers"
	)
	lkList := Access{Actions: []string{"GetItem", "BatchGetItem", "Query"},
		Indexes: []string{"gsi3", "gsi4", "gsi5", "gsi6", "gsi7", "gsi8"}}
	lgList := Access{Actions: []string{"BatchGetItem", "GetItem", "Query"}, Indexes: []string{"gsi3", "gsi4"}}
	return []Route{
		route(lk, "lukittu-create-customer", "POST", team, act("ConditionCheckItem", "UpdateItem", "PutItem"),
			(*lukittu.API).CreateCustomer),
		route(lk, "lukittu-list-customers", "GET", team, lkList, (*lukittu.API).ListCustomers),
		route(lk, "lukittu-get-customer", "GET", team+"/{customerId}", act("BatchGetItem"), (*lukittu.API).GetCustomer),
		route(lk, "lukittu-update-customer", "PUT", team+"/{customerId}",
			act("BatchGetItem", "ConditionCheckItem", "UpdateItem", "PutItem", "DeleteItem"), (*lukittu.API).UpdateCustomer),
		route(lk, "lukittu-delete-customer", "DELETE", team+"/{customerId}",
			act("BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"), (*lukittu.API).DeleteCustomer),
		route(lg, "lago-upsert-customer", "POST", lgc,
			act("GetItem", "BatchGetItem", "ConditionCheckItem", "UpdateItem", "PutItem", "DeleteItem"), (*lago.API).Upsert),
		route(lg, "lago-list-customers", "GET", lgc, lgList, (*lago.API).List),
		route(lg, "lago-get-customer", "GET", lgc+"/{external_id}", act("GetItem", "BatchGetItem"), (*lago.API).Get),
		route(lg, "lago-delete-customer", "DELETE", lgc+"/{external_id}",
			act("GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"), (*lago.API).Delete),
	}
}
