package appsapi_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apitest"
	"github.com/clientele/clientele/internal/auth"
)

// appCount is a Row's check of an app's customer_count.
func appCount(n int64) func(*testing.T, *apitest.Response) {
	return func(t *testing.T, r *apitest.Response) {
		t.Helper()
		if got := apitest.Data[apitest.App](r); got.CustomerCount != n {
			t.Errorf("customer_count %d, want %d", got.CustomerCount, n)
		}
	}
}

func TestApps(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	acct := e.AccountKey
	before := time.Now().Add(-time.Second)
	app := apitest.Data[apitest.App](e.As(t, acct).Post("/api/v1/apps",
		M{"name": "My App", "slug": "my-app", "description": "The demo"}).Want(201))
	uuid := wantID(t, app.ID, "app_")
	if app.UUID != uuid || app.Slug != "my-app" || app.Name != "My App" || str(app.Description) != "The demo" ||
		app.Status != "active" || app.CustomerCount != 0 {
		t.Errorf("created %+v", app)
	}
	if at := wantTime(t, "created_at", app.CreatedAt); at.Before(before) {
		t.Errorf("created_at %s", app.CreatedAt)
	}
	big := `{"name":"Big","slug":"big","description":"` + strings.Repeat("a", 1<<20) + `"}`
	apitest.Run(t, e, []apitest.Row{
		{Name: "a slug taken", Key: acct, Method: "POST", Path: "/api/v1/apps", Body: M{"name": "Again", "slug": "my-app"},
			Status: 409, Check: apiError("conflict", "slug")},
		{Name: "a bad slug", Key: acct, Method: "POST", Path: "/api/v1/apps", Body: M{"name": "Bad", "slug": "Bad Slug!"},
			Status: 422, Check: apiError("validation_error", "slug")},
		{Name: "no name", Key: acct, Method: "POST", Path: "/api/v1/apps", Body: M{"slug": "no-name"},
			Status: 422, Check: apiError("validation_error", "name")},
		{Name: "a name that is no string", Key: acct, Method: "POST", Path: "/api/v1/apps",
			Body: M{"name": 1, "slug": "typed"}, Status: 422, Check: apiError("validation_error", "name")},
		{Name: "a bad body", Key: acct, Method: "POST", Path: "/api/v1/apps", Body: "{", Status: 400,
			Check: apiError("bad_request")},
		{Name: "a body over 1 MiB", Key: acct, Method: "POST", Path: "/api/v1/apps", Body: big, Status: 413,
			Check: apiError("payload_too_large")},
		{Name: "get", Key: acct, Method: "GET", Path: "/api/v1/apps/my-app", Status: 200,
			Check: func(t *testing.T, r *apitest.Response) {
				if got := apitest.Data[apitest.App](r); got.ID != app.ID || got.CreatedAt != app.CreatedAt {
					t.Errorf("GET my-app: %+v, want %+v", got, app)
				}
			}},
		{Name: "a customer", Key: acct, Method: "POST", Path: "/api/v1/apps/my-app/customers",
			Body: M{"email": "count@example.com"}, Status: 201},
		{Name: "customer_count counts it", Key: acct, Method: "GET", Path: "/api/v1/apps/my-app", Status: 200,
			Check: appCount(1)},
		{Name: "get an app that is not there", Key: acct, Method: "GET", Path: "/api/v1/apps/no-such-app",
			Status: 404, Check: apiError("not_found")},
		{Name: "delete an app that is not there", Key: acct, Method: "DELETE", Path: "/api/v1/apps/no-such-app",
			Status: 404, Check: apiError("not_found")},
		{Name: "list", Key: acct, Method: "GET", Path: "/api/v1/apps", Status: 200,
			Check: func(t *testing.T, r *apitest.Response) {
				found := false
				for _, a := range apitest.Data[[]apitest.App](r) {
					found = found || a.ID == app.ID
					wantID(t, a.ID, "app_")
				}
				if !found {
					t.Errorf("GET /api/v1/apps does not list %s: %s", app.ID, r.Body)
				}
			}},
	})
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "keys")
	acct := e.As(t, e.AccountKey)
	base := "/api/v1/apps/" + app.Slug + "/api-keys"
	customers := "/api/v1/apps/" + app.Slug + "/customers"

	made := map[string]keyJSON{}
	for typ, prefix := range map[string]string{"secret": "sk_live_", "publishable": "pk_live_"} {
		k := apitest.Data[keyJSON](acct.Post(base, M{"type": typ}).Want(201))
		wantID(t, k.ID, "key_")
		wantTime(t, "created_at", k.CreatedAt)
		key := str(k.Key)
		if k.Type != typ || !strings.HasPrefix(key, prefix) || !auth.Plausible(key) ||
			!strings.HasPrefix(key, strings.TrimSuffix(k.Hint, "…")) {
			t.Errorf("created %s key %+v", typ, k)
		}
		made[typ] = k
	}
	t.Run("made and listed", func(t *testing.T) {
		apitest.Run(t, e, []apitest.Row{
			{Name: "an account key is not an app's", Key: e.AccountKey, Method: "POST", Path: base,
				Body: M{"type": "account"}, Status: 422, Check: apiError("validation_error", "type")},
			{Name: "no type", Key: e.AccountKey, Method: "POST", Path: base, Body: M{}, Status: 422,
				Check: apiError("validation_error", "type")},
			{Name: "for an app that is not there", Key: e.AccountKey, Method: "POST",
				Path: "/api/v1/apps/no-such-app/api-keys", Body: M{"type": "secret"}, Status: 404,
				Check: apiError("not_found")},
			{Name: "listed without their values", Key: e.AccountKey, Method: "GET", Path: base, Status: 200,
				Check: func(t *testing.T, r *apitest.Response) {
					if bytes.Contains(r.Body, []byte(`"key"`)) || bytes.Contains(r.Body, []byte(str(made["secret"].Key))) {
						t.Errorf("the list shows key values: %s", r.Body)
					}
					listed := apitest.Data[[]keyJSON](r)
					if len(listed) != 4 { // two from CreateApp, two here
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
				}},
			{Name: "the keys of an app that is not there", Key: e.AccountKey, Method: "GET",
				Path: "/api/v1/apps/no-such-app/api-keys", Status: 404, Check: apiError("not_found")},
		})
	})

	// A key whose answer the authorizer has cached works until ReauthorizeEvery runs out (as
	// in AWS), then gets 401; a key not seen before gets 401 at once.
	t.Run("revoked", func(t *testing.T) {
		used := str(made["secret"].Key)
		e.As(t, used).Get(customers).Want(200)
		bare := apitest.Data[keyJSON](acct.Post(base, M{"type": "publishable"}).Want(201))
		apitest.Run(t, e, []apitest.Row{
			{Name: "delete a secret key", Key: e.AccountKey, Method: "DELETE", Path: base + "/" + made["secret"].ID,
				Status: 204},
			{Name: "delete a publishable key", Key: e.AccountKey, Method: "DELETE", Path: base + "/" + made["publishable"].ID,
				Status: 204},
			{Name: "a second delete", Key: e.AccountKey, Method: "DELETE", Path: base + "/" + made["secret"].ID, Status: 404,
				Check: apiError("not_found")},
			{Name: "delete a key that is no key", Key: e.AccountKey, Method: "DELETE", Path: base + "/key_garbage", Status: 404,
				Check: apiError("not_found")},
			{Name: "delete by a bare id", Key: e.AccountKey, Method: "DELETE",
				Path: base + "/" + strings.TrimPrefix(bare.ID, "key_"), Status: 204},
			{Name: "a revoked key not seen before", Key: str(made["publishable"].Key), Method: "GET", Path: customers,
				Status: 401, Check: apiError("unauthorized")},
			{Name: "a revoked key in the authorizer's cache", Key: used, Method: "GET", Path: customers, Status: 200},
		})
		e.Clock.Advance(61 * time.Second)
		apitest.Run(t, e, []apitest.Row{
			{Name: "the revoked key once the cache ran out", Key: used, Method: "GET", Path: customers, Status: 401,
				Check: apiError("unauthorized")},
			{Name: "two keys left", Key: e.AccountKey, Method: "GET", Path: base, Status: 200,
				Check: func(t *testing.T, r *apitest.Response) {
					if n := len(apitest.Data[[]keyJSON](r)); n != 2 {
						t.Errorf("%d keys left, want 2", n)
					}
				}},
			{Name: "the app's other keys still work", Key: app.Secret, Method: "GET", Path: customers, Status: 200},
		})
	})
}

