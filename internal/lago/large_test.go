package lago_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apitest"
	"github.com/clientele/clientele/internal/customer"
)

// walkLago lists an app's customers page by page, as lago-go-client's CustomerListInput pages
// do, with q's filters, and returns their external ids in order, failing on a repeat or a
// wrong meta.
func walkLago(t *testing.T, e *apitest.Env, key string, q string, perPage int, total int64) []string {
	t.Helper()
	var ids []string
	seen := map[string]bool{}
	pages := int((total + int64(perPage) - 1) / int64(perPage))
	for page := 1; ; page++ {
		var l listJSON
		e.As(t, key).Get(fmt.Sprintf("%s?per_page=%d&page=%d%s", customers, perPage, page, q)).Want(200).Into(&l)
		if l.Meta.TotalCount != total || l.Meta.TotalPages != pages || l.Meta.CurrentPage != page {
			t.Fatalf("page %d: meta %+v, want total_count %d, total_pages %d", page, l.Meta, total, pages)
		}
		if (l.Meta.NextPage != nil) != (page < pages) {
			t.Fatalf("page %d of %d: next_page %v", page, pages, l.Meta.NextPage)
		}
		for _, c := range l.Customers {
			if seen[c.ExternalID] {
				t.Fatalf("page %d: %s twice", page, c.ExternalID)
			}
			seen[c.ExternalID] = true
			ids = append(ids, c.ExternalID)
		}
		if l.Meta.NextPage == nil {
			return ids
		}
	}
}

// TestPagesPastTenThousand: an app of 12,000 customers is walked to its end by page number,
// newest first, each customer once, with exact totals, also under a filter that 1% match. It
// is about each customer once, not latency (performance.md models that): the list's Timeout
// is lifted for DynamoDB Local, which a loaded machine makes far slower than DynamoDB.
func TestPagesPastTenThousand(t *testing.T) {
	e := apitest.New(t, apitest.FunctionTimeout(time.Minute, "lago-list-customers"))
	app := e.CreateApp(t, "lago-12000")
	loaded := e.Load(t, app, 12000, func(i int, c *customer.Customer) {
		c.ExternalID, c.Address.Country = fmt.Sprintf("ext-%05d", i), "US"
		if i%100 == 0 {
			c.Address.Country = "FI"
		}
	})
	var want, finnish []string
	for i := len(loaded) - 1; i >= 0; i-- {
		want = append(want, loaded[i].ExternalID)
		if loaded[i].Address.Country == "FI" {
			finnish = append(finnish, loaded[i].ExternalID)
		}
	}
	if got := walkLago(t, e, app.Secret, "", 500, 12000); !slices.Equal(got, want) {
		t.Errorf("%d customers, not the 12,000 newest first", len(got))
	}
	if got := walkLago(t, e, app.Secret, "&countries[]=FI", 25, 120); !slices.Equal(got, finnish) {
		t.Errorf("countries[]=FI: %d customers, want the 120 Finnish ones newest first", len(got))
	}
}

// TestListsOfAnAppOfBefore: an app whose customers are in the shape of before the list
// indexes lists them, filtered, with those written since; and the same once re-indexed.
func TestListsOfAnAppOfBefore(t *testing.T) {
	e := apitest.New(t)
	app := e.CreateApp(t, "lago-before")
	old := e.Load(t, app, 60, func(i int, c *customer.Customer) {
		c.ExternalID, c.Address.Country = fmt.Sprintf("old-%02d", i), []string{"US", "FI", "DE"}[i%3]
	})
	e.Legacy(t, app, old)
	for i := range 4 {
		e.As(t, app.Secret).Post(customers, M{"customer": M{"external_id": fmt.Sprint("new-", i), "country": "FI"}}).Want(200)
	}
	before := walkLago(t, e, app.Secret, "&countries[]=FI", 5, 24)
	walkLago(t, e, app.Secret, "", 10, 64)
	if _, err := e.Admin.Reindex(t.Context(), app.UUID); err != nil {
		t.Fatal(err)
	}
	if after := walkLago(t, e, app.Secret, "&countries[]=FI", 5, 24); !slices.Equal(after, before) {
		t.Error("the re-indexed app lists otherwise")
	}
	e.CheckInvariants(t, app.UUID)
}
