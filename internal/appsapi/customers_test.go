package appsapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apitest"
)

// TestCreateCustomer: a customer is made with what it is given; its email and external id
// are unique per app.
func TestCreateCustomer(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "customers")
	acct, sk := e.AccountKey, app.Secret
	base := "/api/v1/apps/" + app.Slug + "/customers"
	before := time.Now().Add(-time.Second)
	c := e.CreateCustomer(t, acct, app.Slug, M{
		"email": "jane@example.com", "name": "Jane Smith", "external_id": "cus_stripe_123",
		"metadata": M{"company": "Acme Corp", "plan": "annual"},
	})
	wantID(t, c.ID, "cus_")
	if str(c.Email) != "jane@example.com" || str(c.Name) != "Jane Smith" || str(c.ExternalID) != "cus_stripe_123" {
		t.Errorf("created %+v", c)
	}
	var md map[string]string
	if err := json.Unmarshal(c.Metadata, &md); err != nil || md["company"] != "Acme Corp" || md["plan"] != "annual" {
		t.Errorf("metadata %s", c.Metadata)
	}
	if at := wantTime(t, "created_at", c.CreatedAt); at.Before(before) || at.After(time.Now().Add(time.Second)) {
		t.Errorf("created_at %s is not now", c.CreatedAt)
	}
	wantTime(t, "updated_at", c.UpdatedAt)
	apitest.Run(t, e, []apitest.Row{
		{Name: "an email is unique per app, in any letter case", Key: acct, Method: "POST", Path: base,
			Body: M{"email": "JANE@example.com"}, Status: 409, Check: conflictWith("email", c.ID)},
		{Name: "an external id is unique per app", Key: sk, Method: "POST", Path: base,
			Body:   M{"email": "other@example.com", "external_id": "cus_stripe_123"},
			Status: 409, Check: conflictWith("external_id", c.ID)},
	})
	other := e.CreateApp(t, "customers-other")
	e.CreateCustomer(t, other.Secret, other.Slug, M{"email": "jane@example.com"}) // another app, another customer
	checkTotal(t, e, app)
}

// TestCreateCustomerBadRequests: a body that is no customer is 400, a bad field 422 with
// its details, a body over 1 MiB 413.
func TestCreateCustomerBadRequests(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "customers")
	acct := e.AccountKey
	base := "/api/v1/apps/" + app.Slug + "/customers"
	var rows []apitest.Row
	for _, body := range []string{`{"email":`, `[1]`, `"jane@example.com"`, `null`, ``, `{"email":"a@b.co"} trailing`} {
		rows = append(rows, apitest.Row{Name: fmt.Sprintf("body %q", body), Key: acct, Method: "POST", Path: base,
			Body: body, Status: 400, Check: apiError("bad_request")})
	}
	// Over 1 MiB: the function refuses it (API Gateway's own limit is 10 MB).
	big := `{"email":"big@example.com","name":"` + strings.Repeat("a", 1<<20) + `"}`
	apitest.Run(t, e, append(rows, []apitest.Row{
		{Name: "no email", Key: acct, Method: "POST", Path: base, Body: M{},
			Status: 422, Check: apiError("validation_error", "email")},
		{Name: "not an email", Key: acct, Method: "POST", Path: base, Body: M{"email": "not-an-email"},
			Status: 422, Check: apiError("validation_error", "email")},
		{Name: "details name each bad field and only those", Key: acct, Method: "POST", Path: base,
			Body: M{"email": "ok@example.com", "name": 5, "metadata": []int{1}}, Status: 422,
			Check: func(t *testing.T, r *apitest.Response) {
				if p := errorOf(t, r, "validation_error", "name", "metadata"); p.Details["email"] != nil {
					t.Errorf("a valid email has details: %v", p.Details)
				}
			}},
		{Name: "a create over 1 MiB", Key: acct, Method: "POST", Path: base, Body: big,
			Status: 413, Check: apiError("payload_too_large")},
		{Name: "an update over 1 MiB", Key: acct, Method: "PUT", Path: base + "/cus_" + app.UUID, Body: big,
			Status: 413, Check: apiError("payload_too_large")},
	}...))
	checkTotal(t, e, app)
}

