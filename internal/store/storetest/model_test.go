package storetest_test

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/dynamotest"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/store/storetest"
	"github.com/clientele/clientele/internal/tenant"
)

// The model's constants (docs/performance.md, "Lists of a large app").
const (
	roundTrip        = 10 * time.Millisecond // one DynamoDB call, answer included
	partitionRCU     = 3000                  // read units a second one partition serves
	queryPage        = 1 << 20               // bytes a Query reads at most per call
	rcuBytes         = 4096                  // a read unit reads this much, strongly consistent
	dollarsPerMillon = 0.125                 // on-demand read request units, us-east-1, 2026
)

// call is one DynamoDB call of a list, as the recorder saw it.
type call struct {
	op       string
	pk       string  // a Query's partition key
	rcu      float64 // the read units it consumed
	returned int
}

// callLog records the calls of a store's client and asks DynamoDB for their consumed capacity.
type callLog struct {
	mu    sync.Mutex
	calls []call
}

func (l *callLog) install(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("log-calls",
			func(
				ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
			) (middleware.InitializeOutput, middleware.Metadata, error) {
				c := call{op: middleware.GetOperationName(ctx)}
				switch p := in.Parameters.(type) {
				case *dynamodb.QueryInput:
					p.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
					if v, ok := p.ExpressionAttributeValues[":pk"].(*types.AttributeValueMemberS); ok {
						c.pk = v.Value
					}
				case *dynamodb.BatchGetItemInput:
					p.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
				}
				out, md, err := next.HandleInitialize(ctx, in)
				switch r := out.Result.(type) {
				case *dynamodb.QueryOutput:
					c.returned = int(r.Count)
					if r.ConsumedCapacity != nil {
						c.rcu = aws.ToFloat64(r.ConsumedCapacity.CapacityUnits)
					}
				case *dynamodb.BatchGetItemOutput:
					for _, cc := range r.ConsumedCapacity {
						c.rcu += aws.ToFloat64(cc.CapacityUnits)
					}
				}
				l.mu.Lock()
				l.calls = append(l.calls, c)
				l.mu.Unlock()
				return out, md, err
			}), middleware.Before)
	})
}

func (l *callLog) take() []call {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.calls
	l.calls = nil
	return out
}

// modeled is what the model makes of one list request's calls.
type modeled struct {
	calls, rounds       int
	rcu, bytes, latency float64 // read units; bytes read; seconds
}

// model reads a list's calls as its three steps (the app's reads, every bucket's chain of
// Queries in parallel, the page's reads) and prices them: a step of parallel calls takes one
// round trip; a chain takes the longer of its round trips and its read units at one
// partition's rate; scale multiplies the chains' reads, for an app scale times as large.
func model(calls []call, scale float64) modeled {
	m := modeled{calls: len(calls)}
	chains := map[string][]call{}
	var before, after bool
	for _, c := range calls {
		if c.op == "Query" { // the indexes' reads: eventually consistent, 8 KiB a unit
			m.rcu, m.bytes = m.rcu+c.rcu*scale, m.bytes+c.rcu*scale*2*rcuBytes
		} else { // the table's: strongly consistent, 4 KiB a unit
			m.rcu, m.bytes = m.rcu+c.rcu, m.bytes+c.rcu*rcuBytes
		}
		switch {
		case c.op == "Query":
			chains[c.pk] = append(chains[c.pk], c)
		case len(chains) == 0:
			before = true
		default:
			after = true
		}
	}
	longest := 0.0
	rounds := 0
	for _, cs := range chains {
		rcu := 0.0
		for _, c := range cs {
			rcu += c.rcu
		}
		// A larger app reads scale times the bytes (eventually consistent: 8 KiB a unit), in
		// Query pages of at most 1 MiB, and at least the calls it took here.
		trips := max(len(cs), int(math.Ceil(rcu*scale*2*rcuBytes/queryPage)))
		rounds = max(rounds, trips)
		longest = max(longest, float64(trips)*roundTrip.Seconds(), rcu*scale/partitionRCU)
	}
	for _, step := range []bool{before, after} {
		if step {
			m.rounds++
			m.latency += roundTrip.Seconds()
		}
	}
	m.rounds += rounds
	m.latency += longest
	return m
}

