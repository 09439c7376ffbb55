package routes

import (
	"slices"

	"github.com/clientele/clientele/internal/appsapi"
	"github.com/clientele/clientele/internal/lago"
	"github.com/clientele/clientele/internal/lukittu"
)

// Each route is one function here, which its main calls alone, so that a function's binary
// links its own handler and not every route's; All lists them for the tests, the local
// gateway and the checks of template.yaml.

// The routes' paths.
const (
	apiApps          = "/api/v1/apps"
	appPath          = apiApps + "/{slug}"
	customersPath    = appPath + "/customers"
	licensesPath     = appPath + "/licenses"
	apiKeysPath      = appPath + "/api-keys"
	endpointsPath    = appPath + "/webhook-endpoints"
	endpointPath     = endpointsPath + "/{id}"
	teamCustomers    = "/api/v1/dev/teams/{teamId}/customers"
	lagoCustomers    = "/api/v1/customers"
	lagoHooksPath    = "/api/v1/webhook_endpoints"
	lagoHookPath     = lagoHooksPath + "/{lago_id}"
	lagoWebhooksPath = "/api/v1/webhooks"
	webhookSigning   = appPath + "/webhook-signing"
)

// All returns every HTTP route.
func All() []Route {
	return slices.Concat([]Route{
		CreateCustomer(), GetOrCreateCustomer(), ListCustomers(), GetCustomer(), FindCustomerByEmail(),
		FindCustomerByExternalID(), UpdateCustomer(), DeleteCustomer(), CreateLicense(), ListLicenses(),
		GetLicense(), DeleteLicense(), CreateApp(), ListApps(), GetApp(), DeleteApp(), CreateAPIKey(),
		ListAPIKeys(), DeleteAPIKey(), Health(), OpenAPI(), NotFound(),
		LukittuCreateCustomer(), LukittuListCustomers(), LukittuGetCustomer(), LukittuUpdateCustomer(),
		LukittuDeleteCustomer(), LagoUpsertCustomer(), LagoListCustomers(), LagoGetCustomer(), LagoDeleteCustomer(),
	}, webhookRoutes())
}

// readOne is the access of a route that reads one item with its app.
func readOne() Access { return act("GetItem", "BatchGetItem") }

// CreateCustomer is POST /api/v1/apps/{slug}/customers.
func CreateCustomer() Route {
	return route(appsDialect(), "create-customer", "POST", customersPath,
		act("ConditionCheckItem", "GetItem", "UpdateItem", "PutItem"), (*appsapi.API).CreateCustomer)
}

// GetOrCreateCustomer is POST /api/v1/apps/{slug}/customers/get-or-create.
func GetOrCreateCustomer() Route {
	return route(appsDialect(), "get-or-create-customer", "POST", customersPath+"/get-or-create",
		act("ConditionCheckItem", "GetItem", "BatchGetItem", "UpdateItem", "PutItem"), (*appsapi.API).GetOrCreateCustomer)
}

// ListCustomers is GET /api/v1/apps/{slug}/customers.
func ListCustomers() Route {
	return route(appsDialect(), "list-customers", "GET", customersPath,
		Access{Actions: []string{"BatchGetItem", "GetItem", "Query"}, Indexes: []string{"gsi3", "gsi4"}},
		(*appsapi.API).ListCustomers)
}

// GetCustomer is GET /api/v1/apps/{slug}/customers/{id}.
func GetCustomer() Route {
	return route(appsDialect(), "get-customer", "GET", customersPath+"/{id}", readOne(), (*appsapi.API).GetCustomer)
}

// FindCustomerByEmail is GET /api/v1/apps/{slug}/customers/by-email.
func FindCustomerByEmail() Route {
	return route(appsDialect(), "find-customer-by-email", "GET", customersPath+"/by-email", readOne(),
		(*appsapi.API).CustomerByEmail)
}

// FindCustomerByExternalID is GET /api/v1/apps/{slug}/customers/by-external-id.
func FindCustomerByExternalID() Route {
	return route(appsDialect(), "find-customer-by-external-id", "GET", customersPath+"/by-external-id", readOne(),
		(*appsapi.API).CustomerByExternalID)
}

// UpdateCustomer is PUT /api/v1/apps/{slug}/customers/{id}.
func UpdateCustomer() Route {
	return route(appsDialect(), "update-customer", "PUT", customersPath+"/{id}",
		act("GetItem", "BatchGetItem", "ConditionCheckItem", "UpdateItem", "PutItem", "DeleteItem"),
		(*appsapi.API).UpdateCustomer)
}

// DeleteCustomer is DELETE /api/v1/apps/{slug}/customers/{id}.
func DeleteCustomer() Route {
	return route(appsDialect(), "delete-customer", "DELETE", customersPath+"/{id}",
		act("GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"), (*appsapi.API).DeleteCustomer)
}

