package appsapi_test

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apitest"
)

// listed decodes a list and checks that its meta has total, page and per_page.
func listed(t *testing.T, r *apitest.Response) customerList {
	t.Helper()
	var l customerList
	r.Into(&l)
	if l.Meta.Total == nil || l.Meta.Page == nil || l.Meta.PerPage == nil {
		t.Fatalf("%s: meta %s lacks total, page or per_page", r.Req, mustJSON(l.Meta))
	}
	return l
}

// meta is a Row's check of a list's meta and of how many customers it holds.
func meta(total int64, page, perPage, items int) func(*testing.T, *apitest.Response) {
	return func(t *testing.T, r *apitest.Response) {
		t.Helper()
		l := listed(t, r)
		if *l.Meta.Total != total || *l.Meta.Page != page || *l.Meta.PerPage != perPage || len(l.Data) != items {
			t.Errorf("%s: %d items, meta %s; want %d items, total %d, page %d, per_page %d",
				r.Req, len(l.Data), mustJSON(l.Meta), items, total, page, perPage)
		}
	}
}

// listingCustomers is how many customers seedListing makes.
const listingCustomers = 45

// seedListing makes the customers of TestListing, user00@alpha.example to
// user44@beta.example, and returns their ids.
func seedListing(t *testing.T, e *apitest.Env, app apitest.App) map[string]bool {
	t.Helper()
	var (
		mu  sync.Mutex
		all = map[string]bool{}
		wg  sync.WaitGroup
		sem = make(chan struct{}, 8)
	)
	for i := range listingCustomers {
		domain := "alpha"
		if i%2 == 1 {
			domain = "beta"
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			c := e.CreateCustomer(t, app.Secret, app.Slug, M{
				"email": fmt.Sprintf("user%02d@%s.example", i, domain), "external_id": fmt.Sprintf("ext-%02d", i),
			})
			mu.Lock()
			all[c.ID] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(all) != listingCustomers {
		t.Fatalf("created %d customers, want %d", len(all), listingCustomers)
	}
	return all
}

// walk follows next_cursor from the first page of a list to the last and returns every
// customer seen, failing on a repeat.
func walk(t *testing.T, c *apitest.Caller, base, filter string, perPage int, total int64) map[string]apitest.Customer {
	t.Helper()
	seen := map[string]apitest.Customer{}
	q := fmt.Sprintf("?per_page=%d%s", perPage, filter)
	for pages := 0; ; pages++ {
		if pages > listingCustomers {
			t.Fatal("the cursor walk does not end")
		}
		l := listed(t, c.Get(base+q).Want(200))
		if *l.Meta.Total != total || *l.Meta.PerPage != perPage || len(l.Data) > perPage {
			t.Errorf("GET %s: %d items, meta %s", q, len(l.Data), mustJSON(l.Meta))
		}
		for _, cu := range l.Data {
			if _, dup := seen[cu.ID]; dup {
				t.Errorf("the walk sees %s twice", cu.ID)
			}
			seen[cu.ID] = cu
		}
		if l.Meta.NextCursor == nil {
			return seen
		}
		q = fmt.Sprintf("?per_page=%d%s&cursor=%s", perPage, filter, url.QueryEscape(*l.Meta.NextCursor))
	}
}

// TestListing lists an app of 45 customers, half of them @alpha.example and half
// @beta.example (seedListing): pages, cursors, and the email and external_id filters.
func TestListing(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "listing")
	acct, sk := e.AccountKey, app.Secret
	base := "/api/v1/apps/" + app.Slug + "/customers"
	all := seedListing(t, e, app)
	const n = listingCustomers
	list := func(t *testing.T, query string) customerList {
		t.Helper()
		return listed(t, e.As(t, sk).Get(base+query).Want(200))
	}

	t.Run("pages", func(t *testing.T) {
		seen := map[string]bool{}
		page := func(page, items int) func(*testing.T, *apitest.Response) {
			return func(t *testing.T, r *apitest.Response) {
				meta(n, page, 20, items)(t, r)
				for _, c := range listed(t, r).Data {
					if seen[c.ID] {
						t.Errorf("%s repeats %s", r.Req, c.ID)
					}
					seen[c.ID] = true
				}
			}
		}
		newestFirst := func(t *testing.T, r *apitest.Response) {
			var last time.Time
			for i, c := range listed(t, r).Data {
				at := wantTime(t, "created_at", c.CreatedAt)
				if i > 0 && at.After(last) {
					t.Errorf("customer %d (%s) is newer than the one before it", i, c.CreatedAt)
				}
				last = at
			}
		}
		bad := func(fields ...string) func(*testing.T, *apitest.Response) {
			return apiError("validation_error", fields...)
		}
		apitest.Run(t, e, []apitest.Row{
			{Name: "the first page, by default", Key: acct, Method: "GET", Path: base, Status: 200,
				Check: func(t *testing.T, r *apitest.Response) {
					meta(n, 1, 20, 20)(t, r)
					if listed(t, r).Meta.NextCursor == nil {
						t.Error("the first page has no next_cursor")
					}
				}},
			{Name: "page 1", Key: sk, Method: "GET", Path: base + "?page=1&per_page=20", Status: 200, Check: page(1, 20)},
			{Name: "page 2", Key: sk, Method: "GET", Path: base + "?page=2&per_page=20", Status: 200, Check: page(2, 20)},
			{Name: "page 3, the last", Key: sk, Method: "GET", Path: base + "?page=3&per_page=20", Status: 200,
				Check: page(3, 5)},
			{Name: "page 4, past the data", Key: sk, Method: "GET", Path: base + "?page=4&per_page=20", Status: 200,
				Check: page(4, 0)},
			{Name: "newest first", Key: sk, Method: "GET", Path: base + "?per_page=100", Status: 200,
				Check: func(t *testing.T, r *apitest.Response) { meta(n, 1, 100, n)(t, r); newestFirst(t, r) }},
			{Name: "per_page is at most 100", Key: sk, Method: "GET", Path: base + "?per_page=1000", Status: 200,
				Check: meta(n, 1, 100, n)},
			{Name: "per_page 1", Key: sk, Method: "GET", Path: base + "?per_page=1", Status: 200, Check: meta(n, 1, 1, 1)},
			{Name: "per_page 0", Key: acct, Method: "GET", Path: base + "?per_page=0", Status: 422, Check: bad("per_page")},
			{Name: "per_page not a number", Key: acct, Method: "GET", Path: base + "?per_page=abc", Status: 422,
				Check: bad("per_page")},
			{Name: "page 0", Key: acct, Method: "GET", Path: base + "?page=0", Status: 422, Check: bad("page")},
			{Name: "both bad", Key: acct, Method: "GET", Path: base + "?page=-1&per_page=x", Status: 422,
				Check: bad("page", "per_page")},
			{Name: "a page past the data is empty, at any depth", Key: sk, Method: "GET",
				Path: base + "?page=1000&per_page=100", Status: 200, Check: meta(n, 1000, 100, 0)},
		})
		if len(seen) != n {
			t.Errorf("pages 1 to 3 hold %d customers, want all %d", len(seen), n)
		}
	})

	t.Run("a cursor walk sees every customer once", func(t *testing.T) {
		seen := walk(t, e.As(t, sk), base, "", 7, n)
		if len(seen) != n {
			t.Errorf("the walk saw %d customers, want %d", len(seen), n)
		}
		for id := range all {
			if _, ok := seen[id]; !ok {
				t.Errorf("the walk missed %s", id)
			}
		}
	})

	t.Run("a cursor is bound to its filter and its app, and cannot be forged", func(t *testing.T) {
		cursor := url.QueryEscape(*list(t, "?per_page=5").Meta.NextCursor)
		other := e.CreateApp(t, "listing-other")
		e.CreateCustomer(t, other.Secret, other.Slug, M{"email": "o@example.com"})
		bad := apiError("bad_request")
		apitest.Run(t, e, []apitest.Row{
			{Name: "another filter", Key: sk, Method: "GET", Path: base + "?per_page=5&email=alpha&cursor=" + cursor,
				Status: 400, Check: bad},
			{Name: "changed", Key: sk, Method: "GET", Path: base + "?per_page=5&cursor=" + cursor + "x", Status: 400,
				Check: bad},
			{Name: "garbage", Key: sk, Method: "GET", Path: base + "?cursor=garbage", Status: 400, Check: bad},
			{Name: "another app", Key: other.Secret, Method: "GET",
				Path: "/api/v1/apps/" + other.Slug + "/customers?per_page=5&cursor=" + cursor, Status: 400, Check: bad},
		})
	})

	t.Run("the email filter is a case-insensitive partial match", func(t *testing.T) {
		alpha := walk(t, e.As(t, sk), base, "&email=ALPHA", 5, 23)
		if len(alpha) != 23 {
			t.Errorf("email=ALPHA: %d customers, want 23", len(alpha))
		}
		for _, c := range alpha {
			if !strings.Contains(str(c.Email), "alpha") {
				t.Errorf("email=ALPHA returned %s", str(c.Email))
			}
		}
		apitest.Run(t, e, []apitest.Row{
			{Name: "user1", Key: acct, Method: "GET", Path: base + "?email=user1", Status: 200, Check: meta(10, 1, 20, 10)},
			{Name: "nobody", Key: acct, Method: "GET", Path: base + "?email=nobody", Status: 200, Check: meta(0, 1, 20, 0)},
			{Name: "user1, page 2 of 4", Key: acct, Method: "GET", Path: base + "?email=user1&page=2&per_page=4",
				Status: 200, Check: meta(10, 2, 4, 4)},
		})
	})

	t.Run("the external_id filter is exact", func(t *testing.T) {
		apitest.Run(t, e, []apitest.Row{
			{Name: "ext-07", Key: acct, Method: "GET", Path: base + "?external_id=ext-07", Status: 200,
				Check: func(t *testing.T, r *apitest.Response) {
					meta(1, 1, 20, 1)(t, r)
					if l := listed(t, r); len(l.Data) == 1 && str(l.Data[0].ExternalID) != "ext-07" {
						t.Errorf("external_id=ext-07 returned %+v", l.Data[0])
					}
				}},
			{Name: "a prefix is no match", Key: sk, Method: "GET", Path: base + "?external_id=ext-0", Status: 200,
				Check: meta(0, 1, 20, 0)},
			{Name: "with an email filter it misses", Key: sk, Method: "GET", Path: base + "?external_id=ext-07&email=alpha",
				Status: 200, Check: meta(0, 1, 20, 0)},
			{Name: "with an email filter it matches", Key: sk, Method: "GET",
				Path: base + "?external_id=ext-08&email=alpha", Status: 200, Check: meta(1, 1, 20, 1)},
		})
	})
}
