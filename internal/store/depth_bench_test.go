package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/clientele/clientele/internal/customer"
)

const (
	depthCustomers = 10050
	depthOffset    = 10000
	depthPageSize  = 20 // the store's and the API's default page size
	depthWalkPage  = 100
)

// BenchmarkListDepth checks that a cursor page deep in a list costs about what the first
// page costs. The two are requested alternately in one loop, so that the drift of
// DynamoDB Local (JIT warm-up, GC) weighs on both alike, and the ratio of their times is
// reported as deep/first. The times are medians: a single stall of DynamoDB Local among
// 30 requests moves a mean by a fifth.
func BenchmarkListDepth(b *testing.B) {
	ctx := b.Context()
	var calls counter
	s, tbl := newStore(b, calls.install)
	app := newApp(b, s, "depth")

	start := time.Now()
	ids := seedDepth(b, tbl.Client, tbl.Name, app, depthCustomers, nil)
	b.Logf("seeded %d customers in %v", len(ids), time.Since(start).Round(time.Millisecond))
	cursor := walkToDepth(b, s, app, ids)

	// The list is newest first and customer i was created i-th.
	want := func(pos int) string { return ids[len(ids)-1-pos] }
	check := func(what string, page ListPage, from int) {
		if len(page.Customers) != depthPageSize {
			b.Fatalf("%s: %d customers, want %d", what, len(page.Customers), depthPageSize)
		}
		for i, c := range page.Customers {
			if c.ID != want(from+i) {
				b.Fatalf("%s: row %d is %s, want %s", what, i, c.ID, want(from+i))
			}
		}
	}

	type side struct {
		q     ListQuery
		from  int
		times []time.Duration
		calls int
	}
	first := &side{q: ListQuery{Limit: depthPageSize}}
	deep := &side{q: ListQuery{Limit: depthPageSize, Cursor: cursor}, from: depthOffset}
	get := func(sd *side, name string) {
		before := calls.total()
		t0 := time.Now()
		page, err := s.ListCustomers(ctx, app, sd.q)
		sd.times = append(sd.times, time.Since(t0))
		sd.calls += calls.total() - before
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		check(name, page, sd.from)
	}

	calls.reset()
	n := 0
	for ; b.Loop(); n++ {
		// Swapping the order each time keeps either request from always following the other.
		if n%2 == 0 {
			get(first, "first page")
			get(deep, "deep page")
		} else {
			get(deep, "deep page")
			get(first, "first page")
		}
	}
	firstNS, deepNS := medianNS(first.times), medianNS(deep.times)
	b.ReportMetric(firstNS, "ns/first-page")
	b.ReportMetric(deepNS, "ns/deep-page")
	b.ReportMetric(deepNS/firstNS, "deep/first")
	b.ReportMetric(float64(first.calls)/float64(n), "calls/first-page")
	b.ReportMetric(float64(deep.calls)/float64(n), "calls/deep-page")
}

func medianNS(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return float64(s[len(s)/2])
	}
	return float64(s[len(s)/2-1]+s[len(s)/2]) / 2
}

// seedDepth writes n customers straight into the table, as CreateCustomer would write their
// items (decorate, when not nil, adds to each), 25 to a BatchWriteItem, and sets the app's
// counter to match. It returns their ids in creation order. There are no email or
// external-id guards: the listing does not read them.
func seedDepth(b *testing.B, db DB, table, app string, n int, decorate func(i int, c *customer.Customer)) []string {
	b.Helper()
	ctx := b.Context()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := make([]string, n)
	var batches [][]types.WriteRequest
	for i := range ids {
		c := customer.Customer{
			Email:      fmt.Sprintf("user%05d@depth.example.com", i),
			Name:       fmt.Sprintf("User %05d", i),
			ExternalID: fmt.Sprintf("ext-%05d", i),
		}
		if decorate != nil {
			decorate(i, &c)
		}
		c.Normalize()
		c.ID = customer.NewID()
		c.CreatedAt = base.Add(time.Duration(i) * time.Millisecond)
		c.UpdatedAt = c.CreatedAt
		c.Version = 1
		ids[i] = c.ID
		item, err := marshal("seed", newCustomerItem(app, c))
		if err != nil {
			b.Fatal(err)
		}
		if i%25 == 0 {
			batches = append(batches, make([]types.WriteRequest, 0, 25))
		}
		last := &batches[len(batches)-1]
		*last = append(*last, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}

	const writers = 8
	work := make(chan []types.WriteRequest)
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for batch := range work {
				if err := writeBatch(ctx, db, table, batch); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for _, batch := range batches {
		select {
		case work <- batch:
		case err := <-errs:
			close(work)
			wg.Wait()
			b.Fatalf("seed: %v", err)
		}
	}
	close(work)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatalf("seed: %v", err)
	}

	update := &types.Update{
		TableName:                 aws.String(table),
		Key:                       itemKey(appPK(app), metaSK),
		UpdateExpression:          aws.String("SET customer_count = :n"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": num(int64(n))},
	}
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{{Update: update}},
	})
	if err != nil {
		b.Fatalf("seed: set customer count: %v", err)
	}
	return ids
}

// writeBatch writes one batch, resending what DynamoDB leaves unprocessed.
func writeBatch(ctx context.Context, db DB, table string, batch []types.WriteRequest) error {
	pending := map[string][]types.WriteRequest{table: batch}
	for attempt := 0; len(pending[table]) > 0; attempt++ {
		if attempt == 10 {
			return fmt.Errorf("%d items still unprocessed after %d attempts", len(pending[table]), attempt)
		}
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return err
			}
		}
		out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
		if err != nil {
			return err
		}
		pending = out.UnprocessedItems
	}
	return nil
}

// walkToDepth pages through the list with cursors up to depthOffset and returns the cursor
// of the page that starts there, failing unless the walk saw ids newest first, each once.
func walkToDepth(b *testing.B, s *Store, app string, ids []string) string {
	b.Helper()
	seen := make(map[string]bool, depthOffset)
	cursor := ""
	for pos := 0; pos < depthOffset; {
		page, err := s.ListCustomers(b.Context(), app, ListQuery{Limit: depthWalkPage, Cursor: cursor})
		if err != nil {
			b.Fatalf("walk at %d: %v", pos, err)
		}
		if page.Total != depthCustomers {
			b.Fatalf("walk at %d: total %d, want %d", pos, page.Total, depthCustomers)
		}
		if len(page.Customers) == 0 || page.NextCursor == "" {
			b.Fatalf("walk ended at %d (%d customers, cursor %q), want %d",
				pos, len(page.Customers), page.NextCursor, depthOffset)
		}
		for _, c := range page.Customers {
			if seen[c.ID] {
				b.Fatalf("walk at %d: %s seen twice", pos, c.ID)
			}
			seen[c.ID] = true
			if want := ids[len(ids)-1-pos]; c.ID != want {
				b.Fatalf("walk at %d: %s, want %s", pos, c.ID, want)
			}
			pos++
		}
		cursor = page.NextCursor
	}
	if len(seen) != depthOffset {
		b.Fatalf("walk saw %d customers, want %d", len(seen), depthOffset)
	}
	return cursor
}
