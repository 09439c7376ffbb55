package lukittu_test

// Issue 22: exact under retries, races and stalls. Each test names the row of the issue's
// table it shows (docs/apps-api.md, "Idempotency keys").

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apitest"
)

// noSuchCustomer is a customer id that no test makes.
const noSuchCustomer = "00000000-0000-4000-8000-000000000022"

func create(t *testing.T, e *apitest.Env, app apitest.App, body M) customerJSON {
	t.Helper()
	return wantOK[customerJSON](t, e.As(t, app.Secret).Post(teamOf(app), body), 201, "CustomerResponse")
}

func person(email, name string) M {
	return M{"email": email, "fullName": name, "metadata": []any{}}
}

// TestKeptOutcomesReplay (rows 1 and 2): a keyed write that executed and wrote nothing keeps
// its answer: the retry replays it byte for byte, whatever changed in between, where running
// it again would revert another client's update or answer otherwise.
func TestKeptOutcomesReplay(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	for i, tc := range []struct {
		name   string
		status int
		code   string // the error's code, "" for a success
		// prep makes what the request acts on; change then alters the app so that the
		// request, run again, would do something else; after is what must hold then.
		prep   func(t *testing.T, app apitest.App) apitest.Keyed
		change func(t *testing.T, app apitest.App)
		after  func(t *testing.T, app apitest.App)
	}{
		{name: "a replace that changed nothing is not run again over a later one (row 1)", status: 200,
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				c := create(t, e, app, person("x@example.com", "Name A"))
				return apitest.Keyed{Method: "PUT", Path: teamOf(app) + "/" + c.ID, Body: person("x@example.com", "Name A")}
			},
			change: func(t *testing.T, app apitest.App) {
				e.As(t, app.Secret).Put(teamOf(app)+"/"+only(t, e, app).ID, person("x@example.com", "Name B")).Want(200)
			},
			after: func(t *testing.T, app apitest.App) {
				if c := only(t, e, app); str(c.FullName) != "Name B" {
					t.Errorf("fullName %s after the replay, want the later replace's Name B", str(c.FullName))
				}
			}},
		{name: "a 404 of a delete is kept (row 2)", status: 404, code: "CUSTOMER_NOT_FOUND",
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				return apitest.Keyed{Method: "DELETE", Path: teamOf(app) + "/" + noSuchCustomer}
			}},
		{name: "a 404 of a replace is kept", status: 404, code: "CUSTOMER_NOT_FOUND",
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				return apitest.Keyed{Method: "PUT", Path: teamOf(app) + "/" + noSuchCustomer, Body: named("nobody")}
			}},
		{name: "a 409 of a taken email is kept", status: 409, code: "BAD_REQUEST",
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				create(t, e, app, person("taken@example.com", "Holder"))
				return apitest.Keyed{Method: "POST", Path: teamOf(app), Body: person("taken@example.com", "Second")}
			},
			change: func(t *testing.T, app apitest.App) {
				wantOK[any](t, e.As(t, app.Secret).Delete(teamOf(app)+"/"+only(t, e, app).ID), 200, "")
			},
			after: func(t *testing.T, app apitest.App) {
				if n := e.Count(t, app.UUID, "CUSTOMER"); n != 0 {
					t.Errorf("%d customers after the replay, want none", n)
				}
			}},
		{name: "a 409 of a replace to a taken email is kept", status: 409, code: "BAD_REQUEST",
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				create(t, e, app, person("holder@example.com", "Holder"))
				c := create(t, e, app, person("mover@example.com", "Mover"))
				return apitest.Keyed{Method: "PUT", Path: teamOf(app) + "/" + c.ID, Body: person("holder@example.com", "Mover")}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := e.CreateApp(t, fmt.Sprintf("kept-%d", i))
			k := tc.prep(t, app)
			k.Key = "kept-" + strconv.Itoa(i)
			first := e.WantKept(t, app, apitest.Kept{K: k, Status: tc.status, Change: tc.change, After: tc.after})
			if tc.code != "" {
				errorOf(t, first, tc.code)
			}
		})
	}
}