// CreateLicense is POST /api/v1/apps/{slug}/licenses.
func CreateLicense() Route {
	return route(appsDialect(), "create-license", "POST", licensesPath,
		act("GetItem", "BatchGetItem", "ConditionCheckItem", "UpdateItem", "PutItem"), (*appsapi.API).CreateLicense)
}

// ListLicenses is GET /api/v1/apps/{slug}/licenses.
func ListLicenses() Route {
	return route(appsDialect(), "list-licenses", "GET", licensesPath, act("GetItem", "BatchGetItem", "Query"),
		(*appsapi.API).ListLicenses)
}

// GetLicense is GET /api/v1/apps/{slug}/licenses/{id}.
func GetLicense() Route {
	return route(appsDialect(), "get-license", "GET", licensesPath+"/{id}", readOne(), (*appsapi.API).GetLicense)
}

// DeleteLicense is DELETE /api/v1/apps/{slug}/licenses/{id}.
func DeleteLicense() Route {
	return route(appsDialect(), "delete-license", "DELETE", licensesPath+"/{id}",
		act("PutItem", "GetItem", "BatchGetItem", "ConditionCheckItem", "UpdateItem", "DeleteItem"),
		(*appsapi.API).DeleteLicense)
}

// CreateApp is POST /api/v1/apps.
func CreateApp() Route {
	return route(appsDialect(), "create-app", "POST", apiApps, act("PutItem", "ConditionCheckItem"),
		(*appsapi.API).CreateApp)
}

// ListApps is GET /api/v1/apps.
func ListApps() Route {
	return route(appsDialect(), "list-apps", "GET", apiApps,
		Access{Actions: []string{"BatchGetItem", "Query"}, Indexes: []string{"gsi3"}}, (*appsapi.API).ListApps)
}

// GetApp is GET /api/v1/apps/{slug}.
func GetApp() Route {
	return route(appsDialect(), "get-app", "GET", appPath, act("BatchGetItem", "GetItem"), (*appsapi.API).GetApp)
}

// DeleteApp is DELETE /api/v1/apps/{slug}.
func DeleteApp() Route {
	return route(appsDialect(), "delete-app", "DELETE", appPath, act("BatchGetItem", "GetItem", "UpdateItem"),
		(*appsapi.API).DeleteApp)
}

// CreateAPIKey is POST /api/v1/apps/{slug}/api-keys.
func CreateAPIKey() Route {
	return route(appsDialect(), "create-api-key", "POST", apiKeysPath,
		act("BatchGetItem", "GetItem", "ConditionCheckItem", "PutItem"), (*appsapi.API).CreateAPIKey)
}

// ListAPIKeys is GET /api/v1/apps/{slug}/api-keys.
func ListAPIKeys() Route {
	return route(appsDialect(), "list-api-keys", "GET", apiKeysPath, act("BatchGetItem", "GetItem", "Query"),
		(*appsapi.API).ListAPIKeys)
}

// DeleteAPIKey is DELETE /api/v1/apps/{slug}/api-keys/{id}.
func DeleteAPIKey() Route {
	return route(appsDialect(), "delete-api-key", "DELETE", apiKeysPath+"/{id}",
		act("BatchGetItem", "GetItem", "DeleteItem"), (*appsapi.API).DeleteAPIKey)
}

// Health is GET /api/health, without a key.
func Health() Route {
	r := route(appsDialect(), "health", "GET", "/api/health", act("GetItem"), (*appsapi.API).Health)
	r.Public = true
	return r
}

// OpenAPI is GET /api/openapi.json, without a key.
func OpenAPI() Route { return openAPI(appsDialect().Dialect) }

// NotFound is the catch-all.
func NotFound() Route {
	return notFound(appsDialect().Dialect, lukittuDialect().Dialect, lagoDialect().Dialect)
}

// LukittuCreateCustomer is POST /api/v1/dev/teams/{teamId}/customers.
func LukittuCreateCustomer() Route {
	return route(lukittuDialect(), "lukittu-create-customer", "POST", teamCustomers,
		act("ConditionCheckItem", "UpdateItem", "PutItem"), (*lukittu.API).CreateCustomer)
}

// LukittuListCustomers is GET /api/v1/dev/teams/{teamId}/customers.
func LukittuListCustomers() Route {
	return route(lukittuDialect(), "lukittu-list-customers", "GET", teamCustomers,
		Access{Actions: []string{"GetItem", "BatchGetItem", "Query"},
			Indexes: []string{"gsi3", "gsi4", "gsi5", "gsi6", "gsi7", "gsi8"}},
		(*lukittu.API).ListCustomers)
}

// LukittuGetCustomer is GET /api/v1/dev/teams/{teamId}/customers/{customerId}.
func LukittuGetCustomer() Route {
	return route(lukittuDialect(), "lukittu-get-customer", "GET", teamCustomers+"/{customerId}",
		act("BatchGetItem"), (*lukittu.API).GetCustomer)
}

