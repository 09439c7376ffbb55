package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
)

// walkPages lists every page of q by cursor and by page number, fails unless both give the
// same rows each once with the exact total on every page, and returns the rows.
func walkPages(t *testing.T, s *Store, app string, q ListQuery, wantTotal int) []customer.Customer {
	t.Helper()
	ctx := context.Background()
	var byCursor []customer.Customer
	cursor := ""
	for pages := 0; ; pages++ {
		qq := q
		qq.Cursor = cursor
		page, err := s.ListCustomers(ctx, app, qq)
		if err != nil {
			t.Fatalf("%+v page %d: %v", q, pages+1, err)
		}
		if page.Total != int64(wantTotal) {
			t.Fatalf("%+v page %d: total %d, want %d", q, pages+1, page.Total, wantTotal)
		}
		byCursor = append(byCursor, page.Customers...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
		if pages > wantTotal {
			t.Fatal("the cursor walk does not end")
		}
	}
	var byPage []customer.Customer
	for p := 1; ; p++ {
		qq := q
		qq.Page = p
		page, err := s.ListCustomers(ctx, app, qq)
		if err != nil {
			t.Fatalf("%+v page %d: %v", q, p, err)
		}
		if page.Total != int64(wantTotal) {
			t.Fatalf("%+v page %d: total %d, want %d", q, p, page.Total, wantTotal)
		}
		if len(page.Customers) == 0 {
			break
		}
		byPage = append(byPage, page.Customers...)
	}
	seen := map[string]bool{}
	for i, c := range byCursor {
		if seen[c.ID] {
			t.Fatalf("%+v: %s twice", q, c.ID)
		}
		seen[c.ID] = true
		if i >= len(byPage) || byPage[i].ID != c.ID {
			t.Fatalf("%+v: row %d by cursor is %s, by page number another", q, i, c.ID)
		}
	}
	if len(byCursor) != wantTotal || len(byPage) != wantTotal {
		t.Fatalf("%+v: %d rows by cursor, %d by page, want %d", q, len(byCursor), len(byPage), wantTotal)
	}
	return byCursor
}

func ids(cs []customer.Customer) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// TestMergedOrderWithTiesAcrossBuckets: customers created at one instant, spread over every
// bucket, come in one order (created_at, then id), newest or oldest first, by cursor and by
// page number, filtered or not, with exact totals.
func TestMergedOrderWithTiesAcrossBuckets(t *testing.T) {
	s, _ := newStore(t)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	app := newApp(t, s, "ties")
	var mu sync.Mutex
	var all []customer.Customer
	buckets := map[int]bool{}
	for round := range 3 {
		s.SetClock(func() time.Time { return at.Add(time.Duration(round) * time.Second) })
		run(8, func(w int) {
			for i := range 25 {
				c := mustCreate(t, s, app, customer.Customer{Email: fmt.Sprintf("r%d-w%d-%d@%s.example.com", round, w, i,
					[]string{"even", "odd"}[i%2])})
				mu.Lock()
				all = append(all, c)
				buckets[bucket(c.ID)] = true
				mu.Unlock()
			}
		})
	}
	if len(buckets) != Buckets {
		t.Fatalf("600 customers fill %d of %d buckets", len(buckets), Buckets)
	}
	oldest := slices.SortedFunc(slices.Values(all), func(a, b customer.Customer) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	newest := slices.Clone(oldest)
	slices.Reverse(newest)
	odd := slices.DeleteFunc(slices.Clone(newest), func(c customer.Customer) bool {
		return !strings.Contains(c.Email, "@odd.")
	})
	for _, tt := range []struct {
		q    ListQuery
		want []customer.Customer
	}{
		{ListQuery{Limit: 37}, newest},
		{ListQuery{Limit: 37, Oldest: true}, oldest},
		{ListQuery{Limit: 11, EmailContains: "@ODD."}, odd},
	} {
		if got := walkPages(t, s, app, tt.q, len(tt.want)); !slices.Equal(ids(got), ids(tt.want)) {
			t.Errorf("%+v: the rows are not in created_at then id order", tt.q)
		}
	}
	checkInvariants(t, s, app)
}

// TestSortsByEveryColumn: every order a dialect takes (name, username, email, last update,
// both ways) holds every customer, those without the field too, in the field's text order
// (case and accents folded), ties in creation order, by cursor and by page number, filtered
// or not.
func TestSortsByEveryColumn(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "sorted")
	people := []string{"Zoë", "adam", "Ádám", "", "bob", "BOB", "Émile", "zed", "", "Carl"}
	var all []customer.Customer
	for i := range 40 {
		c := customer.Customer{Name: people[i%len(people)], Username: fmt.Sprintf("U%02d", (i*7)%40)}
		if i%4 != 0 {
			c.Email = fmt.Sprintf("%c%02d@example.com", 'a'+(i*3)%26, i)
		}
		all = append(all, mustCreate(t, s, app, c))
	}
	for i := range all {
		if i%3 == 0 { // updates reorder by updated_at
			c, _, err := s.UpdateCustomer(ctx, app, all[i].ID, customer.Patch{Phone: customer.Some("+1 555 0100")}, 0)
			if err != nil {
				t.Fatal(err)
			}
			all[i] = c
		}
	}
	created := func(a, b customer.Customer) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	}
	byText := func(f func(customer.Customer) string) func(a, b customer.Customer) int {
		return func(a, b customer.Customer) int { return cmp.Or(strings.Compare(f(a), f(b)), created(a, b)) }
	}
	orders := map[Sort]func(a, b customer.Customer) int{
		SortName:     byText(func(c customer.Customer) string { return customer.SearchText(c.Name) }),
		SortUsername: byText(func(c customer.Customer) string { return customer.SearchText(c.Username) }),
		SortEmail:    byText(func(c customer.Customer) string { return customer.EmailKey(c.Email) }),
		SortUpdated: func(a, b customer.Customer) int {
			return cmp.Or(a.UpdatedAt.Compare(b.UpdatedAt), created(a, b))
		},
	}
	for sort, compare := range orders {
		asc := slices.SortedFunc(slices.Values(all), compare)
		desc := slices.Clone(asc)
		slices.Reverse(desc)
		bobs := slices.DeleteFunc(slices.Clone(asc), func(c customer.Customer) bool {
			return customer.SearchText(c.Name) != "bob"
		})
		for _, tt := range []struct {
			q    ListQuery
			want []customer.Customer
		}{
			{ListQuery{Sort: sort, Oldest: true, Limit: 6}, asc},
			{ListQuery{Sort: sort, Limit: 6}, desc},
			{ListQuery{Sort: sort, Oldest: true, Limit: 1, Search: "BÖB", SearchIn: []SearchField{SearchName}}, nil},
			{ListQuery{
				Sort:     sort,
				Oldest:   true,
				Limit:    1,
				Search:   "BOB",
				SearchIn: []SearchField{SearchName, SearchUsername},
			}, bobs},
		} {
			got := walkPages(t, s, app, tt.q, len(tt.want))
			if !slices.Equal(ids(got), ids(tt.want)) {
				t.Errorf("by %s (ascending %t): %q, want %q", sort, tt.q.Oldest, names(got), names(tt.want))
			}
		}
	}
	_, err := s.ListCustomers(ctx, app, ListQuery{Sort: SortName, Countries: []string{"FI"}})
	if err == nil || errors.Is(err, ErrFilterTooLarge) {
		t.Errorf("a filter on a field the name index does not hold: %v, want an error of the store's use", err)
	}
}

