package apitest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// Faults injects DynamoDB failures into the functions' clients through the SDK's own
// middleware stack, where DynamoDB Local cannot produce them.
type Faults struct {
	mu       sync.Mutex
	throttle map[string]int // operation -> attempts still to throttle
	lose     map[string]int // operation -> answers still to lose after the call succeeded
	conflict map[string]int // operation -> transactions still to cancel as in conflict
	stall    map[string]int // operation -> attempts still to hold until their context is done
	attempts map[string]int // operation -> attempts that reached the throttle point
}

// ThrottleNext throttles the next n attempts of an operation, as DynamoDB does when a
// partition is over its capacity, and starts counting its attempts.
func (f *Faults) ThrottleNext(op string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttle = map[string]int{op: n}
	f.attempts = map[string]int{}
}

// LoseNext lets the next n calls of an operation succeed in DynamoDB and then loses their
// answers, as a connection reset after the request was served does.
func (f *Faults) LoseNext(op string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lose = map[string]int{op: n}
}

// ConflictNext cancels the next n transactions of an operation before they run, every item
// in TransactionConflict, as DynamoDB does while other transactions hold them.
func (f *Faults) ConflictNext(op string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.conflict = map[string]int{op: n}
}

// StallNext holds the next n attempts of an operation until their context is done, as a
// DynamoDB that does not answer does: the request then has only its deadline.
func (f *Faults) StallNext(op string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stall = map[string]int{op: n}
}

// Attempts is how many attempts of an operation were sent since ThrottleNext.
func (f *Faults) Attempts(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts[op]
}

func (f *Faults) take(m map[string]int, op string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m[op] > 0 {
		m[op]--
		return true
	}
	return false
}

func (f *Faults) option(o *dynamodb.Options) {
	o.APIOptions = append(slices.Clone(o.APIOptions), func(st *middleware.Stack) error {
		// After the SDK's retry middleware, so that every attempt passes here and the
		// standard retryer sees the throttling (and a stall holds one attempt).
		if err := st.Finalize.Insert(middleware.FinalizeMiddlewareFunc("throttleFault", f.throttleFault),
			"Retry", middleware.After); err != nil {
			return err
		}
		// Around the whole call, retries included: the write is done, then its answer lost.
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("loseAnswer", f.callFault), middleware.After)
	})
}

func (f *Faults) throttleFault(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error,
) {
	op := awsmiddleware.GetOperationName(ctx)
	f.mu.Lock()
	if f.attempts != nil {
		f.attempts[op]++
	}
	f.mu.Unlock()
	if f.take(f.throttle, op) {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, &smithy.GenericAPIError{
			Code: "ThrottlingException", Message: "injected: rate of requests exceeds the allowed throughput",
			Fault: smithy.FaultServer}
	}
	if f.take(f.stall, op) {
		<-ctx.Done()
		return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("injected: no answer: %w", ctx.Err())
	}
	return next.HandleFinalize(ctx, in)
}

func (f *Faults) callFault(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
	middleware.InitializeOutput, middleware.Metadata, error,
) {
	op := awsmiddleware.GetOperationName(ctx)
	if tx, ok := in.Parameters.(*dynamodb.TransactWriteItemsInput); ok && f.take(f.conflict, op) {
		reasons := make([]types.CancellationReason, len(tx.TransactItems))
		for i := range reasons {
			reasons[i].Code = aws.String("TransactionConflict")
		}
		return middleware.InitializeOutput{}, middleware.Metadata{}, &types.TransactionCanceledException{
			Message: aws.String("injected: transaction conflict"), CancellationReasons: reasons}
	}
	out, md, err := next.HandleInitialize(ctx, in)
	if err == nil && f.take(f.lose, op) {
		return middleware.InitializeOutput{}, md, fmt.Errorf("injected: answer lost: %w", syscall.ECONNRESET)
	}
	return out, md, err
}