// LukittuUpdateCustomer is PUT /api/v1/dev/teams/{teamId}/customers/{customerId}.
func LukittuUpdateCustomer() Route {
	return route(lukittuDialect(), "lukittu-update-customer", "PUT", teamCustomers+"/{customerId}",
		act("BatchGetItem", "ConditionCheckItem", "UpdateItem", "PutItem", "DeleteItem"), (*lukittu.API).UpdateCustomer)
}

// LukittuDeleteCustomer is DELETE /api/v1/dev/teams/{teamId}/customers/{customerId}.
func LukittuDeleteCustomer() Route {
	return route(lukittuDialect(), "lukittu-delete-customer", "DELETE", teamCustomers+"/{customerId}",
		act("BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"), (*lukittu.API).DeleteCustomer)
}

// LagoUpsertCustomer is POST /api/v1/customers.
func LagoUpsertCustomer() Route {
	return route(lagoDialect(), "lago-upsert-customer", "POST", lagoCustomers,
		act("GetItem", "BatchGetItem", "ConditionCheckItem", "UpdateItem", "PutItem", "DeleteItem"), (*lago.API).Upsert)
}

// LagoListCustomers is GET /api/v1/customers.
func LagoListCustomers() Route {
	return route(lagoDialect(), "lago-list-customers", "GET", lagoCustomers,
		Access{Actions: []string{"BatchGetItem", "GetItem", "Query"}, Indexes: []string{"gsi3", "gsi4"}},
		(*lago.API).List)
}

// LagoGetCustomer is GET /api/v1/customers/{external_id}.
func LagoGetCustomer() Route {
	return route(lagoDialect(), "lago-get-customer", "GET", lagoCustomers+"/{external_id}",
		act("GetItem", "BatchGetItem"), (*lago.API).Get)
}

// LagoDeleteCustomer is DELETE /api/v1/customers/{external_id}.
func LagoDeleteCustomer() Route {
	return route(lagoDialect(), "lago-delete-customer", "DELETE", lagoCustomers+"/{external_id}",
		act("GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"), (*lago.API).Delete)
}

// webhookRoutes are the routes of webhook endpoints and their signing keys: every format's
// in the Apps API (the account key), and Lago's own in the Lago dialect (docs/webhooks.md).
func webhookRoutes() []Route {
	return []Route{
		CreateWebhookEndpoint(), ListWebhookEndpoints(), GetWebhookEndpoint(), UpdateWebhookEndpoint(),
		DeleteWebhookEndpoint(), RollWebhookEndpointSecret(), GetWebhookSigning(),
		LagoCreateWebhookEndpoint(), LagoListWebhookEndpoints(), LagoGetWebhookEndpoint(), LagoUpdateWebhookEndpoint(),
		LagoDeleteWebhookEndpoint(), LagoWebhookPublicKey(), LagoWebhookJSONPublicKey(),
	}
}

func appsWebhooks(d Deps) *appsapi.Webhooks {
	return appsapi.NewWebhooks(d.Store, d.Sealer, d.Webhooks)
}
func lagoWebhooks(d Deps) *lago.Webhooks { return lago.NewWebhooks(d.Store, d.Sealer, d.Webhooks) }

// sealing is a with the KMS actions kms on the key that seals webhook secrets.
func sealing(a Access, kms ...string) Access { a.KMS = kms; return a }

// writeOnShards is the access of a write, whose app made before the shards makes its shard
// first (PutItem, ConditionCheckItem).
func writeOnShards(actions ...string) Access {
	return act(append(actions, "ConditionCheckItem", "PutItem")...)
}

// lagoKeys is the access of a read of an app's Lago keys, which the first one makes.
func lagoKeys() Access { return sealing(writeOnShards("BatchGetItem"), "Encrypt") }

// CreateWebhookEndpoint is POST /api/v1/apps/{slug}/webhook-endpoints.
func CreateWebhookEndpoint() Route {
	return sealedRoute(appsDialect().Dialect, appsWebhooks, "create-webhook-endpoint", "POST", endpointsPath,
		sealing(writeOnShards("GetItem", "BatchGetItem", "UpdateItem"), "Encrypt"), (*appsapi.Webhooks).Create)
}

// ListWebhookEndpoints is GET /api/v1/apps/{slug}/webhook-endpoints.
func ListWebhookEndpoints() Route {
	return sealedRoute(appsDialect().Dialect, appsWebhooks, "list-webhook-endpoints", "GET", endpointsPath,
		act("GetItem", "Query"), (*appsapi.Webhooks).List)
}

