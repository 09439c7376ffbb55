package appsapi_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/clientele/clientele/internal/apitest"
	"github.com/clientele/clientele/internal/customer"
)

// walkApps lists an app's customers page by page, by cursor or by page number, with q's
// filters, and returns their ids in order, failing on a repeat or a wrong total.
func walkApps(t *testing.T, e *apitest.Env, app apitest.App, q string, byCursor bool, total int64) []string {
	t.Helper()
	var ids []string
	seen := map[string]bool{}
	next := "?per_page=100" + q
	for page := 1; ; page++ {
		if !byCursor {
			next = fmt.Sprintf("?per_page=100&page=%d%s", page, q)
		}
		l := listed(t, e.As(t, app.Secret).Get("/api/v1/apps/"+app.Slug+"/customers"+next).Want(200))
		if *l.Meta.Total != total {
			t.Fatalf("page %d: total %d, want %d", page, *l.Meta.Total, total)
		}
		for _, c := range l.Data {
			if seen[c.ID] {
				t.Fatalf("page %d: %s twice", page, c.ID)
			}
			seen[c.ID] = true
			ids = append(ids, c.ID)
		}
		if byCursor && l.Meta.NextCursor == nil || !byCursor && len(l.Data) == 0 {
			return ids
		}
		if byCursor {
			next = "?per_page=100&cursor=" + url.QueryEscape(*l.Meta.NextCursor) + q
		}
	}
}

// TestListsPastTenThousand: an app of 12,000 customers is walked to its end by cursor and by
// page number, newest first, each customer once, with its exact total on every page.
func TestListsPastTenThousand(t *testing.T) {
	e := apitest.New(t)
	app := e.CreateApp(t, "twelve-thousand")
	loaded := e.Load(t, app, 12000, nil)
	want := make([]string, len(loaded))
	for i, c := range loaded {
		want[len(loaded)-1-i] = "cus_" + c.ID // newest first
	}
	for _, byCursor := range []bool{true, false} {
		t.Run(fmt.Sprint("by cursor ", byCursor), func(t *testing.T) {
			if got := walkApps(t, e, app, "", byCursor, 12000); !slices.Equal(got, want) {
				t.Errorf("%d customers, not the 12,000 newest first", len(got))
			}
		})
	}
}

// TestListsOfAnAppOfBefore: an app whose customers are in the shape of before the list
// indexes lists them with those written since, by cursor and by page, filtered or not; its
// re-index moves them all, and it lists the same.
func TestListsOfAnAppOfBefore(t *testing.T) {
	e := apitest.New(t)
	app := e.CreateApp(t, "of-before")
	old := e.Load(t, app, 250, func(i int, c *customer.Customer) {
		c.Email = fmt.Sprintf("old%03d@%s.example", i, []string{"acme", "other"}[i%2])
	})
	e.Legacy(t, app, old)
	for i := range 5 {
		e.CreateCustomer(t, app.Secret, app.Slug, M{"email": fmt.Sprintf("new%d@acme.example", i)})
	}
	before := map[bool][]string{}
	for _, byCursor := range []bool{true, false} {
		before[byCursor] = walkApps(t, e, app, "", byCursor, 255)
		walkApps(t, e, app, "&email=ACME", byCursor, 130)
	}
	if !slices.Equal(before[true], before[false]) {
		t.Fatal("by cursor and by page differ")
	}
	if _, err := e.Admin.Reindex(t.Context(), app.UUID); err != nil {
		t.Fatal(err)
	}
	e.CheckInvariants(t, app.UUID)
	if after := walkApps(t, e, app, "", true, 255); !slices.Equal(after, before[true]) {
		t.Error("the re-indexed app lists otherwise")
	}
	walkApps(t, e, app, "&email=ACME", false, 130)
}
