// Package problem is the one classification of what goes wrong in a request, whatever its
// dialect: Classify turns every error of store, customer, idempotency, auth and web into a
// Problem, and a Renderer answers it through a dialect's own table of kinds.
package problem

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"time"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/telemetry"
	"github.com/clientele/clientele/internal/web"
)

// Kind is what went wrong, in words every dialect has a row for.
type Kind string

// The kinds of problem.
const (
	Internal              Kind = "internal"                // an error nobody foresaw: a bug, never the client's
	BadRequest            Kind = "bad_request"             // a malformed request, in the words of the dialect that saw it
	BodyTooLarge          Kind = "body_too_large"          // a body over web.MaxBody
	BodyNotUTF8           Kind = "body_not_utf8"           // a body that is not valid UTF-8
	BodyUnreadable        Kind = "body_unreadable"         // a body that could not be read
	BodyNotStrictJSON     Kind = "body_not_strict_json"    // JSON with a key twice or a lone surrogate escape
	Unauthorized          Kind = "unauthorized"            // no valid key
	ReadOnly              Kind = "read_only"               // a write with a key that only reads
	Forbidden             Kind = "forbidden"               // a key that may not do this
	NoRoute               Kind = "no_route"                // no route serves the method and path
	NotFound              Kind = "not_found"               // the record the request names does not exist
	AppNotFound           Kind = "app_not_found"           // the app does not exist or is being deleted
	AppActive             Kind = "app_active"              // the app is not being deleted
	Invalid               Kind = "invalid"                 // fields the rules refuse
	EmailTaken            Kind = "email_taken"             // the email belongs to another customer
	ExternalIDTaken       Kind = "external_id_taken"       // the external id belongs to another customer
	SlugTaken             Kind = "slug_taken"              // the slug belongs to another app
	VersionConflict       Kind = "version_conflict"        // the record changed since the request's version
	InvalidCursor         Kind = "invalid_cursor"          // a cursor that is not one of this list's
	ListTooLarge          Kind = "list_too_large"          // too many customers to sort in memory (an app not re-indexed)
	FilterTooLarge        Kind = "filter_too_large"        // filters too many for one DynamoDB query
	LicenseLimit          Kind = "license_limit"           // the customer has store.MaxLicensesPerCustomer licenses
	EndpointLimit         Kind = "endpoint_limit"          // the app has webhook.MaxEndpoints webhook endpoints
	URLTaken              Kind = "url_taken"               // another webhook endpoint of the app has the URL
	IdempotencyKeyInvalid Kind = "idempotency_key_invalid" // an Idempotency-Key that idempotency.ParseKey refuses
	IdempotencyKeyReused  Kind = "idempotency_key_reused"  // an Idempotency-Key of another request
	IdempotencyKeyInUse   Kind = "idempotency_key_in_use"  // an Idempotency-Key held by a request in flight
	Replayed              Kind = "replayed"                // done before under its Idempotency-Key: not a failure
	Busy                  Kind = "busy"                    // DynamoDB stayed busy through the retries
	Unavailable           Kind = "unavailable"             // DynamoDB failed, or its answer was lost
)

// Kinds lists every kind, for the tables of the dialects to be checked against.
func Kinds() []Kind {
	return []Kind{
		Internal, BadRequest, BodyTooLarge, BodyNotUTF8, BodyUnreadable, BodyNotStrictJSON, Unauthorized, ReadOnly, Forbidden,
		NoRoute, NotFound, AppNotFound, AppActive, Invalid, EmailTaken, ExternalIDTaken, SlugTaken,
		VersionConflict, InvalidCursor, ListTooLarge, FilterTooLarge, LicenseLimit, EndpointLimit, URLTaken,
		IdempotencyKeyInvalid, IdempotencyKeyReused, IdempotencyKeyInUse, Replayed, Busy, Unavailable,
	}
}

// Problem is an error as a request's answer sees it.
type Problem struct {
	Kind       Kind
	Message    string                    // the dialect's own words for it (Error.Message), or ""
	Details    any                       // the dialect's own details of it (Error.Details), or nil
	Fields     *customer.ValidationError // Invalid: the fields at fault, as the domain found them
	ExistingID string                    // EmailTaken, ExternalIDTaken: the customer holding the value
	Replay     idempotency.Answer        // Replayed: the answer the request's record keeps
	RetryAfter time.Duration             // how long a client waits before it retries (Retry-After); 0: no header
	Level      slog.Level                // the level of its log line
	Log        string                    // the message of its log line; "" for what is not logged
	Err        error                     // the error classified
}

// Error is a problem a dialect finds itself, in its own words: Classify keeps its kind,
// message and details.
type Error struct {
	Kind    Kind
	Message string // the text of the dialect's answer; "" for its table's
	Details any    // the dialect's own details of the fields at fault, or nil
	Err     error  // the cause, or nil
}

