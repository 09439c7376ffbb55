package lukittu_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/apitest"
)

// grace is a create with most fields of the dialect.
var grace = M{
	"email": "Grace@Example.com", "fullName": "Grace Hopper", "username": "grace",
	"metadata": []M{{"key": "tier", "value": "gold", "locked": true}},
	"address":  M{"street": "1 Navy Way", "city": "Arlington", "country": "us", "postalCode": "22201"},
}

// createGrace makes grace's customer in app and checks what the create answers.
func createGrace(t *testing.T, e *apitest.Env, app apitest.App) customerJSON {
	t.Helper()
	c := wantOK[customerJSON](t, e.As(t, app.Secret).Post(teamOf(app), grace), 201, "CustomerResponse")
	if c.TeamID != app.UUID || str(c.Email) != "Grace@Example.com" || len(c.Metadata) != 1 || !c.Metadata[0].Locked ||
		c.Address == nil || str(c.Address.Street) != "1 Navy Way" || str(c.Address.Line1) != "1 Navy Way" ||
		str(c.Address.Country) != "US" || c.DiscordAccount != nil || c.CreatedByUserID == "" {
		t.Errorf("created %+v", c)
	}
	return c
}

// TestCreateCustomer: a create answers the customer; every bad request is its 4xx in the
// dialect's envelope.
func TestCreateCustomer(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lk-team")
	other := e.CreateApp(t, "lk-other")
	team, base := app.UUID, teamOf(app)
	sk, pk, body := app.Secret, app.Publishable, grace
	createGrace(t, e, app)

	t.Run("errors", func(t *testing.T) {
		bad := lkError("BAD_REQUEST")
		var badKey envelope
		apitest.Run(t, e, []apitest.Row{
			{Name: "an unknown key", Key: sk, Method: "POST", Path: base,
				Body: M{"email": "x@example.com", "metadata": []any{}, "nickname": "x"}, Status: 400, Check: bad},
			{Name: "no email nor username", Key: sk, Method: "POST", Path: base,
				Body: M{"fullName": "No Contact", "metadata": []any{}}, Status: 400, Check: bad},
			{Name: "no metadata", Key: sk, Method: "POST", Path: base, Body: M{"email": "x@example.com"}, Status: 400,
				Check: bad},
			{Name: "a full name too short", Key: sk, Method: "POST", Path: base,
				Body: M{"email": "x@example.com", "fullName": "Al", "metadata": []any{}}, Status: 400, Check: bad},
			{Name: "a Discord id that is no snowflake", Key: sk, Method: "POST", Path: base,
				Body: M{"email": "x@example.com", "discordId": "123", "metadata": []any{}}, Status: 400, Check: bad},
			{Name: "a bad body", Key: sk, Method: "POST", Path: base, Body: `{"email":`, Status: 400, Check: bad},
			{Name: "an email taken, in any letter case", Key: sk, Method: "POST", Path: base,
				Body: M{"email": "GRACE@example.com", "metadata": []any{}}, Status: 409, Check: bad},
			{Name: "a team id that is no UUID", Key: sk, Method: "POST", Path: "/api/v1/dev/teams/not-a-uuid/customers",
				Body: body, Status: 400, Check: bad},
			{Name: "a customer id that is no UUID", Key: sk, Method: "GET", Path: base + "/not-a-uuid", Status: 400,
				Check: bad},
			{Name: "a customer that is not there", Key: sk, Method: "GET",
				Path: base + "/00000000-0000-4000-8000-000000000000", Status: 404, Check: lkError("CUSTOMER_NOT_FOUND")},
			{Name: "a body over 1 MiB", Key: sk, Method: "POST", Path: base, Body: strings.Repeat(" ", 1<<20+1),
				Status: 413, Check: bad},
			{Name: "a route that is not there", Key: sk, Method: "GET", Path: "/api/v1/dev/teams/" + team + "/licenses",
				Status: 404, Check: bad},
			{Name: "a bad key", Key: "sk_live_" + strings.Repeat("0", 48), Method: "GET", Path: base, Status: 401,
				Check: func(t *testing.T, r *apitest.Response) { badKey = errorOf(t, r, "UNAUTHORIZED") }},
			{Name: "a key of another team gets the very 401 of a bad key", Key: other.Secret, Method: "GET",
				Path: base, Status: 401, Check: func(t *testing.T, r *apitest.Response) {
					if foreign := errorOf(t, r, "UNAUTHORIZED"); foreign.Result.Details != badKey.Result.Details {
						t.Errorf("another team's key %q differs from a bad key %q", foreign.Result.Details,
							badKey.Result.Details)
					}
				}},
			{Name: "a publishable key may not write", Key: pk, Method: "POST", Path: base, Body: body, Status: 403,
				Check: lkError("FORBIDDEN")},
			{Name: "a team that is not there", Key: e.AccountKey, Method: "GET",
				Path: "/api/v1/dev/teams/00000000-0000-4000-8000-000000000000/customers", Status: 404,
				Check: lkError("TEAM_NOT_FOUND")},
		})
	})
}

