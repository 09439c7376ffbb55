package appsapi_test

// Issue 22: exact under retries, races and stalls. Each test names the row of the issue's
// table it shows (docs/apps-api.md, "Idempotency keys").

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apitest"
)

// noSuchCustomer is a customer id that no test makes.
const noSuchCustomer = "cus_00000000-0000-4000-8000-000000000022"

// TestKeptOutcomesReplay (rows 1 to 3): a keyed write that executed and wrote nothing keeps
// its answer: the retry replays it byte for byte, whatever changed in between, where running
// it again would revert another client's update, create a customer, or answer otherwise.
func TestKeptOutcomesReplay(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	for i, tc := range []struct {
		name   string
		status int
		code   string // the error's code, "" for a success
		// prep makes what the request acts on and returns it; change then alters the app so
		// that the request, run again, would do something else.
		prep   func(t *testing.T, app apitest.App) apitest.Keyed
		change func(t *testing.T, app apitest.App)
		after  func(t *testing.T, app apitest.App) // what must hold after the replay
	}{
		{name: "an update that changed nothing is not run again over a later update (row 1)", status: 200,
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "x@example.com", "name": "A"})
				return apitest.Keyed{Method: "PUT", Path: customersOf(app) + "/" + c.ID, Body: M{"name": "A"}}
			},
			change: func(t *testing.T, app apitest.App) {
				c := findByEmail(t, e, app, "x@example.com")
				e.As(t, app.Secret).Put(customersOf(app)+"/"+c.ID, M{"name": "B"}).Want(200)
			},
			after: func(t *testing.T, app apitest.App) {
				if c := findByEmail(t, e, app, "x@example.com"); str(c.Name) != "B" {
					t.Errorf("name %s after the replay, want the later update's B", str(c.Name))
				}
			}},
		{name: "a 404 of a delete is kept (row 2)", status: 404, code: "not_found",
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				return apitest.Keyed{Method: "DELETE", Path: customersOf(app) + "/" + noSuchCustomer}
			}},
		{name: "a 404 of an update is kept", status: 404, code: "not_found",
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				return apitest.Keyed{Method: "PUT", Path: customersOf(app) + "/" + noSuchCustomer, Body: M{"name": "Nobody"}}
			}},
		{name: "a get-or-create that found its customer does not create it again (row 3)", status: 200,
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "c@example.com"})
				return apitest.Keyed{Method: "POST", Path: customersOf(app) + "/get-or-create", Body: M{"email": "c@example.com"}}
			},
			change: func(t *testing.T, app apitest.App) {
				c := findByEmail(t, e, app, "c@example.com")
				e.As(t, app.Secret).Delete(customersOf(app) + "/" + c.ID).Want(204)
			},
			after: wantCustomers(e, 0)},
		{name: "a 409 of a taken email is kept", status: 409, code: "conflict",
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "taken@example.com"})
				return apitest.Keyed{Method: "POST", Path: customersOf(app), Body: M{"email": "taken@example.com"}}
			},
			change: func(t *testing.T, app apitest.App) {
				c := findByEmail(t, e, app, "taken@example.com")
				e.As(t, app.Secret).Delete(customersOf(app) + "/" + c.ID).Want(204)
			},
			after: wantCustomers(e, 0)},
		{name: "a 409 of a taken external id is kept", status: 409, code: "conflict",
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "holder@example.com", "external_id": "ext-taken"})
				return apitest.Keyed{Method: "POST", Path: customersOf(app),
					Body: M{"email": "second@example.com", "external_id": "ext-taken"}}
			},
			change: func(t *testing.T, app apitest.App) {
				c := findByEmail(t, e, app, "holder@example.com")
				e.As(t, app.Secret).Put(customersOf(app)+"/"+c.ID, M{"external_id": nil}).Want(200)
			},
			after: wantCustomers(e, 1)},
		{name: "a 409 of an update to a taken email is kept", status: 409, code: "conflict",
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "holder@example.com"})
				c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "mover@example.com"})
				return apitest.Keyed{Method: "PUT", Path: customersOf(app) + "/" + c.ID, Body: M{"email": "holder@example.com"}}
			},
			change: func(t *testing.T, app apitest.App) {
				c := findByEmail(t, e, app, "holder@example.com")
				e.As(t, app.Secret).Put(customersOf(app)+"/"+c.ID, M{"email": "moved@example.com"}).Want(200)
			},
			after: func(t *testing.T, app apitest.App) { findByEmail(t, e, app, "mover@example.com") }},
		{name: "a version conflict of If-Match is kept", status: 409, code: "conflict",
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "v@example.com"})
				e.As(t, app.Secret).Put(customersOf(app)+"/"+c.ID, M{"name": "v2"}).Want(200)
				return apitest.Keyed{Method: "PUT", Path: customersOf(app) + "/" + c.ID, Body: M{"name": "stale"},
					Header: []string{"If-Match", "1"}}
			}},
		{name: "a license limit is kept", status: 422, code: "validation_error",
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "full@example.com"})
				for range maxLicenses {
					e.CreateLicense(t, app.Secret, app.Slug, c.ID)
				}
				return apitest.Keyed{Method: "POST", Path: licensesPath(app), Body: M{"customer_id": c.ID, "forever": true}}
			},
			change: func(t *testing.T, app apitest.App) {
				c := findByEmail(t, e, app, "full@example.com")
				var ls []apitest.License
				e.As(t, app.Secret).Get(licensesPath(app) + "?customer_id=" + c.ID).Want(200).Into(&struct {
					Data *[]apitest.License `json:"data"`
				}{&ls})
				e.As(t, app.Secret).Delete(licensesPath(app) + "/" + ls[0].ID).Want(204)
			},
			after: func(t *testing.T, app apitest.App) {
				if n := e.Count(t, app.UUID, "LICENSE"); n != maxLicenses-1 {
					t.Errorf("%d licenses after the replay, want %d", n, maxLicenses-1)
				}
			}},
		{name: "a 404 of a license's customer is kept", status: 404, code: "not_found",
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				return apitest.Keyed{Method: "POST", Path: licensesPath(app),
					Body: M{"customer_id": noSuchCustomer, "forever": true}}
			}},
		{name: "a 404 of a license's delete is kept", status: 404, code: "not_found",
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				return apitest.Keyed{Method: "DELETE", Path: licensesPath(app) + "/lic_00000000-0000-4000-8000-000000000022"}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := e.CreateApp(t, fmt.Sprintf("kept-%d", i))
			k := tc.prep(t, app)
			k.Key = "kept-" + strconv.Itoa(i)
			// As today: a kept error is the answer the request gets without a key.
			first := e.WantKept(t, app, apitest.Kept{K: k, Status: tc.status, SameAsUnkeyed: tc.code != "",
				Change: tc.change, After: tc.after})
			if tc.code != "" {
				errorOf(t, first, tc.code)
			}
		})
	}
}