// only is the one customer of the app, from the list.
func only(t *testing.T, e *apitest.Env, app apitest.App) customerJSON {
	t.Helper()
	l := wantOK[listJSON](t, e.As(t, app.Secret).Get(teamOf(app)), 200, "")
	cs := l.customers(t)
	if len(cs) != 1 {
		t.Fatalf("%d customers, want 1", len(cs))
	}
	return cs[0]
}

// TestTheLargestCustomerIsDeleted (row 5): a customer with an email, an external id and the
// most licenses the API allows (47) is deleted under a key in one transaction, and replays.
func TestTheLargestCustomerIsDeleted(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "largest")
	c := e.CreateCustomer(t, app.Secret, app.Slug, map[string]any{"email": "big@example.com", "external_id": "ext-big"})
	for range 47 {
		e.CreateLicense(t, app.Secret, app.Slug, c.ID)
	}
	k := apitest.Keyed{Method: "DELETE", Path: teamOf(app) + "/" + strings.TrimPrefix(c.ID, "cus_"), Key: "largest"}
	first := k.Send(e.As(t, app.Secret))
	if data := wantOK[M](t, first, 200, ""); data["deleted"] != true {
		t.Errorf("delete answered %s", first.Body)
	}
	e.WantReplayed(t, app, k, first)
	if n := e.Count(t, app.UUID, "LICENSE") + e.Count(t, app.UUID, "CUSTOMER"); n != 0 {
		t.Errorf("%d customers and licenses left, want none", n)
	}
	e.CheckInvariants(t, app.UUID)
}

// TestListFiltersAtTheirBounds (row 6): every filter of the dialect at once, at its largest,
// in every order, answers 200 from DynamoDB Local with the customer it selects.
func TestListFiltersAtTheirBounds(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "bounds")
	key, value := strings.Repeat("k", 255), strings.Repeat("\u00e9", 255)
	c := create(t, e, app, M{"email": "bound@example.com", "fullName": "Bound Customer", "username": "bound",
		"metadata": []M{{"key": key, "value": value, "locked": false}}})
	other := create(t, e, app, person("other@example.com", "Other Customer"))
	lic := e.CreateLicense(t, app.Secret, app.Slug, "cus_"+c.ID)
	e.CreateLicense(t, app.Secret, app.Slug, "cus_"+other.ID)
	worst := url.Values{"search": {"BOUND"}, "metadataKey": {key}, "metadataValue": {strings.ToUpper(value)},
		"licenseCountMin": {"1"}, "licenseCountMax": {"47"}, "licenseCountComparisonMode": {"between"},
		"pageSize": {"100"}}
	var rows []apitest.Row
	for _, sort := range []string{"createdAt", "updatedAt", "fullName", "email", "username"} {
		for _, dir := range []string{"asc", "desc"} {
			for _, byLicense := range []bool{false, true} {
				q := url.Values{"sortColumn": {sort}, "sortDirection": {dir}}
				for k, v := range worst {
					q[k] = v
				}
				if byLicense {
					q.Set("licenseId", strings.TrimPrefix(lic.ID, "lic_"))
				}
				rows = append(rows, apitest.Row{Name: fmt.Sprintf("%s %s, licenseId %t", sort, dir, byLicense),
					Key: app.Secret, Method: "GET", Path: teamOf(app) + "?" + q.Encode(), Status: 200,
					Check: ok[listJSON]("", func(t *testing.T, l listJSON) {
						if cs := l.customers(t); len(cs) != 1 || cs[0].ID != c.ID || l.TotalResults != 1 {
							t.Errorf("found %d (total %d), want customer %s alone", len(cs), l.TotalResults, c.ID)
						}
					})})
			}
		}
	}
	rows = append(rows, apitest.Row{Name: "a search of 4,000 characters", Key: app.Secret, Method: "GET",
		Path: teamOf(app) + "?search=" + strings.Repeat("x", 4000), Status: 200,
		Check: ok[listJSON]("", func(t *testing.T, l listJSON) {
			if l.TotalResults != 0 {
				t.Errorf("found %d", l.TotalResults)
			}
		})})
	apitest.Run(t, e, rows)
}