func names(cs []customer.Customer) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name + "/" + c.Email
	}
	return out
}

// toLegacy puts customers and their app back in the shape of before the list indexes: in gsi3
// by creation, with lower-cased search attributes, without list keys, and #META without an
// index version.
func toLegacy(t *testing.T, s *Store, app string, cs []customer.Customer) {
	t.Helper()
	ctx := context.Background()
	for _, c := range cs {
		remove := []string{"lago_idx"}
		for _, a := range []string{attrListPK, attrCreatedSK, attrUpdatedSK, attrNameSK, attrUsernameSK, attrEmailSK} {
			remove = append(remove, a)
		}
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.table), Key: itemKey(appPK(app), customerSK(c.ID)),
			UpdateExpression: aws.String("SET gsi3pk = :pk, gsi3sk = :sk, lc_name = :name REMOVE " + strings.Join(remove, ", ")),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": str(appPK(app)), ":sk": str(createdSK(c)), ":name": str(strings.ToLower(c.Name)),
			},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        aws.String(s.table),
		Key:              itemKey(appPK(app), metaSK),
		UpdateExpression: aws.String("REMOVE index_version"),
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAppsOfBeforeTheListIndexes: an app whose customers are in gsi3 lists them all until it
// is re-indexed (gsi3 and the list indexes merged, other orders sorted in memory); writes
// move a customer to the list indexes; Reindex moves the rest without changing any version,
// and the app's lists then read the list indexes alone.
func TestAppsOfBeforeTheListIndexes(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "legacy-lists")
	var old []customer.Customer
	for i := range 30 {
		old = append(old, mustCreate(t, s, app, customer.Customer{Email: fmt.Sprintf("old%02d@example.com", i),
			Name: []string{"Straße", "Ann", "Bea"}[i%3]}))
	}
	toLegacy(t, s, app, old)
	if _, _, err := s.UpdateCustomer(ctx, app, old[0].ID, customer.Patch{Name: customer.Some("Renamed")}, 0); err != nil {
		t.Fatal(err)
	}
	fresh := mustCreate(t, s, app, customer.Customer{Email: "new@example.com", Name: "Straße"})
	walkPages(t, s, app, ListQuery{Limit: 7}, 31)
	byName := walkPages(t, s, app, ListQuery{Limit: 7, Sort: SortName, Oldest: true}, 31)
	if byName[0].Name != "Ann" || byName[30].Name != "Straße" {
		t.Errorf("by name, before the re-index: first %q, last %q", byName[0].Name, byName[30].Name)
	}
	// The old text rule missed "STRASSE" in the old items; the new one finds the new item.
	strasse := ListQuery{Search: "STRASSE", SearchIn: []SearchField{SearchName}}
	if page, err := s.ListCustomers(ctx, app, strasse); err != nil ||
		page.Total != 1 || page.Customers[0].ID != fresh.ID {
		t.Fatalf("search before the re-index: %v, %+v", err, page)
	}

	st, err := s.Reindex(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	if st.Customers != 31 || st.Rewritten != 29 {
		t.Errorf("re-index: %+v, want 31 customers read and the 29 untouched old ones rewritten", st)
	}
	checkInvariants(t, s, app)
	for _, c := range old[1:] {
		got, err := s.GetCustomer(ctx, app, c.ID)
		if err != nil || got.Version != c.Version || !got.UpdatedAt.Equal(c.UpdatedAt) {
			t.Fatalf("after the re-index: %v, version %d, want %d as before", err, got.Version, c.Version)
		}
	}
	if page, err := s.ListCustomers(ctx, app, strasse); err != nil ||
		page.Total != 10 { // nine old ones (the first was renamed) and the new one
		t.Fatalf("search after the re-index: %v, total %d, want 10", err, page.Total)
	}
	if st, err := s.Reindex(ctx, app); err != nil || st.Rewritten != 0 {
		t.Errorf("re-index again: %+v, %v; want nothing rewritten", st, err)
	}
}

