package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/clientele/clientele/internal/customer"
)

// seed creates n customers with emails user<i>@<domain> using a few writers.
func seed(tb testing.TB, s *Store, app string, n int, domain string) {
	tb.Helper()
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += writers {
				_, err := s.CreateCustomer(context.Background(), app, customer.Customer{
					Email: fmt.Sprintf("user%04d@%s", i, domain), ExternalID: fmt.Sprintf("ext-%04d", i),
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatalf("seed: %v", err)
	}
}

func TestCursorPaginationReturnsEachCustomerOnce(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "pages")
	seed(t, s, app, 1000, "example.com")
	checkInvariants(t, s, app)

	seen := map[string]int{}
	var order []customer.Customer
	cursor, pages := "", 0
	for {
		page, err := s.ListCustomers(ctx, app, ListQuery{Limit: 37, Cursor: cursor})
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		pages++
		if page.Total != 1000 {
			t.Fatalf("page %d: total %d, want 1000", pages, page.Total)
		}
		for _, c := range page.Customers {
			seen[c.ID]++
			order = append(order, c)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if len(seen) != 1000 || len(order) != 1000 {
		t.Fatalf("saw %d distinct customers in %d rows, want 1000 once each", len(seen), len(order))
	}
	if pages != 28 { // ceil(1000/37): the last page knows it is the last
		t.Errorf("%d pages, want 28", pages)
	}
	for i := 1; i < len(order); i++ {
		if order[i].CreatedAt.After(order[i-1].CreatedAt) {
			t.Fatalf("row %d is newer than row %d: not newest first", i, i-1)
		}
	}

	// Page numbers reach the same rows as cursors.
	for _, p := range []int{1, 2, 27} {
		page, err := s.ListCustomers(ctx, app, ListQuery{Limit: 37, Page: p})
		if err != nil {
			t.Fatalf("page %d: %v", p, err)
		}
		want := order[(p-1)*37 : min(p*37, 1000)]
		if len(page.Customers) != len(want) {
			t.Fatalf("page %d has %d rows, want %d", p, len(page.Customers), len(want))
		}
		for i := range want {
			if page.Customers[i].ID != want[i].ID {
				t.Fatalf("page %d row %d = %s, want %s", p, i, page.Customers[i].ID, want[i].ID)
			}
		}
	}
	if page, err := s.ListCustomers(ctx, app, ListQuery{Limit: 37, Page: 100}); err != nil ||
		len(page.Customers) != 0 || page.Total != 1000 {
		t.Errorf("page past the data: %v, %d rows, total %d", err, len(page.Customers), page.Total)
	}
	for _, q := range []ListQuery{
		{Limit: 100, Page: 11},
		{Limit: 20, Page: math.MaxInt},
		{Limit: 1000, Page: math.MaxInt / 999},
	} {
		if page, err := s.ListCustomers(ctx, app, q); err != nil || len(page.Customers) != 0 || page.Total != 1000 {
			t.Errorf("page %d of %d, past the data: %v, %d rows, total %d",
				q.Page, q.Limit, err, len(page.Customers), page.Total)
		}
	}
}

func TestCursorsAreBoundToAppAndFilter(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "cursors")
	other := newApp(t, s, "cursors-other")
	seed(t, s, app, 30, "example.com")
	seed(t, s, other, 30, "example.com")

	page, err := s.ListCustomers(ctx, app, ListQuery{Limit: 10})
	if err != nil || page.NextCursor == "" {
		t.Fatalf("first page: %v, cursor %q", err, page.NextCursor)
	}
	good := page.NextCursor
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name   string
		appID  string
		query  ListQuery
		cursor string
	}{
		{"a changed byte in the position", app, ListQuery{}, flip(good, 3)},
		{"a changed byte in the signature", app, ListQuery{}, flip(good, len(good)-2)},
		{"garbage", app, ListQuery{}, "not-a-cursor"},
		{"a cursor of another app", other, ListQuery{}, good},
		{"another filter", app, ListQuery{EmailContains: "user"}, good},
		{"a cursor with its signature cut", app, ListQuery{}, good[:strings.Index(good, ".")]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.query.Cursor = tt.cursor
			if _, err := s.ListCustomers(ctx, tt.appID, tt.query); !errors.Is(err, ErrInvalidCursor) {
				t.Errorf("got %v, want invalid cursor", err)
			}
		})
	}
	if _, err := s.ListCustomers(ctx, app, ListQuery{Limit: 10, Cursor: good}); err != nil {
		t.Errorf("the untouched cursor: %v", err)
	}
}

