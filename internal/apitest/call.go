package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// Caller sends requests to the stack with one key.
type Caller struct {
	t   *testing.T
	url string
	key string
	// Allow5xx lets an answer be a 5xx; else a 5xx fails the test.
	Allow5xx bool
}

// As is a caller that sends key as a Bearer key ("" sends no Authorization header) and
// reports to t.
func (e *Env) As(t *testing.T, key string) *Caller { return &Caller{t: t, url: e.URL, key: key} }

// Response is an answer of the stack.
type Response struct {
	t      *testing.T
	Req    string // "METHOD path", for messages
	Status int
	Header http.Header
	Body   []byte
}

// Do sends a request: body is nil, a string (sent as is) or a value (sent as JSON); header
// holds more headers, names and values in turn. The round trip must fit docs/openapi.yaml:
// the answer always, the request when the answer is 2xx.
func (c *Caller) Do(method, path string, body any, header ...string) *Response {
	c.t.Helper()
	var r io.Reader
	var sent []byte
	switch b := body.(type) {
	case nil:
	case string:
		r, sent = strings.NewReader(b), []byte(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		r, sent = bytes.NewReader(raw), raw
	}
	req, err := http.NewRequest(method, c.url+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	out := &Response{t: c.t, Req: method + " " + path, Status: res.StatusCode, Header: res.Header, Body: raw}
	if out.Status >= 500 && !c.Allow5xx {
		c.t.Errorf("%s: %d %s", out.Req, out.Status, raw)
	}
	checkOpenAPI(c.t, roundTrip{method: method, path: req.URL.EscapedPath(), query: req.URL.RawQuery,
		header: req.Header, body: sent, status: res.StatusCode, respHeader: res.Header, respBody: raw}, true)
	return out
}

// Get sends a GET.
func (c *Caller) Get(path string) *Response { c.t.Helper(); return c.Do("GET", path, nil) }

// Post sends a POST with a body.
func (c *Caller) Post(path string, body any) *Response { c.t.Helper(); return c.Do("POST", path, body) }

// Put sends a PUT with a body.
func (c *Caller) Put(path string, body any) *Response { c.t.Helper(); return c.Do("PUT", path, body) }

// Delete sends a DELETE.
func (c *Caller) Delete(path string) *Response { c.t.Helper(); return c.Do("DELETE", path, nil) }

// Want checks the status and, for an answer with a body, that the body is JSON.
func (r *Response) Want(status int) *Response {
	r.t.Helper()
	if r.Status != status {
		r.t.Fatalf("%s: status %d, want %d: %s", r.Req, r.Status, status, r.Body)
	}
	if len(r.Body) > 0 {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			r.t.Errorf("%s: Content-Type %q, want JSON", r.Req, ct)
		}
		if !json.Valid(r.Body) {
			r.t.Errorf("%s: body is not JSON: %s", r.Req, r.Body)
		}
	}
	return r
}

// Into decodes the body into v.
func (r *Response) Into(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("%s: %v: %s", r.Req, err, r.Body)
	}
}

// WantGatewayMessage checks one of API Gateway's own answers, {"message": …}.
func (r *Response) WantGatewayMessage(status int, message string) {
	r.t.Helper()
	if want := fmt.Sprintf(`{"message":%q}`, message); r.Status != status || string(r.Body) != want {
		r.t.Fatalf("%s: got %d %s, want API Gateway's %d %s", r.Req, r.Status, r.Body, status, want)
	}
}

// GatewayMessage is a Row's check of one of API Gateway's own answers, {"message": …}.
func GatewayMessage(message string) func(*testing.T, *Response) {
	return func(t *testing.T, r *Response) {
		t.Helper()
		r.WantGatewayMessage(r.Status, message)
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

// Row is one request of a table and what it must answer.
type Row struct {
	Name   string // what the row checks, the name of its subtest
	Key    string // sent as a Bearer key; "" sends no Authorization header
	Method string
	Path   string
	Body   any      // as Caller.Do's
	Header []string // as Caller.Do's
	Status int      // the status the answer must have
	// Check checks the answer beyond its status (nil: nothing more).
	Check func(t *testing.T, r *Response)
}

// Run sends the rows in order against the stack, each in a subtest named for it.
func Run(t *testing.T, e *Env, rows []Row) {
	t.Helper()
	for _, row := range rows {
		t.Run(row.Name, func(t *testing.T) {
			r := e.As(t, row.Key).Do(row.Method, row.Path, row.Body, row.Header...).Want(row.Status)
			if row.Check != nil {
				row.Check(t, r)
			}
		})
	}
}

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
