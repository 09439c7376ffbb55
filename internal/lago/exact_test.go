package lago_test

// Issue 22: exact under retries, races and stalls. Each test names the row of the issue's
// table it shows (docs/apps-api.md, "Idempotency keys").

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apitest"
	"github.com/clientele/clientele/internal/lago"
)

// get is the customer with an external id, which must exist.
func get(t *testing.T, e *apitest.Env, app apitest.App, ext string) customerJSON {
	t.Helper()
	return wantCustomer(t, e.As(t, app.Secret).Get(customers+"/"+url.PathEscape(ext)))
}

// TestKeptOutcomesReplay (rows 1 and 2): a keyed write that executed and wrote nothing keeps
// its answer: the retry replays it byte for byte, whatever changed in between, where running
// it again would revert another client's update, delete a customer made since, or create one.
func TestKeptOutcomesReplay(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	for i, tc := range []struct {
		name    string
		status  int
		code    string            // the error's code, "" for a success
		details map[string]string // the error's details
		// prep makes what the request acts on; change then alters the app so that the
		// request, run again, would do something else; after is what must hold then.
		prep   func(t *testing.T, app apitest.App) apitest.Keyed
		change func(t *testing.T, app apitest.App)
		after  func(t *testing.T, app apitest.App)
	}{
		{name: "an upsert that changed nothing does not revert a later one (row 1)", status: 200,
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				wantCustomer(t, e.As(t, app.Secret).Post(customers, upsert(M{"external_id": "X", "name": "A"})))
				return apitest.Keyed{Method: "POST", Path: customers, Body: upsert(M{"external_id": "X", "name": "A"})}
			},
			change: func(t *testing.T, app apitest.App) {
				wantCustomer(t, e.As(t, app.Secret).Post(customers, upsert(M{"external_id": "X", "name": "B"})))
			},
			after: func(t *testing.T, app apitest.App) {
				if c := get(t, e, app, "X"); c.Name != "B" {
					t.Errorf("name %q after the retry, want the later upsert's B", c.Name)
				}
			}},
		{name: "a 404 of a delete does not delete a customer made since (row 2)", status: 404,
			code: "customer_not_found",
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				return apitest.Keyed{Method: "DELETE", Path: customers + "/X"}
			},
			change: func(t *testing.T, app apitest.App) {
				wantCustomer(t, e.As(t, app.Secret).Post(customers, upsert(M{"external_id": "X"})))
			},
			after: func(t *testing.T, app apitest.App) { get(t, e, app, "X") }},
		{name: "a taken email is kept", status: 422, code: "validation_errors",
			details: map[string]string{"email": "value_already_exist"},
			prep: func(t *testing.T, app apitest.App) apitest.Keyed {
				wantCustomer(t, e.As(t, app.Secret).Post(customers, upsert(M{"external_id": "H", "email": "h@example.com"})))
				return apitest.Keyed{Method: "POST", Path: customers, Body: upsert(M{"external_id": "Y", "email": "h@example.com"})}
			},
			change: func(t *testing.T, app apitest.App) {
				wantCustomer(t, e.As(t, app.Secret).Delete(customers+"/H"))
			},
			after: func(t *testing.T, app apitest.App) {
				if n := e.Count(t, app.UUID, "CUSTOMER"); n != 0 {
					t.Errorf("%d customers after the retry, want none", n)
				}
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
				errorOf(t, first, tc.code, tc.details)
			}
		})
	}
}

// TestTheLargestCustomerIsDeleted (row 5): a customer with an email, an external id and the
// most licenses the API allows (47) is deleted by external id under a key, and replays.
func TestTheLargestCustomerIsDeleted(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "largest")
	c := wantCustomer(t, e.As(t, app.Secret).Post(customers, upsert(M{"external_id": "big", "email": "big@example.com"})))
	for range 47 {
		e.CreateLicense(t, app.Secret, app.Slug, c.LagoID)
	}
	k := apitest.Keyed{Method: "DELETE", Path: customers + "/big", Key: "largest"}
	first := k.Send(e.As(t, app.Secret))
	if got := wantCustomer(t, first); got.LagoID != c.LagoID {
		t.Errorf("deleted %s, want %s", got.LagoID, c.LagoID)
	}
	e.WantReplayed(t, app, k, first)
	if n := e.Count(t, app.UUID, "LICENSE") + e.Count(t, app.UUID, "CUSTOMER"); n != 0 {
		t.Errorf("%d customers and licenses left, want none", n)
	}
	e.CheckInvariants(t, app.UUID)
}