// TestReadAndReplaceCustomer: a PUT replaces what the dialect knows of a customer in full,
// and keeps what only the other dialects know.
func TestReadAndReplaceCustomer(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lk-team")
	base, sk, pk := teamOf(app), app.Secret, app.Publishable
	c := createGrace(t, e, app)
	apps := "/api/v1/apps/lk-team/customers/cus_" + c.ID
	apitest.Run(t, e, []apitest.Row{
		{Name: "read with a publishable key", Key: pk, Method: "GET", Path: base + "/" + c.ID, Status: 200,
			Check: ok("CustomerData", func(t *testing.T, got customerJSON) {
				if got.ID != c.ID {
					t.Errorf("get %+v", got)
				}
			})},
		{Name: "fields only the Apps API knows", Key: sk, Method: "PUT", Path: apps,
			Body: M{"external_id": "crm-7", "phone": "555"}, Status: 200},
		{Name: "a full replace", Key: sk, Method: "PUT", Path: base + "/" + c.ID,
			Body:   M{"email": "grace.hopper@example.com", "metadata": []any{}, "address": M{"line1": "2 Navy Way"}},
			Status: 200, Check: ok("CustomerData", func(t *testing.T, put customerJSON) {
				if put.FullName != nil || put.Username != nil || len(put.Metadata) != 0 || put.Address == nil ||
					str(put.Address.Street) != "2 Navy Way" || put.Address.City != nil {
					t.Errorf("a full replace kept fields it did not give: %+v", put)
				}
			})},
		{Name: "keeps the fields only other dialects know", Key: sk, Method: "GET", Path: apps, Status: 200,
			Check: func(t *testing.T, r *apitest.Response) {
				if got := apitest.Data[apitest.Customer](r); str(got.ExternalID) != "crm-7" {
					t.Errorf("the replace dropped external_id: %+v", got)
				}
			}},
	})

}

func TestListCustomers(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lk-team")
	base, sk := teamOf(app), app.Secret
	createGrace(t, e, app)
	for i := range 12 {
		e.As(t, sk).Post(base, M{"username": fmt.Sprintf("user%02d", i), "fullName": fmt.Sprintf("Zed %02d", i),
			"metadata": []any{}}).Want(201)
	}
	list := func(check func(t *testing.T, l listJSON)) func(*testing.T, *apitest.Response) {
		return ok("", check)
	}
	apitest.Run(t, e, []apitest.Row{
		{Name: "pageSize 10", Key: sk, Method: "GET", Path: base + "?pageSize=10", Status: 200,
			Check: list(func(t *testing.T, l listJSON) {
				if len(l.Customers) != 10 || l.TotalResults != 13 || !l.HasNextPage {
					t.Errorf("%d rows, total %d, next %v", len(l.Customers), l.TotalResults, l.HasNextPage)
				}
			})},
		{Name: "pageSize 7 is 25", Key: sk, Method: "GET", Path: base + "?pageSize=7", Status: 200,
			Check: list(func(t *testing.T, l listJSON) {
				if len(l.Customers) != 13 || l.HasNextPage {
					t.Errorf("%d rows, next %v", len(l.Customers), l.HasNextPage)
				}
			})},
		{Name: "search and sort by full name", Key: sk, Method: "GET",
			Path: base + "?search=ZED%200&sortColumn=fullName&sortDirection=asc&pageSize=10", Status: 200,
			Check: list(func(t *testing.T, l listJSON) {
				cs := l.customers(t)
				if l.TotalResults != 10 || len(cs) != 10 || str(cs[0].FullName) != "Zed 00" ||
					str(cs[9].FullName) != "Zed 09" {
					t.Errorf("total %d, customers %+v", l.TotalResults, cs)
				}
			})},
		{Name: "oldest first, page 2", Key: sk, Method: "GET",
			Path: base + "?sortColumn=createdAt&sortDirection=asc&pageSize=10&page=2", Status: 200,
			Check: list(func(t *testing.T, l listJSON) {
				if cs := l.customers(t); len(cs) != 3 || str(cs[2].Username) != "user11" || l.HasNextPage {
					t.Errorf("%+v", l)
				}
			})},
	})

}

// TestDeleteCustomer: the license goes with its customer, whichever dialect deletes it.
func TestDeleteCustomer(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lk-team")
	base, sk := teamOf(app), app.Secret
	c := createGrace(t, e, app)
	lic := e.CreateLicense(t, sk, app.Slug, c.ID)
	apitest.Run(t, e, []apitest.Row{
		{Name: "delete", Key: sk, Method: "DELETE", Path: base + "/" + c.ID, Status: 200,
			Check: ok("", func(t *testing.T, del struct {
				CustomerID string `json:"customerId"`
				Deleted    bool   `json:"deleted"`
			}) {
				if del.CustomerID != c.ID || !del.Deleted {
					t.Errorf("delete: %+v", del)
				}
			})},
		{Name: "the customer is gone", Key: sk, Method: "GET", Path: base + "/" + c.ID, Status: 404,
			Check: lkError("CUSTOMER_NOT_FOUND")},
		{Name: "its license too", Key: sk, Method: "GET", Path: "/api/v1/apps/lk-team/licenses/" + lic.ID,
			Status: 404, Check: appsNotFound},
	})
}
