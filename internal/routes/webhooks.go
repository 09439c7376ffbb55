package routes

import (
	"fmt"
	"net/http"

	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/web"
)

// sealedRoute is the route of dialect d that serves method and path with h, a method of the
// API that newAPI builds from the function's Deps. A route that seals (Access.KMS) needs a
// Sealer in its Deps: without one its function stops at start, before it serves.
func sealedRoute[API any](
	d Dialect, newAPI func(Deps) API, fn, method, path string, access Access,
	h func(API, *http.Request) (idempotency.Answer, error),
) Route {
	return Route{Function: fn, Method: method, Path: path, Access: access, Dialect: d,
		build: func(deps Deps) web.Handler {
			if len(access.KMS) > 0 && deps.Sealer == nil {
				panic(fmt.Sprintf("routes: %s seals webhook secrets: its Deps have no Sealer", fn))
			}
			api := newAPI(deps)
			return func(r *http.Request) (idempotency.Answer, error) { return h(api, r) }
		}}
}