// maxLicenses is the most licenses a customer holds (store.MaxLicensesPerCustomer).
const maxLicenses = 47

func customersOf(app apitest.App) string  { return "/api/v1/apps/" + app.Slug + "/customers" }
func licensesPath(app apitest.App) string { return "/api/v1/apps/" + app.Slug + "/licenses" }

// findByEmail is the customer of app with email, which must exist.
func findByEmail(t *testing.T, e *apitest.Env, app apitest.App, email string) apitest.Customer {
	t.Helper()
	return apitest.Data[apitest.Customer](e.As(t, app.Secret).Get(customersOf(app) + "/by-email?email=" + email).Want(200))
}

// wantCustomers is a check that the app holds n customers.
func wantCustomers(e *apitest.Env, n int) func(*testing.T, apitest.App) {
	return func(t *testing.T, app apitest.App) {
		t.Helper()
		if got := e.Count(t, app.UUID, "CUSTOMER"); got != n {
			t.Errorf("%d customers, want %d", got, n)
		}
	}
}

// TestRefusalsBeforeExecutionKeepNothing: a keyed request refused before it runs (malformed,
// invalid, strict JSON, a read-only key) keeps no record, so the same key then serves the
// corrected request.
func TestRefusalsBeforeExecutionKeepNothing(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "refused")
	path := customersOf(app)
	h := []string{idem, "refused"}
	apitest.Run(t, e, []apitest.Row{
		{Name: "malformed", Key: app.Secret, Method: "POST", Path: path, Body: `{"email":`, Header: h, Status: 400,
			Check: apiError("bad_request")},
		{Name: "a key twice", Key: app.Secret, Method: "POST", Path: path,
			Body: `{"email":"a@example.com","email":"b@example.com"}`, Header: h, Status: 400, Check: apiError("bad_request")},
		{Name: "invalid", Key: app.Secret, Method: "POST", Path: path, Body: M{"email": "not-an-email"}, Header: h,
			Status: 422, Check: apiError("validation_error", "email")},
		{Name: "a publishable key", Key: app.Publishable, Method: "POST", Path: path, Body: M{"email": "ok@example.com"},
			Header: h, Status: 403, Check: apiError("forbidden")},
		{Name: "then the corrected request runs under the key", Key: app.Secret, Method: "POST", Path: path,
			Body: M{"email": "ok@example.com"}, Header: h, Status: 201},
	})
	if n := e.Records(t, app.UUID); n != 1 {
		t.Errorf("%d records, want 1 (the create)", n)
	}
}

