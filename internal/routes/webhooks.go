package routes

import (
	"fmt"
	"net/http"

	"github.com/clientele/clientele/internal/appsapi"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/lago"
	"github.com/clientele/clientele/internal/web"
)

// webhookRoutes are the routes of webhook endpoints and their signing keys: every format's
// in the Apps API (the account key), and Lago's own in the Lago dialect (docs/webhooks.md).
func webhookRoutes(apps, lg Dialect) []Route {
	const (
		endpoints = "/api/v1/apps/{slug}/webhook-endpoints"
		endpoint  = endpoints + "/{id}"
		lagoHooks = "/api/v1/webhook_endpoints"
		lagoHook  = lagoHooks + "/{lago_id}"
	)
	newApps := func(d Deps) *appsapi.Webhooks { return appsapi.NewWebhooks(d.Store, d.Sealer, d.Webhooks) }
	newLago := func(d Deps) *lago.Webhooks { return lago.NewWebhooks(d.Store, d.Sealer, d.Webhooks) }
	sealing := func(a Access, kms ...string) Access { a.KMS = kms; return a }
	// Writes on an app made before the shards make its shard first (PutItem, ConditionCheckItem).
	write := func(actions ...string) Access { return act(append(actions, "ConditionCheckItem", "PutItem")...) }
	// The keys of an app without them are made by the first request that needs them.
	keys := sealing(write("BatchGetItem"), "Encrypt")
	return []Route{
		sealedRoute(apps, newApps, "create-webhook-endpoint", "POST", endpoints,
			sealing(write("GetItem", "BatchGetItem", "UpdateItem"), "Encrypt"), (*appsapi.Webhooks).Create),
		sealedRoute(apps, newApps, "list-webhook-endpoints", "GET", endpoints, act("GetItem", "Query"),
			(*appsapi.Webhooks).List),
		sealedRoute(apps, newApps, "get-webhook-endpoint", "GET", endpoint,
			sealing(act("GetItem", "BatchGetItem"), "Decrypt"), (*appsapi.Webhooks).Get),
		sealedRoute(apps, newApps, "update-webhook-endpoint", "PUT", endpoint,
			write("GetItem", "BatchGetItem", "DeleteItem"), (*appsapi.Webhooks).Update),
		sealedRoute(apps, newApps, "delete-webhook-endpoint", "DELETE", endpoint,
			write("GetItem", "BatchGetItem", "DeleteItem", "UpdateItem"), (*appsapi.Webhooks).Delete),
		sealedRoute(apps, newApps, "roll-webhook-endpoint-secret", "POST", endpoint+"/roll-secret",
			sealing(write("GetItem", "BatchGetItem"), "Encrypt", "Decrypt"), (*appsapi.Webhooks).RollSecret),
		sealedRoute(apps, newApps, "get-webhook-signing", "GET", "/api/v1/apps/{slug}/webhook-signing",
			sealing(write("GetItem", "BatchGetItem"), "Encrypt", "Decrypt"), (*appsapi.Webhooks).Signing),

		sealedRoute(lg, newLago, "lago-create-webhook-endpoint", "POST", lagoHooks,
			sealing(write("BatchGetItem", "UpdateItem"), "Encrypt"), (*lago.Webhooks).Create),
		sealedRoute(lg, newLago, "lago-list-webhook-endpoints", "GET", lagoHooks, act("GetItem", "Query"),
			(*lago.Webhooks).List),
		sealedRoute(lg, newLago, "lago-get-webhook-endpoint", "GET", lagoHook, act("BatchGetItem"),
			(*lago.Webhooks).Get),
		sealedRoute(lg, newLago, "lago-update-webhook-endpoint", "PUT", lagoHook,
			write("BatchGetItem", "DeleteItem"), (*lago.Webhooks).Update),
		sealedRoute(lg, newLago, "lago-delete-webhook-endpoint", "DELETE", lagoHook,
			write("BatchGetItem", "DeleteItem", "UpdateItem"), (*lago.Webhooks).Delete),
		sealedRoute(lg, newLago, "lago-webhook-public-key", "GET", "/api/v1/webhooks/public_key", keys,
			(*lago.Webhooks).PublicKey),
		sealedRoute(lg, newLago, "lago-webhook-json-public-key", "GET", "/api/v1/webhooks/json_public_key", keys,
			(*lago.Webhooks).JSONPublicKey),
	}
}

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