func TestGetOrCreateCustomer(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "customers")
	acct, sk := e.AccountKey, app.Secret
	base := "/api/v1/apps/" + app.Slug + "/customers"
	first := apitest.Data[apitest.Customer](e.As(t, acct).Post(base+"/get-or-create",
		M{"email": "goc@example.com", "name": "First"}).Want(201))
	apitest.Run(t, e, []apitest.Row{
		{Name: "finds the customer of the email, unchanged", Key: sk, Method: "POST", Path: base + "/get-or-create",
			Body: M{"email": "GOC@example.com", "name": "Second"}, Status: 200,
			Check: func(t *testing.T, r *apitest.Response) {
				if got := apitest.Data[apitest.Customer](r); got.ID != first.ID || str(got.Name) != "First" {
					t.Errorf("get-or-create returned %+v, want the existing %+v unchanged", got, first)
				}
			}},
		{Name: "no email", Key: acct, Method: "POST", Path: base + "/get-or-create", Body: M{"name": "No email"},
			Status: 422, Check: apiError("validation_error", "email")},
		{Name: "a bad body", Key: acct, Method: "POST", Path: base + "/get-or-create", Body: "{",
			Status: 400, Check: apiError("bad_request")},
	})
	checkTotal(t, e, app)
}

// TestCustomerLookups: by either form of the id, with any key, by email in any letter case
// and by external id.
func TestCustomerLookups(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "customers")
	acct, sk := e.AccountKey, app.Secret
	base := "/api/v1/apps/" + app.Slug + "/customers"
	c := e.CreateCustomer(t, sk, app.Slug, M{"email": "Look.Up@Example.com", "external_id": "ext-look"})
	var rows []apitest.Row
	for _, id := range []string{c.ID, strings.TrimPrefix(c.ID, "cus_")} {
		for _, key := range []struct{ name, key string }{{"account", acct}, {"secret", sk}} {
			rows = append(rows, apitest.Row{Name: "by id " + id + " with the " + key.name + " key", Key: key.key,
				Method: "GET", Path: base + "/" + id, Status: 200, Check: customerIs(c.ID)})
		}
	}
	for _, email := range []string{"Look.Up@Example.com", "look.up@example.com", " look.up@example.com"} {
		rows = append(rows, apitest.Row{Name: fmt.Sprintf("by email %q", email), Key: acct, Method: "GET",
			Path: base + "/by-email?email=" + url.QueryEscape(email), Status: 200, Check: customerIs(c.ID)})
	}
	notFound := apiError("not_found")
	apitest.Run(t, e, append(rows, []apitest.Row{
		{Name: "an id of nobody", Key: acct, Method: "GET", Path: base + "/cus_00000000-0000-4000-8000-000000000000",
			Status: 404, Check: notFound},
		{Name: "an id that is no id", Key: acct, Method: "GET", Path: base + "/cus_garbage", Status: 404,
			Check: notFound},
		{Name: "an email of nobody", Key: sk, Method: "GET", Path: base + "/by-email?email=nobody@example.com",
			Status: 404, Check: notFound},
		{Name: "by email without one", Key: sk, Method: "GET", Path: base + "/by-email", Status: 422,
			Check: apiError("validation_error", "email")},
		{Name: "by external id", Key: acct, Method: "GET", Path: base + "/by-external-id?external_id=ext-look",
			Status: 200, Check: customerIs(c.ID)},
		{Name: "an external id of nobody", Key: sk, Method: "GET",
			Path: base + "/by-external-id?external_id=ext-none", Status: 404, Check: notFound},
		{Name: "by external id without one", Key: sk, Method: "GET", Path: base + "/by-external-id", Status: 422,
			Check: apiError("validation_error", "external_id")},
	}...))
	checkTotal(t, e, app)
}

