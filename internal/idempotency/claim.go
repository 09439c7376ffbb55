package idempotency

import (
	"context"
	"errors"

	"github.com/clientele/clientele/internal/customer"
)

// Errors of a write under an idempotency key.
var (
	// ErrKeyReused: the key's record is of another request (method, route or body).
	ErrKeyReused = errors.New("idempotency: the key was used for another request")
	// ErrKeyInUse: a transaction of another request with the key was in flight.
	ErrKeyInUse = errors.New("idempotency: the key is held by a request in flight")
)

// ReplayError is the error of a write whose key's record holds the same request: it was
// done before, and nothing was written now. Answer is what it answered then.
type ReplayError struct {
	Answer Answer
}

// Error says that the request was done before.
func (e *ReplayError) Error() string {
	return "idempotency: the request was done before under its key"
}

// KeptError is an outcome of a keyed request that executed and wrote nothing but its
// record (a 404, a 409): Err is what happened, Answer the answer its record keeps, which the
// request answers byte for byte, as its replays do.
type KeptError struct {
	Err    error
	Answer Answer
}

// Error is Err's.
func (e *KeptError) Error() string { return e.Err.Error() }

// Unwrap is Err.
func (e *KeptError) Unwrap() error { return e.Err }

// Outcome says what a write did.
type Outcome int

// The outcomes of a write.
const (
	Unchanged Outcome = iota // the customer already held that data
	Created
	Updated
	Deleted
)

// String is the outcome's name in metrics: created, updated, deleted or unchanged.
func (o Outcome) String() string {
	switch o {
	case Created:
		return "created"
	case Updated:
		return "updated"
	case Deleted:
		return "deleted"
	default:
		return "unchanged"
	}
}

// Result is what a write did, for a claim to render its answer from.
type Result struct {
	Customer customer.Customer // the customer written, or deleted as it was
	License  customer.License  // the license written or deleted
	Outcome  Outcome
}

// Claim is a write's idempotency key; it travels to the store in the write's context (docs/storage.md).
type Claim struct {
	Key         string // "" for a request without one: Context then adds nothing
	Fingerprint string // Fingerprint of the request
	// LegacyFingerprint is the request's fingerprint as records written before If-Match
	// counted (FingerprintVersion 1) hold it: so that a retry across that change replays.
	LegacyFingerprint string
	// Render is the answer of a write that executed: its record keeps it, Rendered returns it.
	Render func(Result) Answer
	// RenderError is the answer to an error, in the request's dialect (nil outside one).
	RenderError func(error) Answer

	kept *Answer // the answer of the record that was written
}

type claimContext struct{}

// Context returns ctx carrying the claim, when it has a key.
func (c *Claim) Context(ctx context.Context) context.Context {
	if c == nil || c.Key == "" {
		return ctx
	}
	return context.WithValue(ctx, claimContext{}, c)
}

// FromContext returns the claim that ctx carries, or nil.
func FromContext(ctx context.Context) *Claim {
	c, _ := ctx.Value(claimContext{}).(*Claim)
	return c
}

// Keep notes the answer that the record written with the write holds.
func (c *Claim) Keep(a Answer) { c.kept = &a }

// Rendered is the answer to a write that succeeded: the one its record keeps when one was
// written (rendered once, so that a replay gives the same bytes), else Render's.
func (c *Claim) Rendered(res Result) Answer {
	if c.kept != nil {
		return *c.kept
	}
	return c.Render(res)
}
