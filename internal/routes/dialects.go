package routes

import (
	"net/http"
	"strings"

	"github.com/clientele/clientele/internal/appsapi"
	"github.com/clientele/clientele/internal/lago"
	"github.com/clientele/clientele/internal/lukittu"
	"github.com/clientele/clientele/internal/web"
)

// lukittuRoute is a route of the Lukittu-compatible API.
func lukittuRoute(fn, method, path string, access Access, h func(*lukittu.API, http.ResponseWriter, *http.Request)) Route {
	r := Route{Function: fn, Method: method, Path: path, Access: access}
	r.build = func(d Deps) http.Handler {
		api := lukittu.New(d.Store)
		return web.Route(r.Pattern(), http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { h(api, w, req) }), d.Log, lukittu.Fail)
	}
	return r
}

// lagoRoute is a route of the Lago-compatible API.
func lagoRoute(fn, method, path string, access Access, h func(*lago.API, http.ResponseWriter, *http.Request)) Route {
	r := Route{Function: fn, Method: method, Path: path, Access: access}
	r.build = func(d Deps) http.Handler {
		api := lago.New(d.Store)
		return web.Route(r.Pattern(), http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { h(api, w, req) }), d.Log, lago.Fail)
	}
	return r
}

func dialectRoutes() []Route {
	const (
		teamCustomers = "/api/v1/dev/teams/{teamId}/customers"
		lagoCustomers = "/api/v1/customers"
	)
	return []Route{
		lukittuRoute("lukittu-create-customer", "POST", teamCustomers, act("ConditionCheckItem", "UpdateItem", "PutItem"), (*lukittu.API).CreateCustomer),
		lukittuRoute("lukittu-list-customers", "GET", teamCustomers, Access{Actions: []string{"GetItem", "BatchGetItem", "Query"}, Indexes: []string{"gsi3", "gsi4", "gsi5", "gsi6", "gsi7", "gsi8"}}, (*lukittu.API).ListCustomers),
		lukittuRoute("lukittu-get-customer", "GET", teamCustomers+"/{customerId}", act("BatchGetItem"), (*lukittu.API).GetCustomer),
		lukittuRoute("lukittu-update-customer", "PUT", teamCustomers+"/{customerId}", act("BatchGetItem", "ConditionCheckItem", "UpdateItem", "PutItem", "DeleteItem"), (*lukittu.API).UpdateCustomer),
		lukittuRoute("lukittu-delete-customer", "DELETE", teamCustomers+"/{customerId}", act("BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"), (*lukittu.API).DeleteCustomer),
		lagoRoute("lago-upsert-customer", "POST", lagoCustomers, act("GetItem", "BatchGetItem", "ConditionCheckItem", "UpdateItem", "PutItem", "DeleteItem"), (*lago.API).Upsert),
		lagoRoute("lago-list-customers", "GET", lagoCustomers, Access{Actions: []string{"BatchGetItem", "GetItem", "Query"}, Indexes: []string{"gsi3", "gsi4"}}, (*lago.API).List),
		lagoRoute("lago-get-customer", "GET", lagoCustomers+"/{external_id}", act("GetItem", "BatchGetItem"), (*lago.API).Get),
		lagoRoute("lago-delete-customer", "DELETE", lagoCustomers+"/{external_id}", act("GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"), (*lago.API).Delete),
	}
}

// notFound answers a request no route matches in the dialect its path belongs to.
func notFound(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, "/api/v1/dev/"):
		lukittu.NotFound(w, r)
	case p == "/api/v1/customers" || strings.HasPrefix(p, "/api/v1/customers/"):
		lago.NotFound(w, r)
	default:
		appsapi.NotFound(w, r)
	}
}