// TestListFiltersWithinDynamoDBsLimits (row 6): countries[] with 151 codes, or all 249 and
// duplicates, and every filter at its bound at once, answer 200 from DynamoDB Local with the
// customers they select; past Lago's bounds a list is 422 too_many_values.
func TestListFiltersWithinDynamoDBsLimits(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "limits")
	sk := e.As(t, app.Secret)
	codes := strings.Fields(lago.CountryCodes())
	if len(codes) != 249 {
		t.Fatalf("%d country codes, want 249", len(codes))
	}
	worst := lago.WorstList()
	// The customer that the worst case, with its metadata filters on the five entries a Lago
	// customer may have (and the rest on keys it lacks), selects.
	md := []M{}
	for i := range 5 {
		md = append(md, M{"key": fmt.Sprintf("key-%02d", i), "value": fmt.Sprint("value ", i)})
	}
	all := wantCustomer(t, sk.Post(customers, upsert(M{"external_id": "all", "name": worst.Get("search_term"),
		"country": "FI", "state": "state number 7", "zipcode": "00007", "currency": "EUR", "customer_type": "company",
		"account_type": "partner", "tax_identification_number": "FI123", "metadata": md})))
	us := wantCustomer(t, sk.Post(customers, upsert(M{"external_id": "us", "country": "US"})))
	wantCustomer(t, sk.Post(customers, upsert(M{"external_id": "nowhere"})))
	matching := url.Values{}
	for k, v := range worst {
		matching[k] = v
	}
	for i := 5; i < lago.MaxMetadataFilter; i++ {
		matching.Set(fmt.Sprintf("metadata[key-%02d]", i), "")
	}
	path := func(q url.Values) string { return customers + "?" + q.Encode() }
	countries := func(cs ...[]string) url.Values {
		q := url.Values{}
		for _, c := range cs {
			q["countries[]"] = append(q["countries[]"], c...)
		}
		return q
	}
	withoutFI := filtered(codes, func(c string) bool { return c != "FI" })
	first := codes[:151]
	if !strings.Contains(strings.Join(first, " "), "FI") || strings.Contains(strings.Join(first, " "), "US") {
		t.Fatalf("the first 151 codes are not with FI and without US: %v", first)
	}
	rows := []apitest.Row{
		{Name: "151 countries", Key: app.Secret, Method: "GET", Path: path(countries(first)), Status: 200,
			Check: selects(all.LagoID)},
		{Name: "every country, twice", Key: app.Secret, Method: "GET", Path: path(countries(codes, codes)), Status: 200,
			Check: selects(all.LagoID, us.LagoID)},
		{Name: "every country but FI", Key: app.Secret, Method: "GET", Path: path(countries(withoutFI)), Status: 200,
			Check: selects(us.LagoID)},
		{Name: "every filter at its bound", Key: app.Secret, Method: "GET", Path: path(worst), Status: 200,
			Check: selects()},
		{Name: "every filter at its bound, met", Key: app.Secret, Method: "GET", Path: path(matching), Status: 200,
			Check: selects(all.LagoID)},
		{Name: "every filter at its bound and an external id", Key: app.Secret, Method: "GET",
			Path: path(with(matching, "external_id", "all")), Status: 200, Check: selects(all.LagoID)},
	}
	for _, tc := range []struct{ field, param string }{
		{"states", "states[]"}, {"zipcodes", "zipcodes[]"}, {"metadata", "metadata"},
	} {
		q := url.Values{}
		for i := range lago.MaxListValues + 1 {
			if tc.field == "metadata" {
				if i > lago.MaxMetadataFilter {
					break
				}
				q.Set(fmt.Sprintf("metadata[key-%03d]", i), "v")
				continue
			}
			q.Add(tc.param, fmt.Sprintf("v%04d", i))
		}
		rows = append(rows, apitest.Row{Name: "one " + tc.field + " past the bound", Key: app.Secret, Method: "GET",
			Path: path(q), Status: 422, Check: func(t *testing.T, r *apitest.Response) {
				var b struct {
					ErrorDetails map[string][]string `json:"error_details"`
				}
				if r.Into(&b); !reflect.DeepEqual(b.ErrorDetails, map[string][]string{tc.field: {"too_many_values"}}) {
					t.Errorf("%s, want {%q: [too_many_values]}", r.Body, tc.field)
				}
			}})
		// At the bound, repeated values count once.
		if tc.field != "metadata" {
			q[tc.param] = append(q[tc.param][:lago.MaxListValues], q[tc.param][:lago.MaxListValues]...)
			rows = append(rows, apitest.Row{Name: tc.field + " at the bound, each twice", Key: app.Secret,
				Method: "GET", Path: path(q), Status: 200, Check: selects()})
		}
	}
	apitest.Run(t, e, rows)
}

// with is q with one more value of a parameter.
func with(q url.Values, param, value string) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	out.Add(param, value)
	return out
}