// TestIfMatchIsInTheFingerprint (row 4): the same body under the same key with another
// If-Match, or none, is another request (422 idempotency_key_reused); other headers may differ.
func TestIfMatchIsInTheFingerprint(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "if-match")
	c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "m@example.com"})
	path := customersOf(app) + "/" + c.ID
	first := e.As(t, app.Secret).Do("PUT", path, M{"name": "One"}, idem, "k4", "If-Match", "1").Want(200)
	reused := apiError("idempotency_key_reused")
	apitest.Run(t, e, []apitest.Row{
		{Name: "another If-Match", Key: app.Secret, Method: "PUT", Path: path, Body: M{"name": "One"},
			Header: []string{idem, "k4", "If-Match", "7"}, Status: 422, Check: reused},
		{Name: "no If-Match", Key: app.Secret, Method: "PUT", Path: path, Body: M{"name": "One"},
			Header: []string{idem, "k4"}, Status: 422, Check: reused},
		{Name: "other headers are not the request's", Key: app.Secret, Method: "PUT", Path: path, Body: M{"name": "One"},
			Header: []string{idem, "k4", "If-Match", "1", "User-Agent", "retrier/2", "X-Request-Id", "again"},
			Status: 200, Check: func(t *testing.T, r *apitest.Response) { apitest.WantReplay(t, first, r) }},
	})
	if got := findByEmail(t, e, app, "m@example.com"); got.Version != 2 {
		t.Errorf("version %d, want 2: one write", got.Version)
	}
}

// TestTheLargestCustomerIsDeleted (row 5): a customer with an email, an external id and the
// most licenses the API allows is deleted under a key in one transaction of at most 100
// items, and replays; a license past the limit is refused.
func TestTheLargestCustomerIsDeleted(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "largest")
	c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "big@example.com", "external_id": "ext-big"})
	for range maxLicenses {
		e.CreateLicense(t, app.Secret, app.Slug, c.ID)
	}
	sk := e.As(t, app.Secret)
	wantError(t, sk.Post(licensesPath(app), M{"customer_id": c.ID, "forever": true}), 422, "validation_error",
		"customer_id")
	k := apitest.Keyed{Method: "DELETE", Path: customersOf(app) + "/" + c.ID, Key: "largest"}
	first := k.Send(sk).Want(204)
	e.WantReplayed(t, app, k, first)
	if n := e.Count(t, app.UUID, "LICENSE") + e.Count(t, app.UUID, "CUSTOMER"); n != 0 {
		t.Errorf("%d customers and licenses left, want none", n)
	}
	e.CheckInvariants(t, app.UUID)
}