// TestCountryNamesAreKeptAndFiltered: a country sent as a name reads back as sent and is
// found by its ISO code's filter; one that names no country is kept and filtered by none.
func TestCountryNamesAreKeptAndFiltered(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "countries")
	fi := mustCreate(t, s, app, customer.Customer{Email: "fi@example.com", Address: customer.Address{Country: "Finland"}})
	code := mustCreate(t, s, app, customer.Customer{Email: "fi2@example.com", Address: customer.Address{Country: "fi"}})
	other := mustCreate(t, s, app, customer.Customer{
		Email:   "x@example.com",
		Address: customer.Address{Country: "Atlantis"},
	})
	for _, c := range []struct {
		id, want string
	}{{fi.ID, "Finland"}, {code.ID, "FI"}, {other.ID, "Atlantis"}} {
		got, err := s.GetCustomer(ctx, app, c.id)
		if err != nil || got.Address.Country != c.want {
			t.Errorf("country %q (%v), want %q as sent", got.Address.Country, err, c.want)
		}
	}
	page, err := s.ListCustomers(ctx, app, ListQuery{Countries: []string{"FI"}})
	if err != nil || page.Total != 2 {
		t.Errorf("countries FI: %v, total %d, want the two Finnish customers", err, page.Total)
	}
	checkInvariants(t, s, app)
}