func filtered(all []string, keep func(string) bool) []string {
	var out []string
	for _, s := range all {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}

// selects is a Row's check that a list holds the customers with those lago_ids, and only them.
func selects(ids ...string) func(*testing.T, *apitest.Response) {
	return list(func(t *testing.T, l listJSON) {
		got := map[string]bool{}
		for _, c := range l.Customers {
			got[c.LagoID] = true
		}
		want := map[string]bool{}
		for _, id := range ids {
			want[id] = true
		}
		if !reflect.DeepEqual(got, want) || l.Meta.TotalCount != int64(len(ids)) {
			t.Errorf("listed %v (total_count %d), want %v", got, l.Meta.TotalCount, want)
		}
	})
}

// TestSearchInNFD (row 7): a search_term typed in NFD, or in capitals, finds a customer whose
// name and email were stored in NFC; "STRASSE" finds "Straße".
func TestSearchInNFD(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "nfd")
	sk := e.As(t, app.Secret)
	c := wantCustomer(t, sk.Post(customers, upsert(M{"external_id": "jose", "name": "Jos\u00e9 Stra\u00dfe",
		"email": "jos\u00e9@example.com"})))
	wantCustomer(t, sk.Post(customers, upsert(M{"external_id": "other", "name": "Jose Strasbourg",
		"email": "jose@example.com"})))
	var rows []apitest.Row
	for _, q := range []string{"jose\u0301", "JOSE\u0301", "JOSE\u0301@", "STRASSE", "stra\u00dfe", "Jos\u00c9 S"} {
		rows = append(rows, apitest.Row{Name: q, Key: app.Secret, Method: "GET",
			Path: customers + "?search_term=" + url.QueryEscape(q), Status: 200, Check: selects(c.LagoID)})
	}
	apitest.Run(t, e, rows)
}

// TestRacesEndAsTheRequestMeans (row 8): three upserts of one new external_id with one email
// at once all answer 200 with one customer; an upsert racing a delete of its external_id
// answers 200, never 404 or 422.
func TestRacesEndAsTheRequestMeans(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "races")
	sk := e.As(t, app.Secret)
	for round := range 20 {
		ext, email := fmt.Sprint("new-", round), fmt.Sprintf("new-%d@example.com", round)
		var rs [3]*apitest.Response
		var wg sync.WaitGroup
		for i := range rs {
			wg.Go(func() {
				rs[i] = sk.Post(customers, upsert(M{"external_id": ext, "email": email, "name": fmt.Sprint("Racer ", i)}))
			})
		}
		wg.Wait()
		ids := map[string]bool{}
		for _, r := range rs {
			if r.Status != 200 {
				t.Fatalf("round %d: an upsert answered %d %s", round, r.Status, r.Body)
			}
			ids[customerOf(t, r).LagoID] = true
		}
		if len(ids) != 1 {
			t.Errorf("round %d: the upserts answered %d customers", round, len(ids))
		}
	}
	if n := e.Count(t, app.UUID, "CUSTOMER"); n != 20 {
		t.Errorf("%d customers, want 20", n)
	}
	for round := range 20 {
		ext := fmt.Sprint("doomed-", round)
		wantCustomer(t, sk.Post(customers, upsert(M{"external_id": ext, "email": ext + "@example.com"})))
		var up, del *apitest.Response
		var wg sync.WaitGroup
		wg.Go(func() { up = sk.Post(customers, upsert(M{"external_id": ext, "name": "Reborn"})) })
		wg.Go(func() { del = sk.Delete(customers + "/" + ext) })
		wg.Wait()
		if up.Status != 200 {
			t.Errorf("round %d: the upsert racing a delete answered %d %s", round, up.Status, up.Body)
		}
		if del.Status != 200 && del.Status != 404 {
			t.Errorf("round %d: the delete racing an upsert answered %d %s", round, del.Status, del.Body)
		}
	}
	e.CheckInvariants(t, app.UUID)
}

// TestTwinsOfAKeyedWrite (row 9): one keyed upsert, and one keyed delete, sent twice at once,
// round after round: each answer is the first's (or its replay), or 409
// idempotency_key_in_use; never a 404 or a 422 that the twin caused.
func TestTwinsOfAKeyedWrite(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "twins")
	sk := e.As(t, app.Secret)
	inUse := lagoError("idempotency_key_in_use", nil)
	for i := range 100 {
		ext := fmt.Sprint("twin-", i)
		up := apitest.Keyed{Method: "POST", Path: customers, Body: upsert(M{"external_id": ext, "name": "Twin"}),
			Key: "up-" + ext}
		apitest.WantTwins(t, apitest.Twice(sk, up), 200, inUse)
		del := apitest.Keyed{Method: "DELETE", Path: customers + "/" + ext, Key: "del-" + ext}
		apitest.WantTwins(t, apitest.Twice(sk, del), 200, inUse)
	}
	e.CheckInvariants(t, app.UUID)
}

