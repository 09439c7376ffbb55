package appsapi_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/apitest"
)

const idem = apitest.IdempotencyKey

// TestIdempotentReplay: every write route of the Apps API, sent twice under one key,
// answers the first answer again and writes nothing the second time.
func TestIdempotentReplay(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	apps := "/api/v1/apps/"
	// prep makes what the request acts on.
	for i, tc := range []struct {
		name   string
		method string
		prep   func(t *testing.T, app apitest.App) (path string, body any)
		status int
	}{
		{"create customer", "POST", func(t *testing.T, app apitest.App) (string, any) {
			return apps + app.Slug + "/customers", M{"email": "new@example.com", "name": "New"}
		}, 201},
		{"get-or-create customer", "POST", func(t *testing.T, app apitest.App) (string, any) {
			return apps + app.Slug + "/customers/get-or-create", M{"email": "goc@example.com"}
		}, 201},
		{"update customer", "PUT", func(t *testing.T, app apitest.App) (string, any) {
			c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "up@example.com"})
			return apps + app.Slug + "/customers/" + c.ID, M{"name": "Renamed"}
		}, 200},
		{"delete customer", "DELETE", func(t *testing.T, app apitest.App) (string, any) {
			c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "del@example.com"})
			return apps + app.Slug + "/customers/" + c.ID, nil
		}, 204},
		{"create license", "POST", func(t *testing.T, app apitest.App) (string, any) {
			c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "lic@example.com"})
			return apps + app.Slug + "/licenses", M{"customer_id": c.ID, "forever": true}
		}, 201},
		{"delete license", "DELETE", func(t *testing.T, app apitest.App) (string, any) {
			c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "dl@example.com"})
			return apps + app.Slug + "/licenses/" + e.CreateLicense(t, app.Secret, app.Slug, c.ID).ID, nil
		}, 204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := e.CreateApp(t, fmt.Sprintf("idem-replay-%d", i))
			path, body := tc.prep(t, app)
			e.CheckReplay(t, app, tc.method, path, body, tc.status)
		})
	}
}

func TestIdempotencyKeys(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)

	t.Run("the same key with another request is refused and writes nothing", func(t *testing.T) {
		app := e.CreateApp(t, "idem-reuse")
		customers := "/api/v1/apps/" + app.Slug + "/customers"
		e.As(t, app.Secret).Do("POST", customers, M{"email": "first@example.com"}, idem, "k").Want(201)
		before := e.Partition(t, app.UUID)
		reused := apiError("idempotency_key_reused")
		apitest.Run(t, e, []apitest.Row{
			{Name: "another body", Key: app.Secret, Method: "POST", Path: customers, Body: M{"email": "second@example.com"},
				Header: []string{idem, "k"}, Status: 422, Check: reused},
			{Name: "another route", Key: app.Secret, Method: "POST", Path: customers + "/get-or-create",
				Body: M{"email": "first@example.com"}, Header: []string{idem, "k"}, Status: 422, Check: reused},
		})
		if after := e.Partition(t, app.UUID); !reflect.DeepEqual(before, after) {
			t.Errorf("a refused request changed the partition: %d items before, %d after", len(before), len(after))
		}
	})

	t.Run("twenty concurrent requests under one key make one record", func(t *testing.T) {
		app := e.CreateApp(t, "idem-race")
		owner := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "owner@example.com"})
		apitest.RaceOneKey(t, e.As(t, app.Secret), "/api/v1/apps/"+app.Slug+"/licenses",
			M{"customer_id": owner.ID, "forever": true}, "race-license")
		if n := e.Count(t, app.UUID, "LICENSE"); n != 1 {
			t.Errorf("%d licenses, want 1", n)
		}
		if n := e.Records(t, app.UUID); n != 1 {
			t.Errorf("%d records, want 1", n)
		}
		e.CheckInvariants(t, app.UUID)
	})

	t.Run("bad keys are 400", func(t *testing.T) {
		app := e.CreateApp(t, "idem-bad")
		customers := "/api/v1/apps/" + app.Slug + "/customers"
		var rows []apitest.Row
		for _, key := range []string{strings.Repeat("k", 256), "clé", "tab\there"} {
			rows = append(rows, apitest.Row{Name: fmt.Sprintf("%.20q", key), Key: app.Secret, Method: "POST",
				Path: customers, Body: M{"email": "bad@example.com"}, Header: []string{idem, key}, Status: 400,
				Check: apiError("bad_request")})
		}
		apitest.Run(t, e, append(rows, apitest.Row{Name: "255 characters is the longest key", Key: app.Secret,
			Method: "POST", Path: customers, Body: M{"email": "long@example.com"},
			Header: []string{idem, strings.Repeat("k", 255)}, Status: 201}))
		if n := e.Count(t, app.UUID, "CUSTOMER"); n != 1 {
			t.Errorf("%d customers, want 1", n)
		}
	})

	t.Run("validation failures and reads are not kept, a found customer is", func(t *testing.T) {
		app := e.CreateApp(t, "idem-notkept")
		customers := "/api/v1/apps/" + app.Slug + "/customers"
		sk := e.As(t, app.Secret)
		wantError(t, sk.Do("POST", customers, M{"email": "not-an-email"}, idem, "k"), 422, "validation_error", "email")
		c := apitest.Data[apitest.Customer](sk.Do("POST", customers, M{"email": "fixed@example.com"}, idem, "k").Want(201))
		sk.Do("GET", customers+"/"+c.ID, nil, idem, "k2").Want(200)
		// get-or-create that finds its customer began to execute: its answer is kept alone.
		sk.Do("POST", customers+"/get-or-create", M{"email": "fixed@example.com"}, idem, "k3").Want(200)
		if n := e.Records(t, app.UUID); n != 2 {
			t.Errorf("%d records, want 2 (the create, the found customer)", n)
		}
	})

	t.Run("account routes refuse keys", func(t *testing.T) {
		apitest.Run(t, e, []apitest.Row{
			{Name: "create an app", Key: e.AccountKey, Method: "POST", Path: "/api/v1/apps",
				Body: M{"name": "Never", "slug": "idem-never"}, Header: []string{idem, "k"}, Status: 400,
				Check: apiError("bad_request")},
			{Name: "which is not made", Key: e.AccountKey, Method: "GET", Path: "/api/v1/apps/idem-never", Status: 404,
				Check: apiError("not_found")},
		})
	})
}