func TestDeleteApp(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	doomed, kept := e.CreateApp(t, "doomed"), e.CreateApp(t, "kept")
	acct := e.AccountKey
	dc := e.CreateCustomer(t, doomed.Secret, doomed.Slug, M{"email": "d@example.com", "external_id": "ext-d"})
	kc := e.CreateCustomer(t, kept.Secret, kept.Slug, M{"email": "d@example.com"})
	dl := e.CreateLicense(t, acct, doomed.Slug, dc.ID)
	d := "/api/v1/apps/" + doomed.Slug
	// Warm every function's view of the app first (the account key's slug cache, the
	// authorizer's cache of the app's keys).
	for _, key := range []string{acct, doomed.Secret, doomed.Publishable} {
		e.As(t, key).Get(d + "/customers/" + dc.ID).Want(200)
		e.As(t, key).Get(d + "/customers").Want(200)
	}
	gone := apitest.Data[apitest.App](e.As(t, acct).Delete(d).Want(202))
	if gone.ID != doomed.ID || gone.Status != "deleting" {
		t.Errorf("DELETE answered %+v", gone)
	}

	t.Run("at once, nothing of it answers, with any key", func(t *testing.T) {
		var rows []apitest.Row
		for _, key := range []struct{ name, key string }{
			{"account", acct}, {"secret", doomed.Secret}, {"publishable", doomed.Publishable},
		} {
			for _, path := range []string{
				d + "/customers", d + "/customers/" + dc.ID, d + "/customers/by-email?email=d@example.com",
				d + "/customers/by-external-id?external_id=ext-d", d + "/licenses/" + dl.ID,
				d + "/licenses?customer_id=" + dc.ID,
			} {
				rows = append(rows, apitest.Row{Name: "GET " + path + " with the " + key.name + " key", Key: key.key,
					Method: "GET", Path: path, Status: 404, Check: apiError("not_found")})
			}
		}
		sk, notFound := doomed.Secret, apiError("not_found")
		apitest.Run(t, e, append(rows, []apitest.Row{
			{Name: "create", Key: sk, Method: "POST", Path: d + "/customers", Body: M{"email": "new@example.com"},
				Status: 404, Check: notFound},
			{Name: "get-or-create", Key: sk, Method: "POST", Path: d + "/customers/get-or-create",
				Body: M{"email": "d@example.com"}, Status: 404, Check: notFound},
			{Name: "update", Key: sk, Method: "PUT", Path: d + "/customers/" + dc.ID, Body: M{"name": "x"}, Status: 404,
				Check: notFound},
			{Name: "delete", Key: sk, Method: "DELETE", Path: d + "/customers/" + dc.ID, Status: 404, Check: notFound},
			{Name: "create a license", Key: sk, Method: "POST", Path: d + "/licenses",
				Body: M{"customer_id": dc.ID, "forever": true}, Status: 404, Check: notFound},
			{Name: "delete a license", Key: sk, Method: "DELETE", Path: d + "/licenses/" + dl.ID, Status: 404,
				Check: notFound},
			{Name: "get the app", Key: acct, Method: "GET", Path: d, Status: 404, Check: notFound},
			{Name: "list its keys", Key: acct, Method: "GET", Path: d + "/api-keys", Status: 404, Check: notFound},
			{Name: "make a key", Key: acct, Method: "POST", Path: d + "/api-keys", Body: M{"type": "secret"},
				Status: 404, Check: notFound},
			{Name: "not listed", Key: acct, Method: "GET", Path: "/api/v1/apps", Status: 200,
				Check: func(t *testing.T, r *apitest.Response) {
					for _, a := range apitest.Data[[]apitest.App](r) {
						if a.ID == doomed.ID {
							t.Errorf("GET /api/v1/apps still lists the deleted app: %+v", a)
						}
					}
				}},
			{Name: "the slug stays taken until the worker has purged the app", Key: acct, Method: "POST",
				Path: "/api/v1/apps", Body: M{"name": "Again", "slug": doomed.Slug}, Status: 409,
				Check: apiError("conflict", "slug")},
			{Name: "the other app is untouched", Key: kept.Secret, Method: "GET",
				Path: "/api/v1/apps/" + kept.Slug + "/customers/" + kc.ID, Status: 200, Check: customerIs(kc.ID)},
		}...))
	})
}

