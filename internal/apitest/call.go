package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
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
	checkAnswer(c.t, Answer{Method: method, Path: req.URL.EscapedPath(), Status: res.StatusCode, Body: raw})
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
