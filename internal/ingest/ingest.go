// Package ingest applies queued customer commands: the SQS-triggered ingestion function and
// the local bulk import run the same code.
//
// A message body is one command:
//
//	{"app": "<slug>" | "app_<uuid>" | "<uuid>",
//	 "action": "upsert" | "get_or_create" | "delete",
//	 "customer": {… the Apps API's customer fields …},
//	 "idempotency_key": "…"}  (optional)
//
// upsert keys on customer.external_id (required) and changes only the fields present (null
// clears); get_or_create keys on customer.email (required) and returns the existing customer
// untouched; delete finds the customer by customer.id ("cus_<uuid>" or a UUID), else
// customer.external_id, else customer.email, and succeeds when it is already gone. Every
// action gives the same result when delivered twice, which is what at-least-once queues need.
//
// idempotency_key gives a command the guarantees of the HTTP header Idempotency-Key, in the
// same app-wide space of keys: the command's record (over its app, action and customer) is
// written with its write, a command delivered again under the key is not applied again and
// reports the first result (Replayed), the key with another command is rejected
// (idempotency_key_reused), and the key held by a command in flight is retried later.
//
// A message either succeeds, is rejected (it can never succeed: it is logged with its reason
// and dropped, not retried), or fails in a way that may pass later (the store is busy or
// unavailable, the time ran out): only those come back to the queue as batch item failures,
// and land in its dead-letter queue after the queue's maxReceiveCount.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/clientele/clientele/internal/appsapi"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/wire"
)

// Action is what a command does.
type Action string

// The actions of a command.
const (
	Upsert      Action = "upsert"
	GetOrCreate Action = "get_or_create"
	Delete      Action = "delete"
)

// Outcome is what a command did.
type Outcome string

// The outcomes of a command.
const (
	Created        Outcome = "created"
	Updated        Outcome = "updated"
	Unchanged      Outcome = "unchanged"       // also get_or_create finding its customer
	Deleted        Outcome = "deleted"         // delete removed the customer
	AlreadyDeleted Outcome = "already_deleted" // delete found nothing to remove
)

// CreatedBy is recorded as the creator of the customers that commands create.
const CreatedBy = "ingest"

// Result is what became of one command. On an error it carries what was known of the
// command before the error (Action and App, when they could be read).
type Result struct {
	Action     Action
	App        string  // the app as the command named it
	AppID      string  // the app's id (a bare UUID), once resolved
	Outcome    Outcome // empty on an error
	CustomerID string  // bare UUID; empty when a delete found nothing by external_id or email
	Version    int64   // the customer's version after the command (before it, for a delete)
	Replayed   bool    // applied before under its idempotency key: this is that first result
}

// Reason says why a message was rejected.
type Reason string

// Reasons for rejecting a message.
const (
	ReasonMalformed       Reason = "malformed_json"   // the body is not a JSON object
	ReasonInvalidCommand  Reason = "invalid_command"  // app, action or customer missing or of the wrong type
	ReasonUnknownAction   Reason = "unknown_action"   // action is none of upsert, get_or_create, delete
	ReasonUnknownApp      Reason = "unknown_app"      // no app has that slug or id
	ReasonAppDeleted      Reason = "app_deleted"      // the app is being deleted
	ReasonInvalidCustomer Reason = "invalid_customer" // a customer field is invalid or a required one is missing
	ReasonConflict        Reason = "conflict"         // the email or external_id belongs to another customer
	ReasonKeyReused       Reason = "idempotency_key_reused"
)

// RejectedError is the error of a message that can never succeed: delivering it again would
// give the same answer.
type RejectedError struct {
	Reason  Reason
	Message string
	Err     error // the cause, when there is one
}

// Error is the reason and the message.
func (e *RejectedError) Error() string { return string(e.Reason) + ": " + e.Message }

// Unwrap is the cause.
func (e *RejectedError) Unwrap() error { return e.Err }

// Retryable reports whether a message that failed with err may succeed when delivered again:
// every error but a rejection. Errors nobody foresaw count as retryable, so that the
// dead-letter queue, not the log alone, keeps the messages they hit.
func Retryable(err error) bool {
	var rej *RejectedError
	return err != nil && !errors.As(err, &rej)
}

// Ingester applies commands to one store. It is safe for concurrent use.
type Ingester struct {
	store *store.Store
	log   *slog.Logger
	slugs sync.Map // slug -> app id, for the life of the process
}

// New returns an ingester over the store that logs what becomes of each message of a batch
// to log (rejections at ERROR, retries at WARN, successes at DEBUG).
func New(s *store.Store, log *slog.Logger) *Ingester { return &Ingester{store: s, log: log} }

// command is a decoded message.
type command struct {
	action   Action
	app      appRef
	customer json.RawMessage
	key      string // idempotency_key, "" without one
}