// TestSequentialIDsAreUniqueAndGrowWithCreation: customers created at once, many in one
// millisecond, have sequential ids unique in the app that order them as their creation does
// to the millisecond; re-indexed customers of before get theirs, unique too.
func TestSequentialIDsAreUniqueAndGrowWithCreation(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "seq")
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	s.SetClock(func() time.Time { return at }) // every create in one millisecond
	var mu sync.Mutex
	var first []customer.Customer
	run(16, func(w int) {
		for i := range 20 {
			c := mustCreate(t, s, app, customer.Customer{Email: fmt.Sprintf("s%d-%d@example.com", w, i)})
			mu.Lock()
			first = append(first, c)
			mu.Unlock()
		}
	})
	s.SetClock(func() time.Time { return at.Add(time.Millisecond) })
	later := mustCreate(t, s, app, customer.Customer{Email: "later@example.com"})
	seen := map[int64]bool{}
	for _, c := range first {
		if seen[c.SequentialID] || c.SequentialID <= 0 || c.SequentialID >= later.SequentialID {
			t.Fatalf("sequential id %d: repeated, or not below the later customer's %d", c.SequentialID, later.SequentialID)
		}
		seen[c.SequentialID] = true
		got, err := s.GetCustomer(ctx, app, c.ID)
		if err != nil || got.SequentialID != c.SequentialID {
			t.Fatalf("read back: %v, %d, want %d", err, got.SequentialID, c.SequentialID)
		}
	}
	// Customers of before the sequential ids, all created in one millisecond an hour earlier.
	s.SetClock(func() time.Time { return at.Add(-time.Hour) })
	var old []customer.Customer
	for i := range 20 {
		old = append(old, mustCreate(t, s, app, customer.Customer{Email: fmt.Sprintf("old%d@example.com", i)}))
	}
	toLegacy(t, s, app, old)
	for _, c := range old {
		removeSeq(t, s, app, c.ID)
	}
	if _, err := s.Reindex(ctx, app); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, s, app) // every sequential id unique
	for _, c := range old {
		got, err := s.GetCustomer(ctx, app, c.ID)
		if err != nil || got.SequentialID <= 0 || got.SequentialID >= first[0].SequentialID {
			t.Errorf("re-indexed customer: %v, sequential id %d, want one below the later customers'", err, got.SequentialID)
		}
	}
}

// removeSeq takes a customer's sequential id away, as the store of before wrote customers.
func removeSeq(t *testing.T, s *Store, app, id string) {
	t.Helper()
	_, err := s.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: itemKey(appPK(app), customerSK(id)), UpdateExpression: aws.String("REMOVE seq"),
	})
	if err != nil {
		t.Fatal(err)
	}
}
