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