func TestUpdateCustomer(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "customers")
	acct, sk := e.AccountKey, app.Secret
	base := "/api/v1/apps/" + app.Slug + "/customers"

	t.Run("update changes only the fields given", func(t *testing.T) {
		c := e.CreateCustomer(t, acct, app.Slug, M{
			"email": "up@example.com", "name": "Up", "external_id": "ext-up", "metadata": M{"k": "v"},
		})
		got := apitest.Data[apitest.Customer](e.As(t, acct).Put(base+"/"+c.ID, M{"name": "Renamed"}).Want(200))
		if str(got.Name) != "Renamed" || str(got.Email) != "up@example.com" || str(got.ExternalID) != "ext-up" ||
			string(got.Metadata) != `{"k":"v"}` || got.Version != c.Version+1 || got.CreatedAt != c.CreatedAt {
			t.Errorf("after PUT {name}: %+v (was %+v)", got, c)
		}
		wantTime(t, "updated_at", got.UpdatedAt)
	})

	t.Run("update with a null clears, and frees the external id", func(t *testing.T) {
		c := e.CreateCustomer(t, acct, app.Slug, M{
			"email": "clear@example.com", "name": "Kept", "external_id": "ext-clear", "metadata": M{"k": "v"},
		})
		got := apitest.Data[apitest.Customer](e.As(t, sk).Put(base+"/"+c.ID, M{"external_id": nil, "metadata": nil}).
			Want(200))
		if got.ExternalID != nil || string(got.Metadata) != `{}` || str(got.Name) != "Kept" {
			t.Errorf("after PUT {external_id: null, metadata: null}: %+v", got)
		}
		wantError(t, e.As(t, acct).Get(base+"/by-external-id?external_id=ext-clear"), 404, "not_found")
		e.CreateCustomer(t, sk, app.Slug, M{"email": "ext-clear@example.com", "external_id": "ext-clear"})
		apitest.Run(t, e, []apitest.Row{{Name: "the email may not be cleared", Key: acct, Method: "PUT",
			Path: base + "/" + c.ID, Body: M{"email": nil}, Status: 422, Check: apiError("validation_error", "email")}})
	})

	t.Run("a new email moves its guard", func(t *testing.T) {
		c := e.CreateCustomer(t, acct, app.Slug, M{"email": "move@example.com"})
		got := apitest.Data[apitest.Customer](e.As(t, acct).Put(base+"/"+c.ID, M{"email": "moved@example.com"}).
			Want(200))
		if str(got.Email) != "moved@example.com" {
			t.Errorf("email not changed: %+v", got)
		}
		apitest.Run(t, e, []apitest.Row{
			{Name: "the old email is not found", Key: acct, Method: "GET", Path: base + "/by-email?email=move@example.com",
				Status: 404, Check: apiError("not_found")},
			{Name: "the new one is", Key: acct, Method: "GET", Path: base + "/by-email?email=moved@example.com",
				Status: 200, Check: customerIs(c.ID)},
			{Name: "the old one is free", Key: sk, Method: "POST", Path: base, Body: M{"email": "move@example.com"},
				Status: 201},
		})
	})

	t.Run("moving onto a taken email or external id is a conflict naming its holder", func(t *testing.T) {
		c := e.CreateCustomer(t, acct, app.Slug, M{"email": "mover@example.com"})
		email := e.CreateCustomer(t, sk, app.Slug, M{"email": "taken@example.com"})
		ext := e.CreateCustomer(t, sk, app.Slug, M{"email": "ext-taken@example.com", "external_id": "ext-taken"})
		apitest.Run(t, e, []apitest.Row{
			{Name: "email", Key: acct, Method: "PUT", Path: base + "/" + c.ID, Body: M{"email": "Taken@example.com"},
				Status: 409, Check: conflictWith("email", email.ID)},
			{Name: "external id", Key: acct, Method: "PUT", Path: base + "/" + c.ID, Body: M{"external_id": "ext-taken"},
				Status: 409, Check: conflictWith("external_id", ext.ID)},
		})
	})
	checkTotal(t, e, app)
}