// TestEmailFilterInNFD (row 7): the email filter finds an email stored in NFC when it is
// typed in NFD or in capitals.
func TestEmailFilterInNFD(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "nfd")
	c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "jos\u00e9@example.com"})
	for _, q := range []string{"jose\u0301", "JOSE\u0301@", "JOS\u00c9"} {
		t.Run(q, func(t *testing.T) {
			l := listed(t, e.As(t, app.Secret).Get(customersOf(app)+"?email="+url.QueryEscape(q)).Want(200))
			if len(l.Data) != 1 || l.Data[0].ID != c.ID {
				t.Errorf("email=%q found %+v, want %s", q, l.Data, c.ID)
			}
		})
	}
}

// TestListFiltersAtTheirBounds (row 6): the Apps API's filters at their largest, and past
// the size of a key, answer 200 from DynamoDB Local.
func TestListFiltersAtTheirBounds(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "bounds")
	ext := strings.Repeat("\u20ac", 255) // the longest external id, 765 bytes
	email := strings.Repeat("e", 64) + "@" + strings.Repeat("d", 63) + ".example.com"
	c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": email, "external_id": ext})
	long := strings.Repeat("\u20ac", 400) // past the size of a key
	var rows []apitest.Row
	for _, tc := range []struct {
		name  string
		query url.Values
		found bool
	}{
		{"the whole email", url.Values{"email": {email}}, true},
		{"an email filter past a key's size", url.Values{"email": {long}}, false},
		{"the longest external id and an email", url.Values{"external_id": {ext}, "email": {email}}, true},
		{"an external id past a key's size and an email", url.Values{"external_id": {long}, "email": {long}}, false},
	} {
		rows = append(rows, apitest.Row{Name: tc.name, Key: app.Secret, Method: "GET",
			Path: customersOf(app) + "?" + tc.query.Encode(), Status: 200,
			Check: func(t *testing.T, r *apitest.Response) {
				if l := listed(t, r); (len(l.Data) == 1 && l.Data[0].ID == c.ID) != tc.found {
					t.Errorf("%s, want customer %s: %t", r.Body, c.ID, tc.found)
				}
			}})
	}
	apitest.Run(t, e, rows)
}

// TestUpdateOfADeletedCustomerIs404 (row 8): an update by id never brings a deleted customer
// back, also when it races the delete.
func TestUpdateOfADeletedCustomerIs404(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "update-deleted")
	sk := e.As(t, app.Secret)
	for i := range 20 {
		c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": fmt.Sprintf("r%d@example.com", i)})
		var put *apitest.Response
		var wg sync.WaitGroup
		wg.Go(func() { put = sk.Put(customersOf(app)+"/"+c.ID, M{"name": "Racing"}) })
		wg.Go(func() { sk.Delete(customersOf(app) + "/" + c.ID).Want(204) })
		wg.Wait()
		if put.Status != 200 && put.Status != 404 {
			t.Errorf("round %d: update racing the delete: %d %s", i, put.Status, put.Body)
		}
		wantError(t, sk.Put(customersOf(app)+"/"+c.ID, M{"name": "Late"}), 404, "not_found")
	}
	wantCustomers(e, 0)(t, app)
}

// TestTwinsOfAKeyedWrite (row 9): one keyed PUT with If-Match, and one keyed DELETE, sent twice
// at once, round after round: each answer is the first's (or its replay), or 409
// idempotency_key_in_use; never a conflict or a 404 that the twin caused.
func TestTwinsOfAKeyedWrite(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "twins")
	sk := e.As(t, app.Secret)
	inUse := apiError("idempotency_key_in_use")
	c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "twin@example.com"})
	for i := range 150 {
		put := apitest.Keyed{Method: "PUT", Path: customersOf(app) + "/" + c.ID, Body: M{"name": fmt.Sprint("Round ", i)},
			Key: fmt.Sprint("put-", i), Header: []string{"If-Match", strconv.Itoa(i + 1)}}
		apitest.WantTwins(t, apitest.Twice(sk, put), 200, inUse)
	}
	for i := range 150 {
		d := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": fmt.Sprintf("d%d@example.com", i)})
		del := apitest.Keyed{Method: "DELETE", Path: customersOf(app) + "/" + d.ID, Key: fmt.Sprint("del-", i)}
		apitest.WantTwins(t, apitest.Twice(sk, del), 204, inUse)
	}
	e.CheckInvariants(t, app.UUID)
}