// TestSearchInNFD (row 7): a search typed in NFD, or in capitals, finds a customer whose name
// and email were stored in NFC; "STRASSE" finds "Straße".
func TestSearchInNFD(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "nfd")
	c := create(t, e, app, person("jos\u00e9@example.com", "Jos\u00e9 Stra\u00dfe"))
	create(t, e, app, person("jose@example.com", "Jose Strasbourg"))
	var rows []apitest.Row
	for _, q := range []string{"jose\u0301", "JOSE\u0301", "JOSE\u0301@", "STRASSE", "stra\u00dfe", "Jos\u00c9 S"} {
		rows = append(rows, apitest.Row{Name: q, Key: app.Secret, Method: "GET",
			Path: teamOf(app) + "?search=" + url.QueryEscape(q), Status: 200,
			Check: ok[listJSON]("", func(t *testing.T, l listJSON) {
				if cs := l.customers(t); len(cs) != 1 || cs[0].ID != c.ID {
					t.Errorf("search %q found %d customers, want %s alone", q, len(cs), c.ID)
				}
			})})
	}
	apitest.Run(t, e, rows)
}

// TestReplaceOfADeletedCustomerIs404 (row 8): a replace never brings a deleted customer back,
// also when it races the delete.
func TestReplaceOfADeletedCustomerIs404(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "replace-deleted")
	sk := e.As(t, app.Secret)
	for i := range 20 {
		c := create(t, e, app, named(fmt.Sprint("racer-", i)))
		var put *apitest.Response
		var wg sync.WaitGroup
		wg.Go(func() { put = sk.Put(teamOf(app)+"/"+c.ID, named(fmt.Sprint("renamed-", i))) })
		wg.Go(func() { sk.Delete(teamOf(app) + "/" + c.ID).Want(200) })
		wg.Wait()
		if put.Status != 200 && put.Status != 404 {
			t.Errorf("round %d: replace racing the delete: %d %s", i, put.Status, put.Body)
		}
		wantError(t, sk.Put(teamOf(app)+"/"+c.ID, named("late")), 404, "CUSTOMER_NOT_FOUND")
	}
	if n := e.Count(t, app.UUID, "CUSTOMER"); n != 0 {
		t.Errorf("%d customers, want none", n)
	}
}

// TestTwinsOfAKeyedWrite (row 9): one keyed PUT, and one keyed DELETE, sent twice at once,
// round after round: each answer is the first's (or its replay), or 409 for the key in use;
// never a 404 or a conflict that the twin caused.
func TestTwinsOfAKeyedWrite(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "twins")
	sk := e.As(t, app.Secret)
	inUse := func(t *testing.T, r *apitest.Response) {
		t.Helper()
		if b := errorOf(t, r, "BAD_REQUEST"); !strings.Contains(b.Result.Details, "Idempotency-Key") {
			t.Errorf("a 409 that is not the key in use: %s", r.Body)
		}
	}
	c := create(t, e, app, named("twin"))
	for i := range 100 {
		put := apitest.Keyed{Method: "PUT", Path: teamOf(app) + "/" + c.ID, Body: named(fmt.Sprint("twin-", i)),
			Key: fmt.Sprint("put-", i)}
		apitest.WantTwins(t, apitest.Twice(sk, put), 200, inUse)
	}
	for i := range 100 {
		d := create(t, e, app, named(fmt.Sprint("doomed-", i)))
		del := apitest.Keyed{Method: "DELETE", Path: teamOf(app) + "/" + d.ID, Key: fmt.Sprint("del-", i)}
		apitest.WantTwins(t, apitest.Twice(sk, del), 200, inUse)
	}
	e.CheckInvariants(t, app.UUID)
}

// TestStalledDynamoDBAnswers503InTime (row 10): with DynamoDB not answering, a request
// answers the dialect's 503 with Retry-After before its function's Timeout, which the
// gateway would answer 500.
func TestStalledDynamoDBAnswers503InTime(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.FunctionTimeout(2*time.Second, "lukittu-create-customer"))
	app := e.CreateApp(t, "stalled")
	sk := e.As(t, app.Secret)
	sk.Allow5xx = true
	e.Faults.StallNext("TransactWriteItems", 1)
	r := sk.Do("POST", teamOf(app), named("stalled"), idem, "stalled")
	wantError(t, r, 503, "INTERNAL_SERVER_ERROR")
	if r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
}

