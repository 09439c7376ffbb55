package appsapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apitest"
)

type licenseList struct {
	Data []apitest.License `json:"data"`
}

// licensesOf is a Row's check of a list of n licenses, all of the customer id.
func licensesOf(id string, n int) func(*testing.T, *apitest.Response) {
	return func(t *testing.T, r *apitest.Response) {
		t.Helper()
		var l licenseList
		r.Into(&l)
		if l.Data == nil || len(l.Data) != n {
			t.Errorf("%s: %d licenses, want %d: %s", r.Req, len(l.Data), n, r.Body)
		}
		for _, x := range l.Data {
			if x.CustomerID != id {
				t.Errorf("listed %+v", x)
			}
		}
	}
}

// TestCreateLicense: a license ends at a time, after a number of days, or never, and its
// customer is named by either form of its id.
func TestCreateLicense(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "licenses")
	acct := e.AccountKey
	base := "/api/v1/apps/" + app.Slug + "/licenses"
	c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "owner@example.com"})
	cuuid := strings.TrimPrefix(c.ID, "cus_")
	expires := time.Now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Second)
	at := expires.Format(time.RFC3339)

	t.Run("create", func(t *testing.T) {
		license := func(check func(t *testing.T, l apitest.License)) func(*testing.T, *apitest.Response) {
			return func(t *testing.T, r *apitest.Response) {
				l := apitest.Data[apitest.License](r)
				wantID(t, l.ID, "lic_")
				wantTime(t, "created_at", l.CreatedAt)
				if l.CustomerID != c.ID || l.Status != "active" {
					t.Errorf("license %+v, want an active license of %s", l, c.ID)
				}
				check(t, l)
			}
		}
		local := expires.In(time.FixedZone("", 2*3600)).Format(time.RFC3339)
		apitest.Run(t, e, []apitest.Row{
			{Name: "until a time", Key: acct, Method: "POST", Path: base, Body: M{"customer_id": c.ID, "expires_at": at},
				Status: 201, Check: license(func(t *testing.T, l apitest.License) {
					if str(l.ExpiresAt) != at {
						t.Errorf("expires_at %s, want %s", str(l.ExpiresAt), at)
					}
				})},
			{Name: "until a time at another offset, rendered in UTC", Key: acct, Method: "POST", Path: base,
				Body: M{"customer_id": cuuid, "expires_at": local}, Status: 201,
				Check: license(func(t *testing.T, l apitest.License) {
					if str(l.ExpiresAt) != at {
						t.Errorf("expires_at %s came back as %s, want %s", local, str(l.ExpiresAt), at)
					}
				})},
			{Name: "for a number of days", Key: app.Secret, Method: "POST", Path: base,
				Body: M{"customer_id": cuuid, "duration_days": 30}, Status: 201,
				Check: license(func(t *testing.T, l apitest.License) {
					end := wantTime(t, "expires_at", str(l.ExpiresAt))
					if end.Sub(time.Now().AddDate(0, 0, 30)).Abs() > time.Minute {
						t.Errorf("duration_days 30 expires at %s", str(l.ExpiresAt))
					}
				})},
			{Name: "forever", Key: acct, Method: "POST", Path: base, Body: M{"customer_id": c.ID, "forever": true},
				Status: 201, Check: license(func(t *testing.T, l apitest.License) {
					if l.ExpiresAt != nil {
						t.Errorf("a license forever expires at %s", str(l.ExpiresAt))
					}
				})},
		})
	})

	t.Run("bad requests", func(t *testing.T) {
		var rows []apitest.Row
		for _, tc := range []struct {
			name string
			body M
		}{
			{"no end", M{"customer_id": c.ID}},
			{"forever false", M{"customer_id": c.ID, "forever": false}},
			{"a time and days", M{"customer_id": c.ID, "expires_at": at, "duration_days": 3}},
			{"forever and days", M{"customer_id": c.ID, "forever": true, "duration_days": 3}},
			{"forever and a time", M{"customer_id": c.ID, "forever": true, "expires_at": at}},
		} {
			rows = append(rows, apitest.Row{Name: "exactly one of expires_at, duration_days, forever: " + tc.name,
				Key: acct, Method: "POST", Path: base, Body: tc.body, Status: 422,
				Check: apiError("validation_error", "expires_at")})
		}
		apitest.Run(t, e, append(rows, []apitest.Row{
			{Name: "0 days", Key: acct, Method: "POST", Path: base, Body: M{"customer_id": c.ID, "duration_days": 0},
				Status: 422, Check: apiError("validation_error", "duration_days")},
			{Name: "not a time", Key: acct, Method: "POST", Path: base, Body: M{"customer_id": c.ID, "expires_at": "tomorrow"},
				Status: 422, Check: apiError("validation_error", "expires_at")},
			{Name: "a time past", Key: acct, Method: "POST", Path: base,
				Body: M{"customer_id": c.ID, "expires_at": "2001-01-01T00:00:00Z"}, Status: 422,
				Check: apiError("validation_error", "expires_at")},
			{Name: "no customer", Key: acct, Method: "POST", Path: base, Body: M{"forever": true}, Status: 422,
				Check: apiError("validation_error", "customer_id")},
			{Name: "a customer that is not there", Key: acct, Method: "POST", Path: base,
				Body: M{"customer_id": "cus_00000000-0000-4000-8000-000000000000", "forever": true}, Status: 404,
				Check: apiError("not_found")},
			{Name: "a bad body", Key: acct, Method: "POST", Path: base, Body: "{", Status: 400,
				Check: apiError("bad_request")},
		}...))
	})
}