// TestStalledDynamoDBAnswers503InTime (row 10): with DynamoDB not answering, a request
// answers Lago's 503 with Retry-After before its function's Timeout, which the gateway would
// answer 500.
func TestStalledDynamoDBAnswers503InTime(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.FunctionTimeout(2*time.Second, "lago-upsert-customer"))
	app := e.CreateApp(t, "stalled")
	sk := e.As(t, app.Secret)
	sk.Allow5xx = true
	e.Faults.StallNext("BatchGetItem", 1)
	r := sk.Do("POST", customers, upsert(M{"external_id": "stalled"}), idem, "stalled").Want(503)
	errorOf(t, r, "service_unavailable", nil)
	if r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
}

// TestCountriesOfLukittu (row 11): a Lukittu customer's country name shows as its code in
// Lago's view, and one that names no country as null, which Lago's clients take; the
// countries[] filter finds the named one by its code.
func TestCountriesOfLukittu(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "countries")
	sk := e.As(t, app.Secret)
	lukittu := "/api/v1/dev/teams/" + app.UUID + "/customers"
	for _, country := range []string{"Finland", "Atlantis"} {
		r := sk.Post(lukittu, M{"email": strings.ToLower(country) + "@example.com", "metadata": []any{},
			"address": M{"street": "1 Main Street", "city": "Somewhere", "country": country}}).Want(201)
		var b struct{ Data struct{ ID string } }
		r.Into(&b)
		sk.Put("/api/v1/apps/"+app.Slug+"/customers/cus_"+b.Data.ID, M{"external_id": country}).Want(200)
	}
	for country, want := range map[string]string{"Finland": `"FI"`, "Atlantis": "null"} {
		var b struct{ Customer map[string]json.RawMessage }
		sk.Get(customers + "/" + country).Want(200).Into(&b)
		if got := string(b.Customer["country"]); got != want {
			t.Errorf("%s: Lago's view has country %s, want %s", country, got, want)
		}
	}
	finland := get(t, e, app, "Finland")
	apitest.Run(t, e, []apitest.Row{{Name: "countries[]=FI", Key: app.Secret, Method: "GET",
		Path: customers + "?countries[]=FI", Status: 200, Check: selects(finland.LagoID)}})
}

// TestStrictJSON: a key twice in one object, or a lone surrogate escape, is Lago's 400, and
// writes nothing.
func TestStrictJSON(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "strict")
	before := e.Partition(t, app.UUID)
	var rows []apitest.Row
	for name, body := range map[string]string{
		"a key twice":            `{"customer":{"external_id":"a","name":"A","name":"B"}}`,
		"the envelope twice":     `{"customer":{"external_id":"a"},"customer":{"external_id":"b"}}`,
		"a lone surrogate":       `{"customer":{"external_id":"a","name":"\ud800"}}`,
		"a lone low surrogate":   `{"customer":{"external_id":"x\udc00"}}`,
		"a surrogate in the key": `{"customer":{"external_id":"a","\udbff":1}}`,
	} {
		rows = append(rows, apitest.Row{Name: name, Key: app.Secret, Method: "POST", Path: customers, Body: body,
			Status: 400, Check: lagoError("", nil)})
	}
	apitest.Run(t, e, rows)
	if after := e.Partition(t, app.UUID); !reflect.DeepEqual(before, after) {
		t.Errorf("a refused body changed the partition: %d items before, %d after", len(before), len(after))
	}
}

// TestADeletedAppWinsOverAReplay: once its app is deleted, a keyed retry gets the deleted
// organization's answer (401, as for a key of no organization), not its replay.
func TestADeletedAppWinsOverAReplay(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "gone")
	sk := e.As(t, app.Secret)
	wantCustomer(t, sk.Post(customers, upsert(M{"external_id": "doomed"})))
	writes := []apitest.Keyed{
		{Method: "POST", Path: customers, Body: upsert(M{"external_id": "new"}), Key: "upsert"},
		{Method: "DELETE", Path: customers + "/doomed", Key: "delete"},
	}
	for _, k := range writes {
		wantCustomer(t, k.Send(sk))
	}
	e.As(t, e.AccountKey).Delete("/api/v1/apps/" + app.Slug).Want(202)
	for _, k := range writes {
		r := k.Send(sk).Want(401)
		errorOf(t, r, "", nil)
		if r.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("%s: a replay of a deleted organization's write", r.Req)
		}
	}
}