func TestListFilters(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "filters")
	seed(t, s, app, 25, "example.com")
	seed(t, s, app, 0, "")
	for i := range 7 {
		mustCreate(t, s, app, customer.Customer{Email: fmt.Sprintf("Vip%d@Acme.IO", i)})
	}
	mustCreate(t, s, app, customer.Customer{Name: "no email", ExternalID: "no-email"})

	tests := []struct {
		name      string
		query     ListQuery
		wantTotal int64
		wantRows  int
	}{
		{"no filter", ListQuery{Limit: 100}, 33, 33},
		{"email part in another case", ListQuery{EmailContains: "ACME", Limit: 100}, 7, 7},
		{"email part, small page", ListQuery{EmailContains: "acme.io", Limit: 3}, 7, 3},
		{"email part, second page", ListQuery{EmailContains: "acme.io", Limit: 3, Page: 3}, 7, 1},
		{"email part matching nothing", ListQuery{EmailContains: "nobody"}, 0, 0},
		{"external id exact", ListQuery{ExternalID: "ext-0007"}, 1, 1},
		{"external id is not partial", ListQuery{ExternalID: "ext-000"}, 0, 0},
		{"external id and email", ListQuery{ExternalID: "ext-0007", EmailContains: "user0007"}, 1, 1},
		{"external id and another email", ListQuery{ExternalID: "ext-0007", EmailContains: "acme"}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.ListCustomers(ctx, app, tt.query)
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != tt.wantTotal || len(page.Customers) != tt.wantRows {
				t.Errorf("total %d, rows %d; want %d, %d", page.Total, len(page.Customers), tt.wantTotal, tt.wantRows)
			}
			for _, c := range page.Customers {
				if q := tt.query.EmailContains; q != "" && !strings.Contains(strings.ToLower(c.Email), strings.ToLower(q)) {
					t.Errorf("%s does not match %q", c.Email, q)
				}
			}
		})
	}

	// A filtered cursor walk sees every match once.
	seen := map[string]bool{}
	cursor := ""
	for {
		page, err := s.ListCustomers(ctx, app, ListQuery{EmailContains: "acme", Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Customers {
			if seen[c.ID] {
				t.Fatalf("%s seen twice", c.ID)
			}
			seen[c.ID] = true
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(seen) != 7 {
		t.Errorf("filtered cursor walk saw %d customers, want 7", len(seen))
	}
}

func TestSearchAcrossFieldsAndOrder(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "search")
	mustCreate(t, s, app, customer.Customer{Email: "a@example.com", Name: "Ada LOVELACE"})
	mustCreate(t, s, app, customer.Customer{Email: "b@example.com", Username: "lovelace42"})
	mustCreate(t, s, app, customer.Customer{Email: "c@example.com", LegalName: "Lovelace Ltd", ExternalID: "Ext-LOVE"})
	mustCreate(t, s, app, customer.Customer{Email: "love@example.com"})

	tests := []struct {
		name string
		q    ListQuery
		want int
	}{
		{"name and username", ListQuery{Search: "LoveLace", SearchIn: []SearchField{SearchName, SearchUsername}}, 2},
		{"email and username", ListQuery{Search: "LOVE", SearchIn: []SearchField{SearchEmail, SearchUsername}}, 2},
		{"search and email filter", ListQuery{Search: "love", SearchIn: []SearchField{SearchName}, EmailContains: "a@"}, 1},
		{"no fields means no search", ListQuery{Search: "nothing"}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.ListCustomers(ctx, app, tt.q)
			if err != nil || len(page.Customers) != tt.want || page.Total != int64(tt.want) {
				t.Fatalf("list: %v, %d rows, total %d; want %d", err, len(page.Customers), page.Total, tt.want)
			}
			for _, sort := range []Sort{SortName, SortUpdated} {
				q := tt.q
				q.Sort = sort
				page, err := s.ListCustomers(ctx, app, q)
				if err != nil || len(page.Customers) != tt.want || page.Total != int64(tt.want) {
					t.Fatalf("by %s: %v, %d rows, total %d; want %d", sort, err, len(page.Customers), page.Total, tt.want)
				}
			}
		})
	}
	oldest, err := s.ListCustomers(ctx, app, ListQuery{Oldest: true, Limit: 1})
	if err != nil || oldest.Customers[0].Email != "a@example.com" {
		t.Fatalf("oldest first: %v %+v", err, oldest.Customers)
	}
	stale := ListQuery{Limit: 1, Cursor: oldest.NextCursor}
	if _, err := s.ListCustomers(ctx, app, stale); !errors.Is(err, ErrInvalidCursor) {
		t.Errorf("an oldest-first cursor reused newest first: %v, want invalid cursor", err)
	}
	for _, q := range []ListQuery{
		{Search: "love", SearchIn: []SearchField{SearchLegalName, SearchExternalID}},
		{Search: "love", SearchIn: []SearchField{SearchEmail, SearchName, SearchUsername, SearchLegalName, SearchExternalID}},
	} {
		want := map[bool]int{true: 1, false: 4}[len(q.SearchIn) == 2]
		page, err := s.ListCustomers(ctx, app, q)
		if err != nil || page.Total != int64(want) {
			t.Errorf("search %v: %v, total %d; want %d", q.SearchIn, err, page.Total, want)
		}
		q.Sort = SortName
		if _, err := s.ListCustomers(ctx, app, q); err == nil {
			t.Errorf("search %v by name: no error, but the name index holds no legal name or external id", q.SearchIn)
		}
	}
}