// largeApp is an app of n customers in a table of its own: one in a hundred in Finland, one
// in a thousand named Zanzibar, names in a few dozen spellings.
func largeApp(b *testing.B, n int) (*store.Store, string, *callLog) {
	log := &callLog{}
	tbl := dynamotest.New(b, log.install)
	s := store.New(tbl.Client, tbl.Name)
	app, err := s.CreateApp(b.Context(), tenant.App{Slug: "large", Name: "Large"})
	if err != nil {
		b.Fatal(err)
	}
	first := []string{"Ada", "Ben", "Chloé", "Dmitri", "Eve", "Farid", "Grace", "Hiro", "Inès", "Jon", "Kai", "Lena"}
	cs := make([]customer.Customer, n)
	for i := range cs {
		cs[i] = customer.Customer{
			Email: fmt.Sprintf("user%07d@large.example.com", i), ExternalID: fmt.Sprintf("ext-%07d", i),
			Name:    fmt.Sprintf("%s %c. Smith", first[i%len(first)], 'A'+i%26),
			Address: customer.Address{Country: "US", City: "Springfield", PostalCode: fmt.Sprintf("%05d", i%90000)},
		}
		if i%100 == 0 {
			cs[i].Address.Country = "FI"
		}
		if i%1000 == 7 {
			cs[i].Name = "Zanzibar Trading " + fmt.Sprint(i)
		}
	}
	start := time.Now()
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := storetest.Load(b.Context(), tbl.Client, tbl.Name, app.ID, cs, at); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d customers in %v", n, time.Since(start).Round(time.Second))
	log.take()
	return s, app.ID, log
}

// BenchmarkListModel lists an app of 100,000 customers as each dialect's worst lists do and
// reports, for each, the DynamoDB calls, sequential round trips and read units it took, and
// the model's latency and price, at 100,000 and extrapolated to a million customers (b.N is
// not used). A yardstick is in the same run: the unfiltered first page.
func BenchmarkListModel(b *testing.B) {
	const n = 100000
	s, app, log := largeApp(b, n)
	ctx := b.Context()
	deep, err := s.ListCustomers(ctx, app, store.ListQuery{Limit: 100, Page: 999})
	if err != nil || deep.NextCursor == "" {
		b.Fatalf("page 999: %v", err)
	}
	log.take()
	cases := []struct {
		name  string
		q     store.ListQuery
		rows  int
		scale float64 // how the chains' reads grow from 100,000 customers to a million
	}{
		{"first-page", store.ListQuery{Limit: 100}, 100, 1},
		// At a million customers its figures are those of page 10,000, the deepest.
		{"page-1000-of-100", store.ListQuery{Limit: 100, Page: 1000}, 100, 10},
		{"cursor-100000-deep", store.ListQuery{Limit: 100, Cursor: deep.NextCursor}, 100, 1},
		{"lago-countries-1pct", store.ListQuery{Limit: 100, Countries: []string{"FI"}}, 100, 10},
		{"lago-search-0.1pct", store.ListQuery{Limit: 100, Search: "ZANZIBAR", SearchIn: []store.SearchField{
			store.SearchName, store.SearchLegalName, store.SearchExternalID, store.SearchEmail}}, 100, 10},
		{"lukittu-fullName-page-1", store.ListQuery{Limit: 25, Sort: store.SortName, Oldest: true}, 25, 1},
		{"lukittu-fullName-page-400", store.ListQuery{Limit: 25, Page: 400, Sort: store.SortName, Oldest: true}, 25, 1},
	}
	for _, tc := range cases {
		page, err := s.ListCustomers(ctx, app, tc.q)
		if err != nil {
			b.Fatalf("%s: %v", tc.name, err)
		}
		if len(page.Customers) != tc.rows {
			b.Fatalf("%s: %d rows, want %d", tc.name, len(page.Customers), tc.rows)
		}
		calls := log.take()
		at100k, at1m := model(calls, 1), model(calls, tc.scale)
		b.ReportMetric(float64(at100k.calls), tc.name+"-calls")
		b.ReportMetric(float64(at100k.rounds), tc.name+"-rounds")
		b.ReportMetric(at100k.rcu, tc.name+"-rcu")
		b.ReportMetric(at100k.bytes/(1<<20), tc.name+"-MiB-read")
		b.ReportMetric(at100k.latency*1000, tc.name+"-ms-modeled")
		b.ReportMetric(at1m.rcu, tc.name+"-rcu-at-1M")
		b.ReportMetric(at1m.latency*1000, tc.name+"-ms-modeled-at-1M")
		b.ReportMetric(at1m.rcu*dollarsPerMillon, tc.name+"-microdollars-at-1M")
	}
	b.ReportMetric(0, "ns/op")
}