func TestUpdateCustomerConditions(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "customers")
	acct := e.AccountKey
	base := "/api/v1/apps/" + app.Slug + "/customers"

	t.Run("an empty body changes nothing", func(t *testing.T) {
		c := e.CreateCustomer(t, acct, app.Slug, M{"email": "same@example.com"})
		path := base + "/" + c.ID
		before := apitest.Data[apitest.Customer](e.As(t, acct).Get(path).Want(200))
		apitest.Run(t, e, []apitest.Row{
			{Name: "PUT {}", Key: acct, Method: "PUT", Path: path, Body: M{}, Status: 200,
				Check: func(t *testing.T, r *apitest.Response) {
					after := apitest.Data[apitest.Customer](r)
					if after.Version != before.Version || after.UpdatedAt != before.UpdatedAt {
						t.Errorf("PUT {}: %+v, was %+v", after, before)
					}
				}},
			{Name: "a bad body", Key: acct, Method: "PUT", Path: path, Body: `{"name":`, Status: 400,
				Check: apiError("bad_request")},
			{Name: "a customer that is not there", Key: acct, Method: "PUT",
				Path: base + "/cus_00000000-0000-4000-8000-000000000000", Body: M{"name": "x"}, Status: 404,
				Check: apiError("not_found")},
		})
	})

	t.Run("If-Match makes the write conditional on the version", func(t *testing.T) {
		c := e.CreateCustomer(t, acct, app.Slug, M{"email": "match@example.com"})
		path := base + "/" + c.ID
		cur := apitest.Data[apitest.Customer](e.As(t, acct).Put(path, M{"name": "Second"}).Want(200))
		apitest.Run(t, e, []apitest.Row{
			{Name: "a stale version", Key: acct, Method: "PUT", Path: path, Body: M{"name": "Stale"},
				Header: []string{"If-Match", fmt.Sprint(cur.Version - 1)}, Status: 409, Check: apiError("conflict")},
			{Name: "not a version", Key: acct, Method: "PUT", Path: path, Body: M{"name": "Garbage"},
				Header: []string{"If-Match", "abc"}, Status: 400, Check: apiError("bad_request")},
			{Name: "the current version, quoted", Key: acct, Method: "PUT", Path: path, Body: M{"name": "Fresh"},
				Header: []string{"If-Match", fmt.Sprintf("%q", fmt.Sprint(cur.Version))}, Status: 200,
				Check: func(t *testing.T, r *apitest.Response) {
					if got := apitest.Data[apitest.Customer](r); str(got.Name) != "Fresh" || got.Version != cur.Version+1 {
						t.Errorf("PUT with If-Match of the current version: %+v", got)
					}
				}},
		})
	})
	checkTotal(t, e, app)
}

func TestDeleteCustomer(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "customers")
	acct, sk := e.AccountKey, app.Secret
	base := "/api/v1/apps/" + app.Slug + "/customers"
	c := e.CreateCustomer(t, acct, app.Slug, M{"email": "gone@example.com", "external_id": "ext-gone"})
	lics := "/api/v1/apps/" + app.Slug + "/licenses"
	l1, l2 := e.CreateLicense(t, acct, app.Slug, c.ID), e.CreateLicense(t, acct, app.Slug, c.ID)
	d := e.CreateCustomer(t, sk, app.Slug, M{"email": "gone2@example.com"})
	notFound := apiError("not_found")
	apitest.Run(t, e, []apitest.Row{
		{Name: "delete", Key: acct, Method: "DELETE", Path: base + "/" + c.ID, Status: 204},
		{Name: "the customer is gone", Key: acct, Method: "GET", Path: base + "/" + c.ID, Status: 404,
			Check: notFound},
		{Name: "its first license is gone", Key: acct, Method: "GET", Path: lics + "/" + l1.ID, Status: 404,
			Check: notFound},
		{Name: "its second license is gone", Key: acct, Method: "GET", Path: lics + "/" + l2.ID, Status: 404,
			Check: notFound},
		{Name: "its licenses are not listed", Key: acct, Method: "GET", Path: lics + "?customer_id=" + c.ID,
			Status: 404, Check: notFound},
		{Name: "a second delete", Key: acct, Method: "DELETE", Path: base + "/" + c.ID, Status: 404,
			Check: notFound},
		{Name: "its email and external id are free again", Key: sk, Method: "POST", Path: base,
			Body: M{"email": "gone@example.com", "external_id": "ext-gone"}, Status: 201},
		{Name: "a customer without licenses, by its bare id, with the app's key", Key: sk, Method: "DELETE",
			Path: base + "/" + strings.TrimPrefix(d.ID, "cus_"), Status: 204},
	})
	checkTotal(t, e, app)
}

// checkTotal checks that an app's total in a list, and its customer_count, count the
// customers its list holds, whatever writes (and failed writes) the test made.
func checkTotal(t *testing.T, e *apitest.Env, app apitest.App) {
	t.Helper()
	acct, base := e.AccountKey, "/api/v1/apps/"+app.Slug+"/customers"
	var l customerList
	seen := 0
	q := "?per_page=100"
	for {
		e.As(t, acct).Get(base + q).Want(200).Into(&l)
		seen += len(l.Data)
		if l.Meta.NextCursor == nil {
			break
		}
		q = "?per_page=100&cursor=" + url.QueryEscape(*l.Meta.NextCursor)
	}
	if l.Meta.Total == nil || *l.Meta.Total != int64(seen) {
		t.Errorf("meta.total %v, but the list holds %d customers", mustJSON(l.Meta.Total), seen)
	}
	a := apitest.Data[apitest.App](e.As(t, acct).Get("/api/v1/apps/" + app.Slug).Want(200))
	if a.CustomerCount != int64(seen) {
		t.Errorf("customer_count %d, but the list holds %d customers", a.CustomerCount, seen)
	}
}

