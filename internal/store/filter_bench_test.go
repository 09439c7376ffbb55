package store

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/clientele/clientele/internal/customer"
)

const filterCustomers = 10000

// scanned adds up the items DynamoDB read for the Queries of a client (ScannedCount: the
// items a filter expression looked at, which is what a query is billed for).
type scanned struct {
	mu sync.Mutex
	n  int64
}

func (sc *scanned) install(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("scanned",
			func(
				ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
			) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				if q, ok := out.Result.(*dynamodb.QueryOutput); ok && err == nil {
					sc.mu.Lock()
					sc.n += int64(q.ScannedCount)
					sc.mu.Unlock()
				}
				return out, md, err
			}), middleware.After)
	})
}

func (sc *scanned) take() int64 {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	n := sc.n
	sc.n = 0
	return n
}

// BenchmarkFilteredListPage lists Lago-style filtered pages of 100 (Lago's default) of an
// app of 10,000 customers, and reports for each the DynamoDB calls and the items read, and
// items read per customer of the app (reads/app: 1.00 is every item read once, the least
// an exact total of a filter over unindexed fields needs). The yardstick is the unfiltered
// first page of the same app, whose total is the app's counter.
func BenchmarkFilteredListPage(b *testing.B) {
	ctx := b.Context()
	var calls counter
	var sc scanned
	s, tbl := newStore(b, calls.install, sc.install)
	app := newApp(b, s, "filtered")
	countries := []string{"US", "FR", "DE"}
	seedDepth(b, tbl.Client, tbl.Name, app, filterCustomers, func(i int, c *customer.Customer) {
		c.Address.Country = countries[i%3]
		c.Lago = map[string]json.RawMessage{"currency": json.RawMessage([]string{`"EUR"`, `"USD"`}[i%2])}
		if i%100 == 0 {
			c.Metadata = []customer.Metadata{{Key: "plan", Value: json.RawMessage(`"enterprise"`)}}
		}
	})
	cursorOf := func(q ListQuery) string {
		page, err := s.ListCustomers(ctx, app, q)
		if err != nil || page.NextCursor == "" {
			b.Fatalf("first page for the cursor: %v", err)
		}
		return page.NextCursor
	}
	eur := []FieldMatch{{Field: "currency", AnyOf: []string{"EUR"}}}
	cases := []struct {
		name  string
		q     ListQuery
		total int64
	}{
		{"unfiltered", ListQuery{Limit: 100}, filterCustomers},
		{"country", ListQuery{Limit: 100, Countries: []string{"FR"}}, filterCustomers / 3},
		{"country+currency", ListQuery{Limit: 100, Countries: []string{"FR"}, Lago: eur}, filterCustomers / 6},
		{"country+currency/page3", ListQuery{Limit: 100, Page: 3, Countries: []string{"FR"}, Lago: eur}, filterCustomers / 6},
		{"metadata (1%)", ListQuery{Limit: 100, Metadata: []MetadataMatch{{Key: "plan", Value: "enterprise"}}},
			filterCustomers / 100},
	}
	cases = append(cases, struct {
		name  string
		q     ListQuery
		total int64
	}{"country+currency/cursor", ListQuery{
		Limit:     100,
		Countries: []string{"FR"},
		Lago:      eur,
		Cursor:    cursorOf(ListQuery{Limit: 100, Countries: []string{"FR"}, Lago: eur}),
	}, filterCustomers / 6})
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			calls.reset()
			sc.take()
			n := 0
			for ; b.Loop(); n++ {
				page, err := s.ListCustomers(ctx, app, tc.q)
				if err != nil {
					b.Fatal(err)
				}
				if page.Total < tc.total-1 || page.Total > tc.total+1 || len(page.Customers) != min(100, int(tc.total)) {
					b.Fatalf("total %d, %d rows; want about %d", page.Total, len(page.Customers), tc.total)
				}
			}
			read := float64(sc.take()) / float64(n)
			b.ReportMetric(float64(calls.total())/float64(n), "calls/page")
			b.ReportMetric(read, "items-read/page")
			b.ReportMetric(read/filterCustomers, "reads/app")
		})
	}
}
