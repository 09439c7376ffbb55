package appsapi_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/apitest"
	"github.com/clientele/clientele/internal/auth"
)

// TestAuthentication: without an Authorization header API Gateway answers 401 before any
// function runs; a bad key reaches the function, which answers 401 in the API's words.
func TestAuthentication(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	a := e.CreateApp(t, "auth")
	customers := "/api/v1/apps/" + a.Slug + "/customers"
	var rows []apitest.Row
	for _, r := range []struct{ method, path string }{
		{"GET", customers}, {"POST", customers}, {"GET", "/api/v1/apps"}, {"DELETE", "/api/v1/apps/" + a.Slug},
	} {
		rows = append(rows, apitest.Row{Name: "no key: " + r.method + " " + r.path, Method: r.method, Path: r.path,
			Status: 401, Check: apitest.GatewayMessage("Unauthorized")})
	}
	unknown, _ := auth.Generate(auth.Secret)
	for _, header := range []string{"Bearer " + unknown, "Bearer garbage", "Basic dXNlcjpwYXNz", "Bearer"} {
		for _, path := range []string{customers, "/api/v1/apps", "/api/v1/apps/" + a.Slug + "/api-keys"} {
			rows = append(rows, apitest.Row{Name: fmt.Sprintf("Authorization %.20q: GET %s", header, path), Method: "GET",
				Path: path, Header: []string{"Authorization", header}, Status: 401, Check: apiError("unauthorized")})
		}
	}
	apitest.Run(t, e, rows)
}

// TestPublishableKeyReadsOnly: a publishable key reads, and every write with it is 403.
func TestPublishableKeyReadsOnly(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	a := e.CreateApp(t, "auth")
	customers := "/api/v1/apps/" + a.Slug + "/customers"
	c := e.CreateCustomer(t, a.Secret, a.Slug, M{"email": "a@example.com"})
	pk, forbidden := a.Publishable, apiError("forbidden")
	apitest.Run(t, e, []apitest.Row{
		{Name: "list", Key: pk, Method: "GET", Path: customers, Status: 200},
		{Name: "get", Key: pk, Method: "GET", Path: customers + "/" + c.ID, Status: 200},
		{Name: "create", Key: pk, Method: "POST", Path: customers, Body: M{"email": "p@example.com"},
			Status: 403, Check: forbidden},
		{Name: "get-or-create", Key: pk, Method: "POST", Path: customers + "/get-or-create",
			Body: M{"email": "p@example.com"}, Status: 403, Check: forbidden},
		{Name: "update", Key: pk, Method: "PUT", Path: customers + "/" + c.ID, Body: M{"name": "x"},
			Status: 403, Check: forbidden},
		{Name: "delete", Key: pk, Method: "DELETE", Path: customers + "/" + c.ID, Status: 403, Check: forbidden},
		{Name: "create a license", Key: pk, Method: "POST", Path: "/api/v1/apps/" + a.Slug + "/licenses",
			Body: M{"customer_id": c.ID, "forever": true}, Status: 403, Check: forbidden},
	})
}

// TestAnotherAppIsNotThere: an app's key does not see another app: its slug answers
// exactly as a slug that does not exist, and its ids are not found through one's own slug.
func TestAnotherAppIsNotThere(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	a, b := e.CreateApp(t, "auth-a"), e.CreateApp(t, "auth-b")
	cb := e.CreateCustomer(t, b.Secret, b.Slug, M{"email": "b@example.com"})
	lb := e.CreateLicense(t, b.Secret, b.Slug, cb.ID)

	missing := e.As(t, e.AccountKey).Get("/api/v1/apps/no-such-app/customers")
	wantError(t, missing, 404, "not_found")
	missingBody := missing.Body
	asMissing := func(t *testing.T, r *apitest.Response) {
		errorOf(t, r, "not_found")
		if !bytes.Equal(r.Body, missingBody) {
			t.Errorf("%s with another app's key: %s, want what a missing app gets: %s", r.Req, r.Body, missingBody)
		}
	}
	var rows []apitest.Row
	for _, path := range []string{
		"/api/v1/apps/" + b.Slug + "/customers",
		"/api/v1/apps/" + b.Slug + "/customers/" + cb.ID,
		"/api/v1/apps/" + b.Slug + "/customers/by-email?email=b@example.com",
	} {
		for _, key := range []struct{ name, key string }{{"secret", a.Secret}, {"publishable", a.Publishable}} {
			rows = append(rows, apitest.Row{Name: "GET " + path + " with a " + key.name + " key", Key: key.key,
				Method: "GET", Path: path, Status: 404, Check: asMissing})
		}
	}
	own, notFound := "/api/v1/apps/"+a.Slug, apiError("not_found")
	apitest.Run(t, e, append(rows, []apitest.Row{
		{Name: "create in the other app", Key: a.Secret, Method: "POST", Path: "/api/v1/apps/" + b.Slug + "/customers",
			Body: M{"email": "x@example.com"}, Status: 404, Check: notFound},
		{Name: "its customer through one's slug", Key: a.Secret, Method: "GET", Path: own + "/customers/" + cb.ID,
			Status: 404, Check: notFound},
		{Name: "a license for its customer", Key: a.Secret, Method: "POST", Path: own + "/licenses",
			Body: M{"customer_id": cb.ID, "forever": true}, Status: 404, Check: notFound},
		{Name: "its license through one's slug", Key: a.Secret, Method: "GET", Path: own + "/licenses/" + lb.ID,
			Status: 404, Check: notFound},
		{Name: "delete its license", Key: a.Secret, Method: "DELETE", Path: own + "/licenses/" + lb.ID,
			Status: 404, Check: notFound},
		{Name: "delete its customer", Key: a.Secret, Method: "DELETE", Path: own + "/customers/" + cb.ID,
			Status: 404, Check: notFound},
		{Name: "the license is still there", Key: b.Secret, Method: "GET",
			Path: "/api/v1/apps/" + b.Slug + "/licenses/" + lb.ID, Status: 200},
	}...))
}

// TestAppsAndKeysAreTheAccountKeys: an app's keys may not make, read or delete apps and keys.
func TestAppsAndKeysAreTheAccountKeys(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	a := e.CreateApp(t, "auth")
	app, forbidden := "/api/v1/apps/"+a.Slug, apiError("forbidden")
	for _, key := range []struct{ name, key string }{{"secret", a.Secret}, {"publishable", a.Publishable}} {
		t.Run("a "+key.name+" key", func(t *testing.T) {
			k := key.key
			apitest.Run(t, e, []apitest.Row{
				{Name: "create an app", Key: k, Method: "POST", Path: "/api/v1/apps",
					Body: M{"name": "X", "slug": "x-" + k[:2]}, Status: 403, Check: forbidden},
				{Name: "list apps", Key: k, Method: "GET", Path: "/api/v1/apps", Status: 403, Check: forbidden},
				{Name: "get its app", Key: k, Method: "GET", Path: app, Status: 403, Check: forbidden},
				{Name: "delete its app", Key: k, Method: "DELETE", Path: app, Status: 403, Check: forbidden},
				{Name: "create a key", Key: k, Method: "POST", Path: app + "/api-keys", Body: M{"type": "secret"},
					Status: 403, Check: forbidden},
				{Name: "list keys", Key: k, Method: "GET", Path: app + "/api-keys", Status: 403, Check: forbidden},
				{Name: "delete a key", Key: k, Method: "DELETE",
					Path: app + "/api-keys/key_" + strings.TrimPrefix(a.ID, "app_"), Status: 403, Check: forbidden},
			})
		})
	}
	e.As(t, e.AccountKey).Get(app).Want(200)
}