// TestStalledDynamoDBAnswers503InTime (row 10): with DynamoDB not answering, a request
// answers the Apps API's 503 with Retry-After before its function's Timeout, which the
// gateway would answer 500.
func TestStalledDynamoDBAnswers503InTime(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.FunctionTimeout(2*time.Second, "create-customer", "get-customer"))
	app := e.CreateApp(t, "stalled")
	c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "s@example.com"})
	sk := e.As(t, app.Secret)
	sk.Allow5xx = true
	for _, tc := range []struct {
		name, op     string
		method, path string
		body         any
	}{
		{"a create", "TransactWriteItems", "POST", customersOf(app), M{"email": "stalled@example.com"}},
		{"a read", "BatchGetItem", "GET", customersOf(app) + "/" + c.ID, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.Faults.StallNext(tc.op, 1)
			r := sk.Do(tc.method, tc.path, tc.body, idem, "stalled-"+tc.op)
			wantError(t, r, 503, "service_unavailable")
			if r.Header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
		})
	}
}

// TestCountryNames (row 11): the Apps API takes a country's code or English name and keeps
// its code; a text that names no country is 422.
func TestCountryNames(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "countries")
	country := func(want string) func(*testing.T, *apitest.Response) {
		return func(t *testing.T, r *apitest.Response) {
			var b struct {
				Data struct{ Address struct{ Country *string } }
			}
			if r.Into(&b); str(b.Data.Address.Country) != want {
				t.Errorf("country %s, want %s: %s", str(b.Data.Address.Country), want, r.Body)
			}
		}
	}
	apitest.Run(t, e, []apitest.Row{
		{Name: "a name", Key: app.Secret, Method: "POST", Path: customersOf(app),
			Body: M{"email": "fi@example.com", "address": M{"country": "Finland"}}, Status: 201, Check: country("FI")},
		{Name: "a code in lower case", Key: app.Secret, Method: "POST", Path: customersOf(app),
			Body: M{"email": "se@example.com", "address": M{"country": "se"}}, Status: 201, Check: country("SE")},
		{Name: "no country", Key: app.Secret, Method: "POST", Path: customersOf(app),
			Body: M{"email": "at@example.com", "address": M{"country": "Atlantis"}}, Status: 422,
			Check: apiError("validation_error", "address.country")},
	})
}

// TestStrictJSON: a key twice in one object, or a lone surrogate escape, is 400 on every
// route of the Apps API that reads a body, and writes nothing.
func TestStrictJSON(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "strict")
	c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "strict@example.com"})
	before := e.Partition(t, app.UUID)
	bodies := map[string]string{
		"a key twice":            `{"email":"a@example.com","name":"A","name":"B"}`,
		"a key twice, nested":    `{"email":"b@example.com","metadata":{"plan":"a","plan":"b"}}`,
		"a lone surrogate":       `{"email":"c@example.com","name":"\ud800"}`,
		"a lone low surrogate":   `{"email":"d@example.com","name":"x\udc00y"}`,
		"a surrogate then not":   `{"email":"e@example.com","name":"\ud800\u0041"}`,
		"a surrogate in the key": `{"email":"f@example.com","\ud800":"x"}`,
	}
	var rows []apitest.Row
	for name, body := range bodies {
		for _, route := range []struct{ method, path, key string }{
			{"POST", customersOf(app), app.Secret},
			{"POST", customersOf(app) + "/get-or-create", app.Secret},
			{"PUT", customersOf(app) + "/" + c.ID, app.Secret},
			{"POST", licensesPath(app), app.Secret},
			{"POST", "/api/v1/apps", e.AccountKey},
			{"POST", "/api/v1/apps/" + app.Slug + "/api-keys", e.AccountKey},
		} {
			rows = append(rows, apitest.Row{Name: name + ": " + route.method + " " + route.path, Key: route.key,
				Method: route.method, Path: route.path, Body: body, Status: 400, Check: apiError("bad_request")})
		}
	}
	apitest.Run(t, e, rows)
	if after := e.Partition(t, app.UUID); !reflect.DeepEqual(before, after) {
		t.Errorf("a refused body changed the partition: %d items before, %d after", len(before), len(after))
	}
}