// TestSlugReuse deletes an app, runs the purge worker's work, and makes a new app with the
// same slug: every route must reach the new app at once, whatever the functions remember
// of the old one.
func TestSlugReuse(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	old := e.CreateApp(t, "reused")
	acct := e.AccountKey
	base := "/api/v1/apps/" + old.Slug
	c := e.CreateCustomer(t, acct, old.Slug, M{"email": "old@example.com"})
	// Every customer route resolves the slug once with the account key.
	e.As(t, acct).Get(base + "/customers").Want(200)
	e.As(t, acct).Get(base + "/customers/" + c.ID).Want(200)
	e.As(t, acct).Get(base + "/customers/by-email?email=old@example.com").Want(200)

	e.As(t, acct).Delete(base).Want(202)
	if _, err := e.Admin.PurgeApp(context.Background(), old.UUID); err != nil {
		t.Fatalf("purge: %v", err)
	}
	var fresh apitest.App
	apitest.Run(t, e, []apitest.Row{
		{Name: "the purge took the app's keys along", Key: old.Secret, Method: "GET", Path: base + "/customers",
			Status: 401, Check: apiError("unauthorized")},
		{Name: "a new app takes the slug", Key: acct, Method: "POST", Path: "/api/v1/apps",
			Body: M{"name": "Reused", "slug": old.Slug}, Status: 201,
			Check: func(t *testing.T, r *apitest.Response) {
				if fresh = apitest.Data[apitest.App](r); fresh.ID == old.ID {
					t.Fatal("the new app has the old id")
				}
			}},
		{Name: "its list answers at once", Key: acct, Method: "GET", Path: base + "/customers", Status: 200,
			Check: func(t *testing.T, r *apitest.Response) {
				if l := listed(t, r); len(l.Data) != 0 {
					t.Errorf("the new app lists the old app's customers: %s", r.Body)
				}
			}},
		{Name: "it has no such customer", Key: acct, Method: "GET", Path: base + "/customers/by-email?email=old@example.com",
			Status: 404, Check: apiError("not_found")},
		{Name: "a create reaches it", Key: acct, Method: "POST", Path: base + "/customers",
			Body: M{"email": "new@example.com"}, Status: 201},
	})
}
