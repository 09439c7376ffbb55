package apitest

import (
	"bytes"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// IdempotencyKey is the header that makes a write idempotent.
const IdempotencyKey = "Idempotency-Key"

// CheckReplay sends a write of app twice under one idempotency key: the first must answer
// status and keep one record, the second replay the first and change nothing in the app's
// partition, and the app's invariants must hold.
func (e *Env) CheckReplay(t *testing.T, app App, method, path string, body any, status int) {
	t.Helper()
	sk := e.As(t, app.Secret)
	first := sk.Do(method, path, body, IdempotencyKey, "replay-"+t.Name()).Want(status)
	if n := e.Records(t, app.UUID); n != 1 {
		t.Errorf("%d records after the write, want 1", n)
	}
	before := e.Partition(t, app.UUID)
	WantReplay(t, first, sk.Do(method, path, body, IdempotencyKey, "replay-"+t.Name()))
	if after := e.Partition(t, app.UUID); !reflect.DeepEqual(before, after) {
		t.Errorf("the replay changed the partition: %d items before, %d after", len(before), len(after))
	}
	e.CheckInvariants(t, app.UUID)
}

// RaceOneKey sends twenty POSTs of one body under one idempotency key at once: one must
// make the write (201), and every other replay it or be told the key is in use (409).
func RaceOneKey(t *testing.T, c *Caller, path string, body any, key string) {
	t.Helper()
	answers := make([]*Response, 20)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() { answers[i] = c.Do("POST", path, body, IdempotencyKey, key) })
	}
	wg.Wait()
	var first *Response
	for _, a := range answers {
		if a.Status == 201 && a.Header.Get("Idempotent-Replayed") == "" {
			if first != nil {
				t.Fatalf("two first answers:\n%s\n%s", first.Body, a.Body)
			}
			first = a
		}
	}
	if first == nil {
		t.Fatal("no request made the write")
	}
	for _, a := range answers {
		switch {
		case a == first:
		case a.Status == 409:
			if !strings.Contains(string(a.Body), IdempotencyKey) {
				t.Errorf("409 that is not about the key: %s", a.Body)
			}
		default:
			WantReplay(t, first, a)
		}
	}
}

// WantReplay checks that again replayed first byte for byte, marked as a replay.
func WantReplay(t *testing.T, first, again *Response) {
	t.Helper()
	if again.Status != first.Status || !bytes.Equal(again.Body, first.Body) ||
		again.Header.Get("Content-Type") != first.Header.Get("Content-Type") {
		t.Errorf("%s: replay %d %q %s, want the first answer %d %q %s", first.Req, again.Status,
			again.Header.Get("Content-Type"), again.Body, first.Status, first.Header.Get("Content-Type"), first.Body)
	}
	if got := again.Header.Get("Idempotent-Replayed"); got != "true" {
		t.Errorf("%s: replay's Idempotent-Replayed %q, want true", first.Req, got)
	}
	if got := first.Header.Get("Idempotent-Replayed"); got != "" {
		t.Errorf("%s: first answer's Idempotent-Replayed %q, want none", first.Req, got)
	}
}

// Keyed is a write under an idempotency key.
type Keyed struct {
	Method, Path string
	Body         any      // as Caller.Do's
	Key          string   // the Idempotency-Key
	Header       []string // more headers, as Caller.Do's
}

// Send sends the write with c.
func (k Keyed) Send(c *Caller) *Response {
	c.t.Helper()
	return c.Do(k.Method, k.Path, k.Body, append([]string{IdempotencyKey, k.Key}, k.Header...)...)
}

// WantReplayed sends k again with app's secret key: it must replay first and leave the app's
// partition as it was.
func (e *Env) WantReplayed(t *testing.T, app App, k Keyed, first *Response) {
	t.Helper()
	before := e.Partition(t, app.UUID)
	WantReplay(t, first, k.Send(e.As(t, app.Secret)))
	if after := e.Partition(t, app.UUID); !reflect.DeepEqual(before, after) {
		t.Errorf("the replay changed the partition: %d items before, %d after", len(before), len(after))
	}
}

// Kept is one row of a test that a keyed outcome is kept: the request k of app's secret key
// and the status it answers; Change runs between the request and its retry, After once the
// retry has replayed.
type Kept struct {
	K      Keyed
	Status int
	// SameAsUnkeyed sends the request first without a key: the keyed answer must be the same.
	SameAsUnkeyed bool
	Change, After func(*testing.T, App)
}

// WantKept sends row.K and requires one record more, then its retry, after row.Change, to
// replay the first answer, which it returns for the dialect's own checks; then the invariants.
func (e *Env) WantKept(t *testing.T, app App, row Kept) *Response {
	t.Helper()
	sk := e.As(t, app.Secret)
	k := row.K
	var unkeyed *Response
	if row.SameAsUnkeyed {
		unkeyed = sk.Do(k.Method, k.Path, k.Body, k.Header...).Want(row.Status)
	}
	records := e.Records(t, app.UUID)
	first := k.Send(sk).Want(row.Status)
	if unkeyed != nil && !bytes.Equal(first.Body, unkeyed.Body) {
		t.Errorf("keyed answer %s, want the answer without a key %s", first.Body, unkeyed.Body)
	}
	if n := e.Records(t, app.UUID); n != records+1 {
		t.Errorf("%d records after the keyed request, want %d", n, records+1)
	}
	if row.Change != nil {
		row.Change(t, app)
	}
	e.WantReplayed(t, app, k, first)
	if row.After != nil {
		row.After(t, app)
	}
	e.CheckInvariants(t, app.UUID)
	return first
}

// Twice sends k twice at once with c and returns both answers.
func Twice(c *Caller, k Keyed) [2]*Response {
	var out [2]*Response
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() { out[i] = k.Send(c) })
	}
	wg.Wait()
	return out
}

// WantTwins checks the answers of Twice: one did the write (status, not replayed), and the
// other replays it or is the dialect's 409 for a key in use, which inUse checks.
func WantTwins(t *testing.T, rs [2]*Response, status int, inUse func(*testing.T, *Response)) {
	t.Helper()
	var first *Response
	for _, r := range rs {
		if r.Status == status && r.Header.Get("Idempotent-Replayed") == "" {
			first = r
		}
	}
	if first == nil {
		t.Fatalf("%s: no twin did the write: %d %s, %d %s", rs[0].Req, rs[0].Status, rs[0].Body,
			rs[1].Status, rs[1].Body)
	}
	for _, r := range rs {
		switch {
		case r == first:
		case r.Status == 409:
			inUse(t, r)
		default:
			WantReplay(t, first, r)
		}
	}
}
