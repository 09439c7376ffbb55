package lukittu_test

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/apitest"
	"github.com/clientele/clientele/internal/customer"
)

// walkPages lists a team's customers from page from to page to (0: the end), with q's order
// and filters, and returns their ids in order, failing on a repeat or a wrong total.
func walkPages(t *testing.T, e *apitest.Env, app apitest.App, q string, from, to int, total int64) []string {
	t.Helper()
	var ids []string
	seen := map[string]bool{}
	base := "/api/v1/dev/teams/" + app.UUID + "/customers?pageSize=100" + q
	for page := from; to == 0 || page <= to; page++ {
		l := wantOK[listJSON](t, e.As(t, app.Secret).Get(fmt.Sprintf("%s&page=%d", base, page)), 200, "")
		if l.TotalResults != total || l.HasNextPage != (int64(page)*100 < total) {
			t.Fatalf("page %d: total %d, next %t; want total %d", page, l.TotalResults, l.HasNextPage, total)
		}
		for _, c := range l.customers(t) {
			if seen[c.ID] {
				t.Fatalf("page %d: %s twice", page, c.ID)
			}
			seen[c.ID] = true
			ids = append(ids, c.ID)
		}
		if !l.HasNextPage {
			break
		}
	}
	return ids
}

// TestPagesAndSortsPastTenThousand: a team of 12,000 customers is walked to its end by page
// number, each customer once, by createdAt; sorted by fullName, its pages past the 10,000th
// customer hold the customers that order puts there.
func TestPagesAndSortsPastTenThousand(t *testing.T) {
	e := apitest.New(t)
	app := e.CreateApp(t, "lukittu-12000")
	first := []string{"Zoë", "adam", "Ádám", "Björn", "chloé", "Émile", "Farid"}
	loaded := e.Load(t, app, 12000, func(i int, c *customer.Customer) {
		c.Name = fmt.Sprintf("%s %05d", first[i%len(first)], (i*7919)%12000)
	})
	byCreation := make([]string, len(loaded))
	for i, c := range loaded {
		byCreation[len(loaded)-1-i] = c.ID
	}
	if got := walkPages(t, e, app, "", 1, 0, 12000); !slices.Equal(got, byCreation) {
		t.Errorf("by createdAt: %d customers, not the 12,000 newest first", len(got))
	}
	byName := slices.Clone(loaded)
	slices.SortFunc(byName, func(a, b customer.Customer) int {
		return cmp.Or(strings.Compare(customer.SearchText(a.Name), customer.SearchText(b.Name)),
			a.CreatedAt.Compare(b.CreatedAt))
	})
	var want []string
	for _, c := range byName[10000:] {
		want = append(want, c.ID)
	}
	if got := walkPages(t, e, app, "&sortColumn=fullName&sortDirection=asc", 101, 0, 12000); !slices.Equal(got, want) {
		t.Errorf("by fullName, past 10,000: %d customers, not the last 2,000 by name", len(got))
	}
}

// TestSortsOfATeamOfBefore: a team whose customers are in the shape of before the list
// indexes sorts them by fullName with those written since (in memory, until re-indexed), and
// the same once re-indexed, from the list index.
func TestSortsOfATeamOfBefore(t *testing.T) {
	e := apitest.New(t)
	app := e.CreateApp(t, "lukittu-before")
	old := e.Load(t, app, 150, func(i int, c *customer.Customer) { c.Name = fmt.Sprintf("Old %03d", 149-i) })
	e.Legacy(t, app, old)
	for i := range 3 {
		body := M{"email": fmt.Sprintf("new%d@example.com", i), "fullName": fmt.Sprint("New ", i), "metadata": []M{}}
		wantOK[customerJSON](t, e.As(t, app.Secret).Post("/api/v1/dev/teams/"+app.UUID+"/customers", body), 201, "")
	}
	const q = "&sortColumn=fullName&sortDirection=desc"
	before := walkPages(t, e, app, q, 1, 0, 153)
	if _, err := e.Admin.Reindex(t.Context(), app.UUID); err != nil {
		t.Fatal(err)
	}
	if after := walkPages(t, e, app, q, 1, 0, 153); !slices.Equal(after, before) {
		t.Error("the re-indexed team sorts otherwise")
	}
	walkPages(t, e, app, "", 1, 0, 153)
	e.CheckInvariants(t, app.UUID)
}