// GetWebhookEndpoint is GET /api/v1/apps/{slug}/webhook-endpoints/{id}.
func GetWebhookEndpoint() Route {
	return sealedRoute(appsDialect().Dialect, appsWebhooks, "get-webhook-endpoint", "GET", endpointPath,
		sealing(act("GetItem", "BatchGetItem"), "Decrypt"), (*appsapi.Webhooks).Get)
}

// UpdateWebhookEndpoint is PUT /api/v1/apps/{slug}/webhook-endpoints/{id}.
func UpdateWebhookEndpoint() Route {
	return sealedRoute(appsDialect().Dialect, appsWebhooks, "update-webhook-endpoint", "PUT", endpointPath,
		writeOnShards("GetItem", "BatchGetItem", "DeleteItem"), (*appsapi.Webhooks).Update)
}

// DeleteWebhookEndpoint is DELETE /api/v1/apps/{slug}/webhook-endpoints/{id}.
func DeleteWebhookEndpoint() Route {
	return sealedRoute(appsDialect().Dialect, appsWebhooks, "delete-webhook-endpoint", "DELETE", endpointPath,
		writeOnShards("GetItem", "BatchGetItem", "DeleteItem", "UpdateItem"), (*appsapi.Webhooks).Delete)
}

// RollWebhookEndpointSecret is POST /api/v1/apps/{slug}/webhook-endpoints/{id}/roll-secret.
func RollWebhookEndpointSecret() Route {
	return sealedRoute(appsDialect().Dialect, appsWebhooks, "roll-webhook-endpoint-secret", "POST",
		endpointPath+"/roll-secret", sealing(writeOnShards("GetItem", "BatchGetItem"), "Encrypt", "Decrypt"),
		(*appsapi.Webhooks).RollSecret)
}

// GetWebhookSigning is GET /api/v1/apps/{slug}/webhook-signing.
func GetWebhookSigning() Route {
	return sealedRoute(appsDialect().Dialect, appsWebhooks, "get-webhook-signing", "GET", webhookSigning,
		sealing(writeOnShards("GetItem", "BatchGetItem"), "Encrypt", "Decrypt"), (*appsapi.Webhooks).Signing)
}

// LagoCreateWebhookEndpoint is POST /api/v1/webhook_endpoints.
func LagoCreateWebhookEndpoint() Route {
	return sealedRoute(lagoDialect().Dialect, lagoWebhooks, "lago-create-webhook-endpoint", "POST", lagoHooksPath,
		sealing(writeOnShards("BatchGetItem", "UpdateItem"), "Encrypt"), (*lago.Webhooks).Create)
}

// LagoListWebhookEndpoints is GET /api/v1/webhook_endpoints.
func LagoListWebhookEndpoints() Route {
	return sealedRoute(lagoDialect().Dialect, lagoWebhooks, "lago-list-webhook-endpoints", "GET", lagoHooksPath,
		act("GetItem", "Query"), (*lago.Webhooks).List)
}

// LagoGetWebhookEndpoint is GET /api/v1/webhook_endpoints/{lago_id}.
func LagoGetWebhookEndpoint() Route {
	return sealedRoute(lagoDialect().Dialect, lagoWebhooks, "lago-get-webhook-endpoint", "GET", lagoHookPath,
		act("BatchGetItem"), (*lago.Webhooks).Get)
}

// LagoUpdateWebhookEndpoint is PUT /api/v1/webhook_endpoints/{lago_id}.
func LagoUpdateWebhookEndpoint() Route {
	return sealedRoute(lagoDialect().Dialect, lagoWebhooks, "lago-update-webhook-endpoint", "PUT", lagoHookPath,
		writeOnShards("BatchGetItem", "DeleteItem"), (*lago.Webhooks).Update)
}

// LagoDeleteWebhookEndpoint is DELETE /api/v1/webhook_endpoints/{lago_id}.
func LagoDeleteWebhookEndpoint() Route {
	return sealedRoute(lagoDialect().Dialect, lagoWebhooks, "lago-delete-webhook-endpoint", "DELETE", lagoHookPath,
		writeOnShards("BatchGetItem", "DeleteItem", "UpdateItem"), (*lago.Webhooks).Delete)
}

// LagoWebhookPublicKey is GET /api/v1/webhooks/public_key.
func LagoWebhookPublicKey() Route {
	return sealedRoute(lagoDialect().Dialect, lagoWebhooks, "lago-webhook-public-key", "GET",
		lagoWebhooksPath+"/public_key", lagoKeys(), (*lago.Webhooks).PublicKey)
}

// LagoWebhookJSONPublicKey is GET /api/v1/webhooks/json_public_key.
func LagoWebhookJSONPublicKey() Route {
	return sealedRoute(lagoDialect().Dialect, lagoWebhooks, "lago-webhook-json-public-key", "GET",
		lagoWebhooksPath+"/json_public_key", lagoKeys(), (*lago.Webhooks).JSONPublicKey)
}
