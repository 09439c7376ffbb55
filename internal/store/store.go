// Package store keeps apps, customers and licenses in one DynamoDB table. It is the only
// package that knows the table's item shapes. Uniqueness of slugs, emails and external ids is
// enforced by guard items written in the same transaction as the record they guard; no SDK
// error leaves the package: callers match the errors declared here with errors.Is/As.
package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
)

// option is a DynamoDB call's option, as the SDK's client takes them.
type option = func(*dynamodb.Options)

// DB is the part of the DynamoDB client the store uses.
type DB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...option) (*dynamodb.GetItemOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...option) (
		*dynamodb.BatchGetItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...option) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...option) (
		*dynamodb.TransactWriteItemsOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...option) (*dynamodb.UpdateItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...option) (*dynamodb.PutItemOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...option) (
		*dynamodb.BatchWriteItemOutput, error)
}

// Errors returned by the store.
var (
	ErrNotFound        = errors.New("not found")
	ErrAppNotFound     = errors.New("app not found")
	ErrAppNotActive    = errors.New("app is being deleted")
	ErrAppActive       = errors.New("app is not being deleted")
	ErrSlugTaken       = errors.New("slug already taken")
	ErrEmailTaken      = errors.New("email already taken")
	ErrExternalIDTaken = errors.New("external id already taken")
	ErrVersionConflict = errors.New("version conflict")
	ErrInvalidCursor   = errors.New("invalid cursor")
	ErrListTooLarge    = errors.New("too many customers to sort before the app is re-indexed")
	ErrFilterTooLarge  = errors.New("the list's filters are too many for one query")
	ErrLicenseLimit    = errors.New("license limit reached")
	// ErrBusy: contention or throttling outlasted the retries; the caller may try again.
	ErrBusy = errors.New("store busy")
	// ErrUnavailable: DynamoDB failed in a way the caller cannot fix.
	ErrUnavailable = errors.New("store unavailable")
)

// ConflictError says a unique value belongs to another customer. It matches ErrEmailTaken
// or ErrExternalIDTaken with errors.Is.
type ConflictError struct {
	Err        error  // ErrEmailTaken or ErrExternalIDTaken
	ExistingID string // the customer that holds the value
}

func (e *ConflictError) Error() string { return e.Err.Error() + " by customer " + e.ExistingID }
func (e *ConflictError) Unwrap() error { return e.Err }

// backendError keeps DynamoDB's message for the logs but not the SDK error itself: it
// matches ErrBusy or ErrUnavailable and unwraps to nothing else.
type backendError struct {
	op   string
	kind error
	msg  string
}

func (e *backendError) Error() string        { return "store: " + e.op + ": " + e.msg }
func (e *backendError) Is(target error) bool { return target == e.kind }

// Limits of the store.
const (
	// MaxLicensesPerCustomer keeps a customer's deletion within one transaction of at most
	// 100 items: the customer, two guards, a shard counter and an idempotency record, plus
	// two items per license.
	MaxLicensesPerCustomer = 47
	// MaxListLimit is the largest page the store serves.
	MaxListLimit = 1000
)

// Store reads and writes one table.
type Store struct {
	db    DB
	table string
	now   func() time.Time

	shards    int // shard items per app: Shards (1 stands for the single counter of before in a benchmark)
	txRetries int // extra tries of a transaction cancelled only by TransactionConflict
	// writeAttempts bounds the tries of a read-modify-write that loses to concurrent writers:
	// with n writers on one item the last one may lose n-1 times, so it is set above the
	// concurrency one customer can plausibly see (the growing backoff spreads the rest).
	writeAttempts int
}

// New returns a store over the named table.
func New(db DB, table string) *Store {
	return &Store{
		db:            db,
		table:         table,
		now:           func() time.Time { return time.Now().UTC() },
		shards:        Shards,
		txRetries:     8,
		writeAttempts: 50,
	}
}

// SetClock makes the store read the time from now: the times it records, and the expiry
// of idempotency records. For tests that move time.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// fail turns an SDK error into a store error.
func fail(op string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		// DynamoDB did not answer in the time the request had: the client may retry.
		return &backendError{op: op, kind: ErrUnavailable, msg: "no answer before the deadline: " + err.Error()}
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("store: %s: %w", op, context.Canceled)
	}
	kind := ErrUnavailable
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "ProvisionedThroughputExceededException", "ThrottlingException",
			"RequestLimitExceeded", "TransactionInProgressException", "TransactionConflictException":
			kind = ErrBusy
		}
	}
	return &backendError{op: op, kind: kind, msg: err.Error()}
}

// busy is the error of a write whose concurrent writers outlasted its retries.
func busy(op string) error {
	return &backendError{op: op, kind: ErrBusy, msg: "contention outlasted the retries"}
}

// backoff sleeps for a full-jitter delay that grows with attempt.
func backoff(ctx context.Context, attempt int) error {
	ceiling := 5 * time.Millisecond << min(attempt, 6) // 5ms .. 320ms
	t := time.NewTimer(rand.N(ceiling) + time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