// TestCountryAsSent (row 11): Lukittu takes any country text of 2 to 100 characters and
// reads it back as sent; the Apps API shows its ISO code, or null for a text that names no
// country.
func TestCountryAsSent(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "countries")
	address := func(country string) M {
		return M{"street": "1 Main Street", "city": "Helsinki", "country": country, "postalCode": "00100"}
	}
	for _, tc := range []struct{ sent, code string }{{"Finland", "FI"}, {"Atlantis", "<null>"}, {"fi", "FI"}} {
		t.Run(tc.sent, func(t *testing.T) {
			body := person(strings.ToLower(tc.sent)+"@example.com", "Country Test")
			body["address"] = address(tc.sent)
			c := create(t, e, app, body)
			got := wantOK[customerJSON](t, e.As(t, app.Secret).Get(teamOf(app)+"/"+c.ID), 200, "CustomerResponse")
			if want := strings.ToUpper(tc.sent); got.Address == nil ||
				(str(got.Address.Country) != tc.sent && str(got.Address.Country) != want) {
				t.Errorf("Lukittu reads the country back as %+v, want %s", got.Address, tc.sent)
			}
			var apps struct {
				Data struct{ Address struct{ Country *string } }
			}
			e.As(t, app.Secret).Get("/api/v1/apps/" + app.Slug + "/customers/cus_" + c.ID).Want(200).Into(&apps)
			if got := str(apps.Data.Address.Country); got != tc.code {
				t.Errorf("the Apps API shows country %s, want %s", got, tc.code)
			}
		})
	}
	wantError(t, e.As(t, app.Secret).Post(teamOf(app), M{"email": "x@example.com", "metadata": []any{},
		"address": address("X")}), 400, "BAD_REQUEST")
}

// TestStrictJSON: a key twice in one object, or a lone surrogate escape, is 400 on both
// routes that read a body, and writes nothing.
func TestStrictJSON(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "strict")
	c := create(t, e, app, named("strict"))
	before := e.Partition(t, app.UUID)
	var rows []apitest.Row
	for name, body := range map[string]string{
		"a key twice":          `{"username":"a","username":"b","metadata":[]}`,
		"a key twice, nested":  `{"username":"a","metadata":[{"key":"k","key":"j","value":"v","locked":false}]}`,
		"a lone surrogate":     `{"username":"\ud800","metadata":[]}`,
		"a lone low surrogate": `{"username":"x\udfffy","metadata":[]}`,
	} {
		for _, route := range []struct{ method, path string }{{"POST", teamOf(app)}, {"PUT", teamOf(app) + "/" + c.ID}} {
			rows = append(rows, apitest.Row{Name: name + ": " + route.method, Key: app.Secret, Method: route.method,
				Path: route.path, Body: body, Status: 400, Check: lkError("BAD_REQUEST")})
		}
	}
	apitest.Run(t, e, rows)
	if after := e.Partition(t, app.UUID); !reflect.DeepEqual(before, after) {
		t.Errorf("a refused body changed the partition: %d items before, %d after", len(before), len(after))
	}
}

// TestADeletedAppWinsOverAReplay: once its app is deleted, a keyed retry gets the deleted
// team's answer, not its replay.
func TestADeletedAppWinsOverAReplay(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "gone")
	sk := e.As(t, app.Secret)
	c, d := create(t, e, app, named("kept")), create(t, e, app, named("doomed"))
	writes := []apitest.Keyed{
		{Method: "POST", Path: teamOf(app), Body: named("new"), Key: "create"},
		{Method: "PUT", Path: teamOf(app) + "/" + c.ID, Body: named("renamed"), Key: "update"},
		{Method: "DELETE", Path: teamOf(app) + "/" + d.ID, Key: "delete"},
	}
	for _, k := range writes {
		if r := k.Send(sk); r.Status >= 300 {
			t.Fatalf("%s: %d %s", r.Req, r.Status, r.Body)
		}
	}
	e.As(t, e.AccountKey).Delete("/api/v1/apps/" + app.Slug).Want(202)
	for _, k := range writes {
		r := k.Send(sk)
		wantError(t, r, 404, "TEAM_NOT_FOUND")
		if r.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("%s: a replay of a deleted team's write", r.Req)
		}
	}
}