// TestIdempotentRetryAfterLostAnswer: the write succeeds, its answer is lost and the client
// gets 503; the retry under the same key answers the original 201 with the same id, and
// writes no second customer.
func TestIdempotentRetryAfterLostAnswer(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "idem-lost")
	sk := e.As(t, app.Secret)
	sk.Allow5xx = true
	path := "/api/v1/apps/idem-lost/customers"
	e.Faults.LoseNext("TransactWriteItems", 1)
	if lost := sk.Do("POST", path, M{"email": "apps@example.com"}, idem, "lost"); lost.Status != 503 {
		t.Fatalf("lost answer: %d %s, want 503", lost.Status, lost.Body)
	}
	retry := sk.Do("POST", path, M{"email": "apps@example.com"}, idem, "lost").Want(201)
	if retry.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the retry was not a replay: %s", retry.Body)
	}
	sk.Get(path + "/" + apitest.Data[apitest.Customer](retry).ID).Want(200)
	if n := e.Count(t, app.UUID, "CUSTOMER"); n != 1 {
		t.Errorf("%d customers, want 1", n)
	}
	e.CheckInvariants(t, app.UUID)
}

// TestIdempotencyKeyInFlight: a transaction cancelled because another one held the key's
// record (TransactionConflict, which DynamoDB Local never produces: it is injected) is 409
// idempotency_key_in_use with Retry-After, and writes nothing; the client's retry goes
// through. Without a key the same conflict is retried inside the request.
func TestIdempotencyKeyInFlight(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "idem-busy")
	sk := e.As(t, app.Secret)
	path := "/api/v1/apps/idem-busy/customers"

	e.Faults.ConflictNext("TransactWriteItems", 1)
	r := sk.Do("POST", path, M{"email": "busy@example.com"}, idem, "busy")
	wantError(t, r, 409, "idempotency_key_in_use")
	if r.Header.Get("Retry-After") == "" {
		t.Error("409 in use without Retry-After")
	}
	if n := e.Count(t, app.UUID, "CUSTOMER") + e.Records(t, app.UUID); n != 0 {
		t.Errorf("%d customers and records after the 409, want none", n)
	}
	sk.Do("POST", path, M{"email": "busy@example.com"}, idem, "busy").Want(201)

	e.Faults.ConflictNext("TransactWriteItems", 1)
	sk.Post(path, M{"email": "keyless@example.com"}).Want(201)
	e.CheckInvariants(t, app.UUID)
}
