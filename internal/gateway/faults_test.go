package gateway_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// faults injects DynamoDB failures into the functions' clients through the SDK's own
// middleware stack, where DynamoDB Local cannot produce them.
type faults struct {
	mu       sync.Mutex
	throttle map[string]int // operation -> attempts still to throttle
	lose     map[string]int // operation -> answers still to lose after the call succeeded
	conflict map[string]int // operation -> transactions still to cancel as in conflict
	attempts map[string]int // operation -> attempts that reached the throttle point
}

// throttleNext throttles the next n attempts of an operation, as DynamoDB does when a
// partition is over its capacity.
func (f *faults) throttleNext(op string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttle = map[string]int{op: n}
	f.attempts = map[string]int{}
}

// loseNext lets the next n calls of an operation succeed in DynamoDB and then loses their
// answers, as a connection reset after the request was served does.
func (f *faults) loseNext(op string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lose = map[string]int{op: n}
}

// conflictNext cancels the next n transactions of an operation before they run, every item
// in TransactionConflict, as DynamoDB does while other transactions hold them.
func (f *faults) conflictNext(op string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.conflict = map[string]int{op: n}
}

func (f *faults) take(m map[string]int, op string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m[op] > 0 {
		m[op]--
		return true
	}
	return false
}

func (f *faults) attemptsOf(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts[op]
}

func (f *faults) option(o *dynamodb.Options) {
	o.APIOptions = append(slices.Clone(o.APIOptions), func(st *middleware.Stack) error {
		// After the SDK's retry middleware, so that every attempt passes here and the
		// standard retryer sees the throttling.
		err := st.Finalize.Insert(middleware.FinalizeMiddlewareFunc("throttleFault",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				op := awsmiddleware.GetOperationName(ctx)
				f.mu.Lock()
				if f.attempts != nil {
					f.attempts[op]++
				}
				f.mu.Unlock()
				if f.take(f.throttle, op) {
					return middleware.FinalizeOutput{}, middleware.Metadata{}, &smithy.GenericAPIError{
						Code: "ThrottlingException", Message: "injected: rate of requests exceeds the allowed throughput", Fault: smithy.FaultServer}
				}
				return next.HandleFinalize(ctx, in)
			}), "Retry", middleware.After)
		if err != nil {
			return err
		}
		// Around the whole call, retries included: the write is done, then its answer lost.
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("loseAnswer",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if tx, ok := in.Parameters.(*dynamodb.TransactWriteItemsInput); ok && f.take(f.conflict, awsmiddleware.GetOperationName(ctx)) {
					reasons := make([]types.CancellationReason, len(tx.TransactItems))
					for i := range reasons {
						reasons[i].Code = aws.String("TransactionConflict")
					}
					return middleware.InitializeOutput{}, middleware.Metadata{}, &types.TransactionCanceledException{
						Message: aws.String("injected: transaction conflict"), CancellationReasons: reasons}
				}
				out, md, err := next.HandleInitialize(ctx, in)
				if err == nil && f.take(f.lose, awsmiddleware.GetOperationName(ctx)) {
					return middleware.InitializeOutput{}, md, fmt.Errorf("injected: answer lost: %w", syscall.ECONNRESET)
				}
				return out, md, err
			}), middleware.After)
	})
}

// TestThrottlingIsRetriedBySDK: a throttled read and a throttled write are retried by the
// SDK's standard retryer inside one request, and the client sees only the answer.
func TestThrottlingIsRetriedBySDK(t *testing.T) {
	t.Parallel() // the retryer's backoff takes seconds
	e := newEnv(t)
	app := e.createApp(t, "throttled")
	sk := e.as(t, app.secret)

	e.faults.throttleNext("TransactWriteItems", 1)
	c := data[customerJSON](sk.post("/api/v1/apps/throttled/customers", map[string]any{"email": "slow@example.com"}).want(201))
	if n := e.faults.attemptsOf("TransactWriteItems"); n != 2 {
		t.Errorf("create: %d attempts of TransactWriteItems, want 2 (one throttled, one retried)", n)
	}

	e.faults.throttleNext("BatchGetItem", 2)
	got := data[customerJSON](sk.get("/api/v1/apps/throttled/customers/" + c.ID).want(200))
	if got.ID != c.ID {
		t.Errorf("get: %s, want %s", got.ID, c.ID)
	}
	if n := e.faults.attemptsOf("BatchGetItem"); n != 3 {
		t.Errorf("get: %d attempts of BatchGetItem, want 3 (two throttled, one retried)", n)
	}
	e.checkInvariants(t, app)
}

// TestLostAnswerAfterWrite: when DynamoDB has done a write but its answer is lost, the client
// gets 503 in its dialect's format, and the write is there whole (customer, guards and
// counter together) or not at all; a retry then sees the customer.
func TestLostAnswerAfterWrite(t *testing.T) {
	e := newEnv(t)
	app := e.createApp(t, "lost")
	sk := e.as(t, app.secret)
	sk.allow5xx = true

	e.faults.loseNext("TransactWriteItems", 1)
	sk.post("/api/v1/apps/lost/customers", map[string]any{"email": "lost@example.com", "external_id": "ext-lost"}).
		wantError(503, "service_unavailable")
	e.checkInvariants(t, app)
	found := data[customerJSON](sk.get("/api/v1/apps/lost/customers/by-email?email=lost@example.com").want(200))
	if found.ExternalID == nil || *found.ExternalID != "ext-lost" {
		t.Errorf("the created customer: %+v", found)
	}
	retry := sk.post("/api/v1/apps/lost/customers", map[string]any{"email": "lost@example.com", "external_id": "ext-lost"}).
		wantError(409, "conflict", "email")
	if retry.ExistingID != found.ID {
		t.Errorf("the retry's existing_id %s, want %s", retry.ExistingID, found.ID)
	}

	e.faults.loseNext("TransactWriteItems", 1)
	sk.del("/api/v1/apps/lost/customers/"+found.ID).wantError(503, "service_unavailable")
	e.checkInvariants(t, app)
	sk.get("/api/v1/apps/lost/customers/"+found.ID).wantError(404, "not_found")
	sk.get("/api/v1/apps/lost/customers/by-external-id?external_id=ext-lost").wantError(404, "not_found")
	var a appJSON
	e.as(t, e.accountKey).get("/api/v1/apps/lost").want(200).into(&struct{ Data *appJSON }{&a})
	if a.CustomerCount != 0 {
		t.Errorf("customer_count %d after the lost delete, want 0", a.CustomerCount)
	}
}

// checkInvariants fails the test for every broken invariant of the app (store.Verify).
func (e *env) checkInvariants(t *testing.T, app testApp) {
	t.Helper()
	problems, err := e.admin.Verify(t.Context(), app.UUID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
