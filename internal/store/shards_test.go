package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/clientele/clientele/internal/customer"
)

// txRecorder records the items of every TransactWriteItems the store sends.
type txRecorder struct {
	mu  sync.Mutex
	txs [][]string // per transaction, the sort keys of its items
}

func (r *txRecorder) install(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("record-transactions",
			func(
				ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
			) (middleware.InitializeOutput, middleware.Metadata, error) {
				if p, ok := in.Parameters.(*dynamodb.TransactWriteItemsInput); ok {
					var sks []string
					for _, it := range p.TransactItems {
						k := txItemKey(it)
						sks = append(sks, attrS(k, "pk")+" "+attrS(k, "sk"))
					}
					r.mu.Lock()
					r.txs = append(r.txs, sks)
					r.mu.Unlock()
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	})
}

// hottestShared returns the item, other than a customer's own items and guards, that is in
// the most transactions, and its share of them.
func (r *txRecorder) hottestShared() (string, float64, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	counts := map[string]int{}
	for _, tx := range r.txs {
		for _, k := range tx {
			_, sk, _ := strings.Cut(k, " ")
			own := false
			for _, prefix := range []string{"CUS#", "EMAIL#", "EXT#", "LIC#", "LICID#"} {
				own = own || strings.HasPrefix(sk, prefix)
			}
			if !own {
				counts[k]++
			}
		}
	}
	hottest, n := "", 0
	for k, c := range counts {
		if c > n {
			hottest, n = k, c
		}
	}
	return hottest, float64(n) / float64(len(r.txs)), len(r.txs)
}

// writeMix makes, in one app, 1,000 creates, 300 upserts, 300 email changes and 300
// deletes, 8 at a time.
func writeMix(tb testing.TB, s *Store, app string) {
	tb.Helper()
	ctx := context.Background()
	var (
		mu      sync.Mutex
		created []customer.Customer
	)
	parallel := func(n int, f func(i int) error) {
		var wg sync.WaitGroup
		errs := make(chan error, n)
		work := make(chan int)
		for range 8 {
			wg.Go(func() {
				for i := range work {
					if err := f(i); err != nil {
						errs <- err
					}
				}
			})
		}
		for i := range n {
			work <- i
		}
		close(work)
		wg.Wait()
		close(errs)
		for err := range errs {
			tb.Fatal(err)
		}
	}
	parallel(1000, func(i int) error {
		c, err := s.CreateCustomer(ctx, app, customer.Customer{
			Email:      fmt.Sprintf("mix%d@example.com", i),
			ExternalID: fmt.Sprintf("mix-%d", i),
		})
		mu.Lock()
		created = append(created, c)
		mu.Unlock()
		return err
	})
	parallel(300, func(i int) error {
		patch := customer.Patch{Name: customer.Some(fmt.Sprintf("Upserted %d", i))}
		_, _, err := s.UpsertByExternalID(ctx, app, fmt.Sprintf("mix-%d", i), patch, "")
		return err
	})
	parallel(300, func(i int) error {
		patch := customer.Patch{Email: customer.Some(fmt.Sprintf("moved%d@example.com", i))}
		_, _, err := s.UpdateCustomer(ctx, app, created[300+i].ID, patch, 0)
		return err
	})
	parallel(300, func(i int) error {
		_, err := s.DeleteCustomer(ctx, app, created[600+i].ID)
		return err
	})
}

// TestNoItemIsInEveryWriteOfAnApp: over a mix of creates, upserts, email changes and deletes
// in one app, no item but a customer's own (itself, its guards, its licenses) is in more than
// 1/32 of the write transactions: no shared item serialises the app's writes.
func TestNoItemIsInEveryWriteOfAnApp(t *testing.T) {
	var rec txRecorder
	s, _ := newStore(t, rec.install)
	app := newApp(t, s, "mix")
	rec.txs = nil
	writeMix(t, s, app)
	item, share, txs := rec.hottestShared()
	t.Logf("%d write transactions; the hottest shared item, %s, is in %.2f%% of them", txs, item, 100*share)
	if txs < 1900 {
		t.Errorf("%d write transactions, want at least 1,900", txs)
	}
	if share > 1.0/32 {
		t.Errorf("%s is in %.2f%% of the write transactions, more than 1/32", item, 100*share)
	}
	page, err := s.ListCustomers(context.Background(), app, ListQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 700 {
		t.Errorf("total %d, want 700", page.Total)
	}
	checkInvariants(t, s, app)
}

// TestAppsMadeBeforeTheShardsGetThemOnTheirFirstWrite: an app whose counter is in #META and
// whose customers record no shard keeps its exact total, gets a shard on its first write,
// and its old customers' deletes take one from #META.
func TestAppsMadeBeforeTheShardsGetThemOnTheirFirstWrite(t *testing.T) {
	s, tbl := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "legacy")
	old := []customer.Customer{
		mustCreate(t, s, app, customer.Customer{Email: "old1@example.com"}),
		mustCreate(t, s, app, customer.Customer{Email: "old2@example.com"}),
	}
	// Back to the shape of before: no shards, the counter in #META, customers without a shard.
	for n := range Shards {
		in := &dynamodb.DeleteItemInput{TableName: aws.String(tbl.Name), Key: itemKey(appPK(app), shardSK(n))}
		if _, err := tbl.Client.DeleteItem(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range old {
		in := &dynamodb.UpdateItemInput{
			TableName:        aws.String(tbl.Name),
			Key:              itemKey(appPK(app), customerSK(c.ID)),
			UpdateExpression: aws.String("REMOVE counter_shard"),
		}
		if _, err := tbl.Client.UpdateItem(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	in := &dynamodb.UpdateItemInput{
		TableName:                 aws.String(tbl.Name),
		Key:                       itemKey(appPK(app), metaSK),
		UpdateExpression:          aws.String("SET customer_count = :n"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": num(2)},
	}
	if _, err := tbl.Client.UpdateItem(ctx, in); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, s, app)
	total := func(want int64) {
		t.Helper()
		a, err := s.GetApp(ctx, app)
		if err != nil || a.CustomerCount != want {
			t.Errorf("customer count %d (%v), want %d", a.CustomerCount, err, want)
		}
	}
	total(2)

	if _, _, err := s.UpdateCustomer(ctx, app, old[0].ID, customer.Patch{Name: customer.Some("Renamed")}, 0); err != nil {
		t.Fatalf("the first write, an update: %v", err)
	}
	if got := partitionSize(t, s, app); got < 5 { // #META, 2 customers and 2 guards, and now a shard
		t.Errorf("%d items in the partition after the first write: its shard was not made", got)
	}
	mustCreate(t, s, app, customer.Customer{Email: "new@example.com"})
	total(3)
	if _, err := s.DeleteCustomer(ctx, app, old[1].ID); err != nil {
		t.Fatal(err)
	}
	total(2)
	checkInvariants(t, s, app)
	for range 2 {
		if err := s.ensureShard(ctx, app, 0); err != nil {
			t.Errorf("making a shard again: %v, want nothing done", err)
		}
	}
}

// TestNoCreateLandsAfterTheAppIsDeleted: 50 writers create customers while the app is
// deleted; once DeleteApp has answered, every create fails, and the counters still add up.
func TestNoCreateLandsAfterTheAppIsDeleted(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "doomed-race")
	var (
		deleted  atomic.Bool
		late     atomic.Int64 // creates that started after the delete answered and succeeded
		before   atomic.Int64
		wg       sync.WaitGroup
		unwanted = make(chan error, 50)
	)
	for w := range 50 {
		wg.Go(func() {
			for i := 0; ; i++ {
				after := deleted.Load()
				_, err := s.CreateCustomer(ctx, app, customer.Customer{Email: fmt.Sprintf("w%d-%d@example.com", w, i)})
				switch {
				case err == nil && after:
					late.Add(1)
				case err == nil:
					before.Add(1)
				case errors.Is(err, ErrAppNotActive):
					return
				default:
					unwanted <- err
					return
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	if err := s.DeleteApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	deleted.Store(true)
	wg.Wait()
	close(unwanted)
	for err := range unwanted {
		t.Errorf("create: %v", err)
	}
	if late.Load() != 0 {
		t.Errorf("%d creates started after the delete answered and succeeded", late.Load())
	}
	if before.Load() == 0 {
		t.Error("no create succeeded before the delete: the race was not run")
	}
	t.Logf("%d creates before the delete", before.Load())
	checkInvariants(t, s, app)
}

// BenchmarkHottestSharedItem runs the write mix of TestNoItemIsInEveryWriteOfAnApp once (b.N
// is not used) and reports the share of the write transactions that the hottest item other
// than a customer's own is in.
func BenchmarkHottestSharedItem(b *testing.B) {
	var rec txRecorder
	s, _ := newStore(b, rec.install)
	app := newApp(b, s, "mix")
	rec.txs = nil
	writeMix(b, s, app)
	_, share, txs := rec.hottestShared()
	b.ReportMetric(100*share, "%hottest-shared-item")
	b.ReportMetric(float64(txs), "write-transactions")
	b.ReportMetric(0, "ns/op")
}

// heldShards answers the first n UpdateItems of each shard item with the TransactionConflict
// a standalone write gets while a transaction holds the item, as a busy app's shards are.
type heldShards struct {
	mu   sync.Mutex
	n    int
	seen map[string]int
}

func (h *heldShards) install(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("held-shards",
			func(
				ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
			) (middleware.InitializeOutput, middleware.Metadata, error) {
				if p, ok := in.Parameters.(*dynamodb.UpdateItemInput); ok && strings.HasPrefix(attrS(p.Key, "sk"), "#SHARD#") {
					h.mu.Lock()
					h.seen[attrS(p.Key, "sk")]++
					held := h.seen[attrS(p.Key, "sk")] <= h.n
					h.mu.Unlock()
					if held {
						return middleware.InitializeOutput{}, middleware.Metadata{},
							&types.TransactionConflictException{Message: aws.String("Transaction is ongoing for the item")}
					}
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
}

// TestDeletingABusyApp: while writers create customers, every shard is held by transactions
// at the delete's first tries; the delete still succeeds within its retries, and no create
// that starts after it has answered succeeds.
func TestDeletingABusyApp(t *testing.T) {
	held := &heldShards{n: 3, seen: map[string]int{}}
	s, _ := newStore(t, held.install)
	ctx := context.Background()
	app := newApp(t, s, "busy-delete")
	var (
		deleted atomic.Bool
		late    atomic.Int64
		before  atomic.Int64
		wg      sync.WaitGroup
	)
	for w := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				after := deleted.Load()
				_, err := s.CreateCustomer(ctx, app, customer.Customer{Email: fmt.Sprintf("b%d-%d@example.com", w, i)})
				switch {
				case err == nil && after:
					late.Add(1)
				case err == nil:
					before.Add(1)
				case errors.Is(err, ErrAppNotActive):
					return
				default:
					t.Errorf("create: %v", err)
					return
				}
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	if err := s.DeleteApp(ctx, app); err != nil {
		t.Fatalf("delete of a busy app: %v", err)
	}
	deleted.Store(true)
	wg.Wait()
	held.mu.Lock()
	for n := range Shards {
		if got := held.seen[shardSK(n)]; got != held.n+1 {
			t.Errorf("shard %d: %d tries, want %d held and one that lands", n, got, held.n+1)
		}
	}
	held.mu.Unlock()
	if late.Load() != 0 || before.Load() == 0 {
		t.Errorf("%d creates after the delete answered, %d before: want none after, some before", late.Load(), before.Load())
	}
	checkInvariants(t, s, app)
}
