package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/dynamotest"
	"github.com/clientele/clientele/internal/tenant"
)

// newStore returns a store over a fresh table in DynamoDB Local.
func newStore(tb testing.TB, optFns ...func(*dynamodb.Options)) (*Store, *dynamotest.Table) {
	tb.Helper()
	tbl := dynamotest.New(tb, optFns...)
	return New(tbl.Client, tbl.Name), tbl
}

func newApp(tb testing.TB, s *Store, slug string) string {
	tb.Helper()
	a, err := s.CreateApp(context.Background(), tenant.App{Slug: slug, Name: "App " + slug})
	if err != nil {
		tb.Fatalf("create app %s: %v", slug, err)
	}
	return a.ID
}

func mustCreate(tb testing.TB, s *Store, appID string, c customer.Customer) customer.Customer {
	tb.Helper()
	got, err := s.CreateCustomer(context.Background(), appID, c)
	if err != nil {
		tb.Fatalf("create customer %+v: %v", c, err)
	}
	return got
}

// counter counts DynamoDB calls by operation name.
type counter struct {
	mu    sync.Mutex
	calls map[string]int
}

func (c *counter) install(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("count",
			func(
				ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
			) (middleware.InitializeOutput, middleware.Metadata, error) {
				c.mu.Lock()
				if c.calls == nil {
					c.calls = map[string]int{}
				}
				c.calls[middleware.GetOperationName(ctx)]++
				c.mu.Unlock()
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	})
}

func (c *counter) reset() {
	c.mu.Lock()
	c.calls = map[string]int{}
	c.mu.Unlock()
}

func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.calls {
		n += v
	}
	return n
}

func (c *counter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprint(c.calls)
}

// faults makes the next n calls of one operation fail with err, before they reach DynamoDB.
type faults struct {
	mu  sync.Mutex
	op  string
	n   int
	err error
}

func (f *faults) set(op string, n int, err error) {
	f.mu.Lock()
	f.op, f.n, f.err = op, n, err
	f.mu.Unlock()
}

func (f *faults) install(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("fault",
			func(
				ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
			) (middleware.InitializeOutput, middleware.Metadata, error) {
				f.mu.Lock()
				hit := f.n > 0 && middleware.GetOperationName(ctx) == f.op
				if hit {
					f.n--
				}
				err := f.err
				f.mu.Unlock()
				if hit {
					return middleware.InitializeOutput{}, middleware.Metadata{}, err
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
}

// conflictCancel is the cancellation of a transaction of n items whose item at conflicted
// (0 for a create's shard, 1 for its customer) another transaction held.
func conflictCancel(n, conflicted int) error {
	reasons := make([]types.CancellationReason, n)
	for i := range reasons {
		reasons[i] = types.CancellationReason{Code: aws.String("None")}
	}
	reasons[conflicted].Code = aws.String("TransactionConflict")
	return &types.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: reasons}
}

// checkInvariants fails the test for every broken invariant of the app (see Verify).
func checkInvariants(tb testing.TB, s *Store, appID string) {
	tb.Helper()
	problems, err := s.Verify(context.Background(), appID)
	if err != nil {
		tb.Fatalf("verify: %v", err)
	}
	for _, p := range problems {
		tb.Error(p)
	}
}

// run starts n goroutines and waits for them.
func run(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f(i)
		}()
	}
	close(start)
	wg.Wait()
}

func isConflict(err error, want error) (string, bool) {
	var ce *ConflictError
	if errors.As(err, &ce) && errors.Is(err, want) {
		return ce.ExistingID, true
	}
	return "", false
}

func appNamed(slug string) tenant.App { return tenant.App{Slug: slug, Name: slug} }

// txItemKey is the key of the item one write of a transaction touches.
func txItemKey(it types.TransactWriteItem) map[string]types.AttributeValue {
	switch {
	case it.Put != nil:
		return it.Put.Item
	case it.Update != nil:
		return it.Update.Key
	case it.Delete != nil:
		return it.Delete.Key
	case it.ConditionCheck != nil:
		return it.ConditionCheck.Key
	}
	return nil
}