// TestConcurrentWrites races writers on one email: one create wins, the others learn who
// holds it; get-or-create answers everyone with the same customer, created once.
func TestConcurrentWrites(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "races")
	base := "/api/v1/apps/" + app.Slug + "/customers"
	const n = 8
	race := func(path string, body M) []*apitest.Response {
		out := make([]*apitest.Response, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { out[i] = e.As(t, app.Secret).Post(path, body) })
		}
		wg.Wait()
		return out
	}

	var winner string
	for _, r := range race(base, M{"email": "race@example.com"}) {
		if r.Status == 201 {
			if winner != "" {
				t.Errorf("two creates of one email won")
			}
			winner = apitest.Data[apitest.Customer](r).ID
		}
	}
	if winner == "" {
		t.Fatal("no create won")
	}
	for _, r := range race(base, M{"email": "RACE@example.com"}) {
		if p := wantError(t, r, 409, "conflict", "email"); p.ExistingID != winner {
			t.Errorf("existing_id %q, want %q", p.ExistingID, winner)
		}
	}

	created, ids := 0, map[string]bool{}
	for _, r := range race(base+"/get-or-create", M{"email": "goc-race@example.com"}) {
		if r.Status != 200 && r.Status != 201 {
			t.Fatalf("get-or-create: %d %s", r.Status, r.Body)
		}
		if r.Status == 201 {
			created++
		}
		ids[apitest.Data[apitest.Customer](r).ID] = true
	}
	if created != 1 || len(ids) != 1 {
		t.Errorf("racing get-or-create: %d created, %d distinct customers; want 1 and 1", created, len(ids))
	}
	var l customerList
	e.As(t, app.Secret).Get(base).Want(200).Into(&l)
	if len(l.Data) != 2 || l.Meta.Total == nil || *l.Meta.Total != 2 {
		t.Errorf("after the races: %d customers, meta %s; want 2", len(l.Data), mustJSON(l.Meta))
	}
}

// TestOneEmailInNFCAndNFD: an address spelt with a precomposed accent and with a combining
// one is one address: stored in NFC, found by either spelling, and taken for both (the
// other dialects' tests check the same of theirs).
func TestOneEmailInNFCAndNFD(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "unicode")
	const nfc, nfd = "jos\u00e9@example.com", "jose\u0301@example.com"
	c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": nfd})
	if c.Email == nil || *c.Email != nfc {
		t.Errorf("stored email %q, want its NFC form %q", str(c.Email), nfc)
	}
	base := "/api/v1/apps/" + app.Slug + "/customers"
	apitest.Run(t, e, []apitest.Row{
		{Name: "the NFC spelling is taken", Key: app.Secret, Method: "POST", Path: base, Body: M{"email": nfc},
			Status: 409, Check: conflictWith("email", c.ID)},
		{Name: "found by the NFD spelling in upper case", Key: app.Secret, Method: "GET",
			Path: base + "/by-email?email=" + url.QueryEscape(strings.ToUpper(nfd)), Status: 200, Check: customerIs(c.ID)},
	})
}

// TestInvisibleCharactersInEmailsAreRefused: control, bidi and zero-width characters make an
// email invalid (422), rather than being stored or silently dropped.
func TestInvisibleCharactersInEmailsAreRefused(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	e.CreateApp(t, "invisible")
	var rows []apitest.Row
	for _, r := range []string{"\u0085", "\u202e", "\u200b", "\u2066"} {
		rows = append(rows, apitest.Row{Name: fmt.Sprintf("%U", []rune(r)[0]), Key: e.AccountKey, Method: "POST",
			Path: "/api/v1/apps/invisible/customers", Body: M{"email": "ab" + r + "c@example.com"}, Status: 422,
			Check: apiError("validation_error", "email")})
	}
	apitest.Run(t, e, rows)
}