// Process applies one message body. Its error is a *RejectedError when the message can never
// succeed (see Retryable).
func (in *Ingester) Process(ctx context.Context, body []byte) (Result, error) {
	cmd, res, err := decode(body)
	if err != nil {
		return res, err
	}
	op, err := in.operation(cmd)
	if err != nil {
		return res, err
	}
	fingerprint := idempotency.LegacyFingerprint("ingest", string(cmd.action)+" "+res.App, cmd.customer)
	claim := &idempotency.Claim{
		Key: cmd.key, Fingerprint: fingerprint, LegacyFingerprint: fingerprint,
		Render:      func(w idempotency.Result) idempotency.Answer { return keep(cmd.action, w) },
		RenderError: func(err error) idempotency.Answer { return keepError(cmd.action, err) },
	}
	got, err := in.onApp(claim.Context(ctx), cmd.app, op)
	var re *idempotency.ReplayError
	if errors.As(err, &re) {
		var k kept
		if err = json.Unmarshal(re.Answer.Body, &k); err == nil {
			got.Outcome, got.CustomerID, got.Version, got.Replayed = k.Outcome, k.CustomerID, k.Version, true
			if k.Reason != "" {
				err = &RejectedError{Reason: k.Reason, Message: k.Message}
			}
		}
	}
	got.Action, got.App = res.Action, res.App
	return got, classify(err)
}

// kept is what a command's record keeps of its result, or of its rejection.
type kept struct {
	Outcome    Outcome `json:"outcome"`
	CustomerID string  `json:"customer_id"`
	Version    int64   `json:"version"`
	Reason     Reason  `json:"reason,omitempty"`
	Message    string  `json:"message,omitempty"`
}

// keep is the answer a command's record keeps: its result, as a write of the action did it.
func keep(action Action, w idempotency.Result) idempotency.Answer {
	k := kept{Outcome: Deleted, CustomerID: w.Customer.ID, Version: w.Customer.Version}
	if action != Delete {
		k.Outcome = outcomes[w.Outcome]
	}
	b, _ := json.Marshal(k) // strings and a number: it cannot fail
	return idempotency.Answer{Status: 200, Body: b}
}

// keepError is the answer a command's record keeps of an outcome that wrote nothing: a delete
// that found nothing, or a rejection that the state of the app caused (a conflict).
func keepError(action Action, err error) idempotency.Answer {
	k := kept{Outcome: AlreadyDeleted}
	status := http.StatusOK
	var rej *RejectedError
	switch {
	case action == Delete && errors.Is(err, store.ErrNotFound):
	case errors.As(classify(err), &rej):
		k, status = kept{Reason: rej.Reason, Message: rej.Message}, http.StatusConflict
	default:
		return idempotency.Answer{Status: http.StatusInternalServerError} // not kept
	}
	b, _ := json.Marshal(k) // strings and a number: it cannot fail
	return idempotency.Answer{Status: status, Body: b}
}

func reject(reason Reason, format string, args ...any) *RejectedError {
	return &RejectedError{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// decode reads a command. Unknown top-level fields are ignored, so that producers may add
// their own (a trace id, say) without breaking older consumers.
func decode(body []byte) (command, Result, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return command{}, Result{}, reject(ReasonMalformed, "the message body must be a JSON object")
	}
	var res Result
	str := func(name string) (string, error) {
		raw, ok := fields[name]
		if !ok || wire.IsNull(raw) {
			return "", reject(ReasonInvalidCommand, "%s is required", name)
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", reject(ReasonInvalidCommand, "%s must be a string", name)
		}
		if s = strings.TrimSpace(s); s == "" {
			return "", reject(ReasonInvalidCommand, "%s is required", name)
		}
		return s, nil
	}
	app, err := str("app")
	if err != nil {
		return command{}, res, err
	}
	res.App = app
	action, err := str("action")
	if err != nil {
		return command{}, res, err
	}
	res.Action = Action(action)
	switch res.Action {
	case Upsert, GetOrCreate, Delete:
	default:
		return command{}, res, reject(ReasonUnknownAction, "action %q is none of upsert, get_or_create, delete", action)
	}
	raw, ok := fields["customer"]
	if !ok || wire.IsNull(raw) {
		return command{}, res, reject(ReasonInvalidCommand, "customer is required")
	}
	if t := firstByte(raw); t != '{' {
		return command{}, res, reject(ReasonInvalidCommand, "customer must be a JSON object")
	}
	ref, ok := parseAppRef(app)
	if !ok {
		return command{}, res, reject(ReasonUnknownApp, "no app is named %q", app)
	}
	var key string
	if raw, ok := fields["idempotency_key"]; ok && !wire.IsNull(raw) {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			key, _ = idempotency.ParseKey([]string{s})
		}
		if key == "" {
			return command{}, res, reject(ReasonInvalidCommand,
				"idempotency_key must be a string of 1 to 255 printable ASCII characters")
		}
	}
	return command{action: res.Action, app: ref, customer: raw, key: key}, res, nil
}

func firstByte(raw json.RawMessage) byte {
	s := strings.TrimSpace(string(raw))
	if s == "" {
		return 0
	}
	return s[0]
}

// op is a command bound to its data, run on an app id.
type op func(ctx context.Context, appID string) (Result, error)