// TestReplayComesBeforeTimeChecks: a keyed license whose expires_at has passed since its
// first request replays (201) rather than being refused for a past expires_at.
func TestReplayComesBeforeTimeChecks(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "replay-first")
	c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "soon@example.com"})
	expires := time.Now().Add(700 * time.Millisecond)
	k := apitest.Keyed{Method: "POST", Path: licensesPath(app), Key: "soon",
		Body: M{"customer_id": c.ID, "expires_at": expires.UTC().Format(time.RFC3339Nano)}}
	first := k.Send(e.As(t, app.Secret)).Want(201)
	time.Sleep(time.Until(expires) + 50*time.Millisecond)
	wantError(t, e.As(t, app.Secret).Post(k.Path, k.Body), 422, "validation_error", "expires_at")
	e.WantReplayed(t, app, k, first)
}

// TestADeletedAppWinsOverAReplay: once its app is deleted, a keyed retry gets the deleted
// app's answer, not its replay.
func TestADeletedAppWinsOverAReplay(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "gone")
	sk := e.As(t, app.Secret)
	c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "d@example.com"})
	d := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "e@example.com"})
	writes := []apitest.Keyed{
		{Method: "POST", Path: customersOf(app), Body: M{"email": "new@example.com"}, Key: "create"},
		{Method: "PUT", Path: customersOf(app) + "/" + c.ID, Body: M{"name": "New"}, Key: "update"},
		{Method: "DELETE", Path: customersOf(app) + "/" + d.ID, Key: "delete"},
		{Method: "POST", Path: licensesPath(app), Body: M{"customer_id": c.ID, "forever": true}, Key: "license"},
	}
	for _, k := range writes {
		if r := k.Send(sk); r.Status >= 300 {
			t.Fatalf("%s: %d %s", r.Req, r.Status, r.Body)
		}
	}
	e.As(t, e.AccountKey).Delete("/api/v1/apps/" + app.Slug).Want(202)
	for _, k := range writes {
		r := k.Send(sk)
		wantError(t, r, 404, "not_found")
		if r.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("%s: a replay of a deleted app's write", r.Req)
		}
	}
}

// TestDeletingABusyApp: under steady writes, DELETE /api/v1/apps/{slug} answers 202, and no
// write lands after it answered. The delete's Timeout is lifted: DynamoDB Local, loaded by
// the other tests, takes seconds over the 256 shards that DynamoDB closes in a fraction of one.
func TestDeletingABusyApp(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.FunctionTimeout(time.Minute, "delete-app"))
	app := e.CreateApp(t, "busy")
	var stop atomic.Bool
	var made atomic.Int64
	var wg sync.WaitGroup
	for w := range 2 {
		sk := e.As(t, app.Secret)
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				r := sk.Post(customersOf(app), M{"email": fmt.Sprintf("w%d-%d@example.com", w, i)})
				switch r.Status {
				case 201:
					made.Add(1)
				case 404:
				default:
					t.Errorf("a write to a busy app: %d %s", r.Status, r.Body)
				}
			}
		})
	}
	for made.Load() < 10 {
		time.Sleep(10 * time.Millisecond)
	}
	e.As(t, e.AccountKey).Delete("/api/v1/apps/" + app.Slug).Want(202)
	answered := e.Partition(t, app.UUID)
	time.Sleep(200 * time.Millisecond) // the writers keep trying
	stop.Store(true)
	wg.Wait()
	if after := e.Partition(t, app.UUID); !reflect.DeepEqual(answered, after) {
		t.Errorf("writes landed after the delete answered: %d items then, %d now", len(answered), len(after))
	}
}
