package store

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/clientele/clientele/internal/customer"
)

// keyRecorder counts, for every customer a TransactWriteItems puts, the list-index partition
// key it writes (lpk) and the shard the transaction writes.
type keyRecorder struct {
	mu     sync.Mutex
	ids    map[string]string // the list key of each customer put
	shards map[string]int
}

func (r *keyRecorder) install(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("record-keys",
			func(
				ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
			) (middleware.InitializeOutput, middleware.Metadata, error) {
				if p, ok := in.Parameters.(*dynamodb.TransactWriteItemsInput); ok {
					r.mu.Lock()
					for _, it := range p.TransactItems {
						if it.Put != nil && attrS(it.Put.Item, "type") == typeCustomer {
							r.ids[attrS(it.Put.Item, "id")] = attrS(it.Put.Item, attrListPK) // tried again: one create
						}
						if k := txItemKey(it); attrS(k, "sk") != "" && attrS(k, "sk")[0] == '#' {
							r.shards[attrS(k, "sk")]++
						}
					}
					r.mu.Unlock()
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	})
}

// spreadOfCreates makes n creates into one app, 32 at a time, and returns the most creates
// any list-index key took, its bound (n/Buckets plus four standard deviations of a uniform
// spread), and the most any shard item was in.
func spreadOfCreates(tb testing.TB, n int) (hottest int, bound float64, keys int, hottestShard int) {
	rec := &keyRecorder{ids: map[string]string{}, shards: map[string]int{}}
	s, _ := newStore(tb, rec.install)
	app := newApp(tb, s, "spread")
	rec.ids, rec.shards = map[string]string{}, map[string]int{}
	run(32, func(w int) {
		for i := w; i < n; i += 32 {
			mustCreate(tb, s, app, customer.Customer{Email: fmt.Sprintf("c%05d@example.com", i)})
		}
	})
	if len(rec.ids) != n {
		tb.Fatalf("the recorder saw %d creates, want %d", len(rec.ids), n)
	}
	perKey := map[string]int{}
	for _, k := range rec.ids {
		perKey[k]++
		hottest = max(hottest, perKey[k])
	}
	for _, c := range rec.shards {
		hottestShard = max(hottestShard, c)
	}
	p := 1.0 / Buckets
	return hottest, float64(n)*p + 4*math.Sqrt(float64(n)*p*(1-p)), len(perKey), hottestShard
}

// TestListIndexSpreadsCreates: 2,000 creates into one app, as the recorder in front of
// DynamoDB Local sees them, land on every bucket of the list indexes, the hottest taking at
// most 1/Buckets of them plus four standard deviations.
func TestListIndexSpreadsCreates(t *testing.T) {
	hottest, bound, keys, _ := spreadOfCreates(t, 2000)
	t.Logf("2,000 creates over %d list keys: the hottest took %d (bound %.1f)", keys, hottest, bound)
	if keys != Buckets || float64(hottest) > bound {
		t.Errorf("2,000 creates over %d keys, the hottest %d: want %d keys, at most %.1f", keys, hottest, Buckets, bound)
	}
}

// BenchmarkListIndexSpread reports the spread of 2,000 creates into one app (b.N is not
// used): the hottest list key's share against 1/Buckets, and the hottest shard's.
func BenchmarkListIndexSpread(b *testing.B) {
	const n = 2000
	hottest, bound, _, shard := spreadOfCreates(b, n)
	b.ReportMetric(float64(hottest), "creates/hottest-list-key")
	b.ReportMetric(bound, "bound/hottest-list-key")
	b.ReportMetric(float64(hottest)*Buckets/n, "hottest/mean-list-key")
	b.ReportMetric(float64(shard), "creates/hottest-shard")
	b.ReportMetric(0, "ns/op")
}