// operation checks the command's customer and returns what the command does: field errors
// are found before the app is even resolved.
func (in *Ingester) operation(cmd command) (op, error) {
	switch cmd.action {
	case Upsert:
		p, err := appsapi.ParseCustomer(cmd.customer)
		if err != nil {
			return nil, classify(err)
		}
		ext := strings.TrimSpace(p.ExternalID.Value)
		if ext == "" {
			return nil, invalidField("external_id", customer.CodeRequired, "is required for upsert")
		}
		return func(ctx context.Context, appID string) (Result, error) {
			c, o, err := in.store.UpsertByExternalID(ctx, appID, ext, p, CreatedBy)
			res := Result{AppID: appID, CustomerID: c.ID, Version: c.Version}
			if err == nil {
				res.Outcome = outcomes[o]
			}
			return res, err
		}, nil

	case GetOrCreate:
		p, err := appsapi.ParseCustomer(cmd.customer)
		if err != nil {
			return nil, classify(err)
		}
		c := p.Apply(customer.Customer{CreatedBy: CreatedBy})
		if c.Email == "" {
			return nil, invalidField("email", customer.CodeRequired, "is required for get_or_create")
		}
		return func(ctx context.Context, appID string) (Result, error) {
			got, created, err := in.store.GetOrCreateByEmail(ctx, appID, c)
			res := Result{AppID: appID, CustomerID: got.ID, Version: got.Version}
			if err == nil {
				res.Outcome = Unchanged
				if created {
					res.Outcome = Created
				}
			}
			return res, err
		}, nil

	default: // Delete
		return in.deletion(cmd.customer)
	}
}

// deletion reads which customer a delete names.
func (in *Ingester) deletion(raw json.RawMessage) (op, error) {
	var sel struct {
		ID         *string `json:"id"`
		ExternalID *string `json:"external_id"`
		Email      *string `json:"email"`
	}
	if err := json.Unmarshal(raw, &sel); err != nil {
		return nil, invalidField("customer", customer.CodeInvalidFormat, "id, external_id and email must be strings")
	}
	trim := func(s *string) string {
		if s == nil {
			return ""
		}
		return strings.TrimSpace(*s)
	}
	id, ext, email := trim(sel.ID), trim(sel.ExternalID), trim(sel.Email)
	if id != "" {
		parsed, ok := customer.ParseID(strings.TrimPrefix(id, "cus_"))
		if !ok {
			return nil, invalidField("id", customer.CodeInvalidFormat, "must be a customer id (cus_<uuid> or a UUID)")
		}
		id = parsed
	}
	if id == "" && ext == "" && email == "" {
		return nil, invalidField("customer", customer.CodeRequired, "one of id, external_id or email is required for delete")
	}
	return func(ctx context.Context, appID string) (Result, error) {
		res := Result{AppID: appID, CustomerID: id}
		var (
			gone customer.Customer
			err  error
		)
		switch {
		case id != "":
			gone, err = in.store.DeleteCustomer(ctx, appID, id)
		case ext != "":
			gone, err = in.store.DeleteByExternalID(ctx, appID, ext)
		default:
			gone, err = in.store.DeleteByEmail(ctx, appID, email)
		}
		switch {
		case errors.Is(err, store.ErrNotFound):
			res.Outcome = AlreadyDeleted
			return res, nil
		case err != nil:
			return res, err
		}
		res.Outcome, res.CustomerID, res.Version = Deleted, gone.ID, gone.Version
		return res, nil
	}, nil
}

func invalidField(field, code, message string) error {
	var v customer.ValidationError
	v.Add(field, code, message)
	return classify(&v)
}

// classify turns the store's permanent errors into rejections; every other error stays as it
// is, retryable.
func classify(err error) error {
	var (
		rej *RejectedError
		ve  *customer.ValidationError
		ce  *store.ConflictError
	)
	switch {
	case err == nil, errors.As(err, &rej):
		return err
	case errors.As(err, &ve):
		parts := make([]string, len(ve.Errors))
		for i, fe := range ve.Errors {
			parts[i] = fe.Field + " " + fe.Message
		}
		return &RejectedError{Reason: ReasonInvalidCustomer, Message: strings.Join(parts, "; "), Err: err}
	case errors.As(err, &ce):
		field := "email"
		if errors.Is(err, store.ErrExternalIDTaken) {
			field = "external_id"
		}
		return &RejectedError{Reason: ReasonConflict, Message: field + " belongs to customer cus_" + ce.ExistingID, Err: err}
	case errors.Is(err, store.ErrAppNotFound):
		return &RejectedError{Reason: ReasonUnknownApp, Message: "the app does not exist", Err: err}
	case errors.Is(err, store.ErrAppNotActive):
		return &RejectedError{Reason: ReasonAppDeleted, Message: "the app is being deleted", Err: err}
	case errors.Is(err, idempotency.ErrKeyReused):
		return &RejectedError{Reason: ReasonKeyReused, Message: "the idempotency_key was used for another command", Err: err}
	}
	return err
}

// outcomes are the outcomes of commands that upsert or get-or-create, by their write's.
var outcomes = map[idempotency.Outcome]Outcome{
	idempotency.Created: Created, idempotency.Updated: Updated, idempotency.Unchanged: Unchanged,
}
