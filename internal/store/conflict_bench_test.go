package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
)

// conflictModel is a declared performance model of DynamoDB's transactions, not a store: a
// TransactWriteItems that touches an item an in-flight transaction holds is cancelled with
// TransactionConflict, and a transaction holds its items for hold. Conditions are not
// evaluated and nothing is kept. Only TransactWriteItems, all that a create calls, is served.
type conflictModel struct {
	DB   // nil: any other call panics
	hold time.Duration

	mu        sync.Mutex
	held      map[string]bool
	txs       atomic.Int64
	conflicts atomic.Int64
}

func (m *conflictModel) TransactWriteItems(
	ctx context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options),
) (*dynamodb.TransactWriteItemsOutput, error) {
	keys := make([]string, len(in.TransactItems))
	for i, it := range in.TransactItems {
		k := txItemKey(it)
		keys[i] = attrS(k, "pk") + "\x00" + attrS(k, "sk")
	}
	m.mu.Lock()
	reasons := make([]types.CancellationReason, len(keys))
	conflict := false
	for i, k := range keys {
		reasons[i].Code = aws.String("None")
		if m.held[k] {
			reasons[i].Code, conflict = aws.String("TransactionConflict"), true
		}
	}
	if conflict {
		m.mu.Unlock()
		m.conflicts.Add(1)
		return nil, &types.TransactionCanceledException{
			Message:             aws.String("Transaction cancelled"),
			CancellationReasons: reasons,
		}
	}
	for _, k := range keys {
		m.held[k] = true
	}
	m.mu.Unlock()
	time.Sleep(m.hold)
	m.mu.Lock()
	for _, k := range keys {
		delete(m.held, k)
	}
	m.mu.Unlock()
	m.txs.Add(1)
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

// BenchmarkConflictModel runs the store's real create transactions through the model: 64
// writers, each a store of its own as each Lambda execution environment has, create
// customers in one app for 10 seconds, with one shared counter (the design before the
// shards) and with the app's shards, in the same run. It reports creates a second,
// conflicts per create, and busy answers (ErrBusy: conflicts that outlasted the retries).
// b.N is not used: each design runs once.
func BenchmarkConflictModel(b *testing.B) {
	const (
		writers  = 64
		duration = 10 * time.Second
		hold     = 10 * time.Millisecond
	)
	app := customer.NewID()
	for _, design := range []struct {
		name   string
		shards int
	}{{"single-counter", 1}, {"sharded", Shards}} {
		b.Run(design.name, func(b *testing.B) {
			model := &conflictModel{hold: hold, held: map[string]bool{}}
			var creates, busy atomic.Int64
			ctx, cancel := context.WithTimeout(context.Background(), duration)
			defer cancel()
			var wg sync.WaitGroup
			start := time.Now()
			for w := range writers {
				s := New(model, "model")
				s.shards = design.shards
				wg.Go(func() {
					for i := 0; ctx.Err() == nil; i++ {
						_, err := s.CreateCustomer(ctx, app, customer.Customer{Name: "model"})
						switch {
						case err == nil:
							creates.Add(1)
						case errors.Is(err, ErrBusy):
							busy.Add(1)
						case ctx.Err() != nil:
						default:
							b.Errorf("writer %d: %v", w, err)
							return
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			n := float64(creates.Load())
			b.ReportMetric(n/elapsed.Seconds(), "creates/s")
			b.ReportMetric(float64(model.conflicts.Load())/max(n, 1), "conflicts/create")
			b.ReportMetric(float64(busy.Load()), "busy")
			b.ReportMetric(0, "ns/op")
		})
	}
}