// TestLicensesOfACustomer: a customer's licenses are listed, read and deleted by either form
// of their ids, with any key of the app, and only a secret key deletes.
func TestLicensesOfACustomer(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "licenses")
	acct, pk := e.AccountKey, app.Publishable
	base := "/api/v1/apps/" + app.Slug + "/licenses"
	c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "owner@example.com"})
	cuuid := strings.TrimPrefix(c.ID, "cus_")
	var forever apitest.License
	for range 4 {
		forever = e.CreateLicense(t, app.Secret, app.Slug, c.ID)
	}
	empty := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "nolicense@example.com"})
	var rows []apitest.Row
	for _, key := range []struct{ name, key string }{{"account", acct}, {"publishable", pk}} {
		for _, id := range []string{c.ID, cuuid} {
			rows = append(rows, apitest.Row{Name: "by customer " + id + " with the " + key.name + " key",
				Key: key.key, Method: "GET", Path: base + "?customer_id=" + id, Status: 200, Check: licensesOf(c.ID, 4)})
		}
	}
	for _, id := range []string{forever.ID, strings.TrimPrefix(forever.ID, "lic_")} {
		rows = append(rows, apitest.Row{Name: "get " + id, Key: pk, Method: "GET", Path: base + "/" + id, Status: 200,
			Check: func(t *testing.T, r *apitest.Response) {
				if got := apitest.Data[apitest.License](r); got.ID != forever.ID {
					t.Errorf("GET %s: %+v", id, got)
				}
			}})
	}
	notFound := apiError("not_found")
	apitest.Run(t, e, append(rows, []apitest.Row{
		{Name: "a list needs a customer", Key: acct, Method: "GET", Path: base, Status: 422,
			Check: apiError("validation_error", "customer_id")},
		{Name: "a list of a customer that is not there", Key: acct, Method: "GET",
			Path: base + "?customer_id=cus_00000000-0000-4000-8000-000000000000", Status: 404, Check: notFound},
		{Name: "a customer without licenses has []", Key: acct, Method: "GET", Path: base + "?customer_id=" + empty.ID,
			Status: 200, Check: licensesOf(empty.ID, 0)},
		{Name: "a license that is not there", Key: acct, Method: "GET",
			Path: base + "/lic_00000000-0000-4000-8000-000000000000", Status: 404, Check: notFound},
		{Name: "a publishable key may not delete", Key: pk, Method: "DELETE", Path: base + "/" + forever.ID,
			Status: 403, Check: apiError("forbidden")},
		{Name: "delete", Key: acct, Method: "DELETE", Path: base + "/" + forever.ID, Status: 204},
		{Name: "gone", Key: acct, Method: "GET", Path: base + "/" + forever.ID, Status: 404, Check: notFound},
		{Name: "a second delete", Key: acct, Method: "DELETE", Path: base + "/" + forever.ID, Status: 404,
			Check: notFound},
		{Name: "the others are left", Key: acct, Method: "GET", Path: base + "?customer_id=" + c.ID, Status: 200,
			Check: licensesOf(c.ID, 3)},
	}...))
}