// Error is the kind, the message and the cause.
func (e *Error) Error() string {
	msg := "problem: " + string(e.Kind)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap is the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf is the Error of kind with the message that format gives.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// sentinels are the errors that mean one kind each, matched with errors.Is in this order.
var sentinels = []struct {
	err  error
	kind Kind
}{
	{idempotency.ErrKeyReused, IdempotencyKeyReused},
	{idempotency.ErrKeyInUse, IdempotencyKeyInUse},
	{idempotency.ErrInvalidKey, IdempotencyKeyInvalid},
	{store.ErrEmailTaken, EmailTaken},
	{store.ErrExternalIDTaken, ExternalIDTaken},
	{store.ErrAppNotFound, AppNotFound},
	{store.ErrAppNotActive, AppNotFound},
	{store.ErrAppActive, AppActive},
	{store.ErrNotFound, NotFound},
	{store.ErrSlugTaken, SlugTaken},
	{store.ErrVersionConflict, VersionConflict},
	{store.ErrInvalidCursor, InvalidCursor},
	{store.ErrFilterTooLarge, FilterTooLarge},
	{store.ErrListTooLarge, ListTooLarge},
	{store.ErrLicenseLimit, LicenseLimit},
	{store.ErrEndpointLimit, EndpointLimit},
	{store.ErrURLTaken, URLTaken},
	{store.ErrNoSecret, BadRequest},
	{store.ErrBusy, Busy},
	{store.ErrUnavailable, Unavailable},
	{auth.ErrNoKey, Unauthorized},
	{auth.ErrReadOnly, ReadOnly},
	{web.ErrNoRoute, NoRoute},
	{web.ErrBadQuery, BadRequest},
	{web.ErrTooLarge, BodyTooLarge},
	{web.ErrInvalidUTF8, BodyNotUTF8},
	{web.ErrUnreadable, BodyUnreadable},
	{web.ErrDuplicateKey, BodyNotStrictJSON},
	{web.ErrLoneSurrogate, BodyNotStrictJSON},
}

// Classify is what err means for a request's answer. An error it does not know is Internal.
func Classify(err error) Problem {
	var (
		re *idempotency.ReplayError
		pe *Error
		ve *customer.ValidationError
		ce *store.ConflictError
	)
	p := Problem{Kind: Internal, Err: err}
	switch {
	case errors.As(err, &re):
		p.Kind, p.Replay = Replayed, re.Answer
	case errors.As(err, &pe):
		p.Kind, p.Message, p.Details = pe.Kind, pe.Message, pe.Details
	case errors.As(err, &ve):
		p.Kind, p.Fields = Invalid, ve
	case errors.As(err, &ce):
		p.Kind, p.ExistingID = ExternalIDTaken, ce.ExistingID
		if errors.Is(err, store.ErrEmailTaken) {
			p.Kind = EmailTaken
		}
	default:
		for _, s := range sentinels {
			if errors.Is(err, s.err) {
				p.Kind = s.kind
				break
			}
		}
	}
	return p.as(p.Kind)
}

// as is the problem as one of kind k, with k's retry delay and log line.
func (p Problem) as(k Kind) Problem {
	p.Kind, p.RetryAfter, p.Level, p.Log = k, 0, slog.LevelInfo, ""
	switch k {
	case Busy:
		p.RetryAfter, p.Level, p.Log = time.Second, slog.LevelWarn, "store busy"
	case Unavailable:
		// The write may or may not have happened (whole, never in part): the client may retry.
		p.RetryAfter, p.Level, p.Log = time.Second, slog.LevelError, "store unavailable"
	case IdempotencyKeyInUse:
		p.RetryAfter = time.Second
	case Internal:
		p.Level, p.Log = slog.LevelError, "request failed"
	}
	return p
}

// Renderer answers errors in one dialect's words: it is the web.Renderer of its routes.
type Renderer struct {
	Table func(Problem) idempotency.Answer // the dialect's status and body for each kind
	As    map[Kind]Kind                    // the kinds the dialect answers as another one
}

// Problem is what err means in the renderer's dialect.
func (d Renderer) Problem(err error) Problem {
	p := Classify(err)
	if k, ok := d.As[p.Kind]; ok {
		p = p.as(k)
	}
	return p
}

// Render is the answer to err: the kept answer of a replay (marked Idempotent-Replayed) or
// of an outcome kept under its key, else the dialect's, with Retry-After when the problem
// has a delay.
func (d Renderer) Render(err error) idempotency.Answer {
	var kept *idempotency.KeptError
	if errors.As(err, &kept) {
		return kept.Answer // rendered once, when its record was written: replays give the same bytes
	}
	p := d.Problem(err)
	if p.Kind == Replayed {
		return withHeader(p.Replay, idempotency.ReplayedHeader, "true")
	}
	a := d.Table(p)
	if p.RetryAfter > 0 {
		a = withHeader(a, "Retry-After", strconv.Itoa(int(p.RetryAfter/time.Second)))
	}
	return a
}

// Report logs a failure that is not the client's, and counts what metrics count of err:
// BusyAnswers for a busy store, IdempotentReplays for a replay.
func (d Renderer) Report(ctx context.Context, err error) {
	p := d.Problem(err)
	if p.Log != "" {
		telemetry.Logger(ctx).Log(ctx, p.Level, p.Log, "error", err.Error())
	}
	switch p.Kind {
	case Busy:
		telemetry.Count(ctx, "BusyAnswers")
	case Replayed:
		telemetry.Count(ctx, "IdempotentReplays")
	}
}

// Row is the row of kind k in a dialect's table, else its row for Internal.
func Row[R any](table map[Kind]R, k Kind) R {
	if row, ok := table[k]; ok {
		return row
	}
	return table[Internal]
}

func withHeader(a idempotency.Answer, name, value string) idempotency.Answer {
	a.Header = maps.Clone(a.Header)
	if a.Header == nil {
		a.Header = map[string]string{}
	}
	a.Header[name] = value
	return a
}
