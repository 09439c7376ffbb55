package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/idempotency"
)

// statusRenderer answers web's own errors with their status in {"failed": status}, and
// keeps what it was asked to report.
type statusRenderer struct{ reported []error }

func (*statusRenderer) Render(err error) idempotency.Answer {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrNoRoute):
		status = http.StatusNotFound
	case errors.Is(err, ErrBadQuery):
		status = http.StatusBadRequest
	case errors.Is(err, auth.ErrNoKey):
		status = http.StatusUnauthorized
	}
	return JSON(status, map[string]int{"failed": status})
}

func (s *statusRenderer) Report(_ context.Context, err error) { s.reported = append(s.reported, err) }

func TestRouteServesOnlyItsPattern(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	h := Route("GET /things/{id}", func(r *http.Request) (idempotency.Answer, error) {
		switch r.PathValue("id") {
		case "boom":
			panic("boom")
		case "secret":
			return idempotency.Answer{}, auth.ErrNoKey
		}
		return JSON(http.StatusOK, map[string]string{"id": r.PathValue("id")}), nil
	}, log, &statusRenderer{})

	tests := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/things/42", 200, `{"id":"42"}`},
		{"POST", "/things/42", 404, `{"failed":404}`},
		{"GET", "/other", 404, `{"failed":404}`},
		{"GET", "/things/boom", 500, `{"failed":500}`},
		{"GET", "/things/secret", 401, `{"failed":401}`},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Code != tt.status || strings.TrimSpace(rec.Body.String()) != tt.body {
			t.Errorf("%s %s: %d %s; want %d %s", tt.method, tt.path, rec.Code, rec.Body, tt.status, tt.body)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s %s: content type %q", tt.method, tt.path, ct)
		}
	}
	if !strings.Contains(logs.String(), `"msg":"panic"`) || !strings.Contains(logs.String(), `"status":500`) {
		t.Errorf("the panic is not logged: %s", logs.String())
	}
}

func TestReadBodyStopsAtOneMiB(t *testing.T) {
	tests := []struct {
		name string
		size int
		err  error
	}{
		{"exactly 1 MiB", MaxBody, nil},
		{"one byte more", MaxBody + 1, ErrTooLarge},
	}
	for _, tt := range tests {
		for _, chunked := range []bool{false, true} {
			var body io.Reader = bytes.NewReader(make([]byte, tt.size))
			if chunked {
				body = io.MultiReader(body) // hides the length
			}
			r := httptest.NewRequest("POST", "/", body)
			if chunked {
				r.ContentLength = -1
			}
			b, err := ReadBody(r)
			if !errors.Is(err, tt.err) || (err == nil && len(b) != tt.size) {
				t.Errorf("%s (chunked %v): %d bytes, %v", tt.name, chunked, len(b), err)
			}
		}
	}
}

func TestPrincipalAbsentWithoutAuthorizer(t *testing.T) {
	if _, err := Principal(httptest.NewRequest("GET", "/", nil)); !errors.Is(err, auth.ErrNoKey) {
		t.Errorf("a request without an authorizer context: %v, want auth.ErrNoKey", err)
	}
}

func TestCanonicalPath(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"/", true},
		{"/api/v1/apps/my-app/customers", true},
		{"/api/v1/customers/ext%20id", true},
		{"/api/v1/customers/%C3%A9", true},
		{"/api/v1/apps/../customers", false},
		{"/api/v1/apps/./customers", false},
		{"/api/v1/apps/%2e%2e/customers", false},
		{"/api/v1/apps/%2E/customers", false},
		{"/api/v1//customers", false},
		{"/api/v1/customers/", false},
		{"/api/v1/customers/a%2Fb", false},
		{"/api/v1/customers/a%2fb", false},
		{"/api/v1/customers/%FF", false},
		{"/api/v1/customers/%zz", false},
		{"api/v1/customers", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := CanonicalPath(tt.path); got != tt.want {
			t.Errorf("CanonicalPath(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

// TestRouteRefusesOddPathsAndQueries: a non-canonical path is the dialect's 404, never a
// redirect, and a query with invalid UTF-8 or bad escapes is its 400; the handler runs for
// neither.
func TestRouteRefusesOddPathsAndQueries(t *testing.T) {
	ran := false
	h := Route("POST /api/v1/apps/{slug}/customers", func(*http.Request) (idempotency.Answer, error) {
		ran = true
		return idempotency.Answer{Status: http.StatusNoContent}, nil
	}, slog.New(slog.NewJSONHandler(io.Discard, nil)), &statusRenderer{})
	tests := []struct {
		target string
		want   int
	}{
		{"/api/v1/apps/../customers", http.StatusNotFound},
		{"/api/v1/apps/a//customers", http.StatusNotFound},
		{"/api/v1/apps/a%2Fb/customers", http.StatusNotFound},
		{"/api/v1/apps/a/customers?email=%FF", http.StatusBadRequest},
		{"/api/v1/apps/a/customers?%FF=x", http.StatusBadRequest},
		{"/api/v1/apps/a/customers?email=%zz", http.StatusBadRequest},
	}
	for _, tt := range tests {
		ran = false
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", tt.target, strings.NewReader("{}")))
		if rec.Code != tt.want || ran {
			t.Errorf("%s: %d (handler ran: %v), want %d", tt.target, rec.Code, ran, tt.want)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/apps/a/customers?email=jos%C3%A9", strings.NewReader("{}")))
	if !ran {
		t.Errorf("a clean request did not reach the handler: %d", rec.Code)
	}
}

func TestReadBodyRefusesInvalidUTF8(t *testing.T) {
	for body, want := range map[string]error{`{"name":"ok é"}`: nil, "{\"name\":\"\xff\"}": ErrInvalidUTF8} {
		_, err := ReadBody(httptest.NewRequest("POST", "/", strings.NewReader(body)))
		if !errors.Is(err, want) && !(err == nil && want == nil) {
			t.Errorf("ReadBody(%q) = %v, want %v", body, err, want)
		}
	}
}

// TestHandlerErrorsAreReportedOnce: an error a handler returns is reported once and answered
// with the renderer's answer; web's own refusals are answered without running the handler.
func TestHandlerErrorsAreReportedOnce(t *testing.T) {
	render := &statusRenderer{}
	h := Route("GET /secret", func(*http.Request) (idempotency.Answer, error) {
		return idempotency.Answer{}, auth.ErrNoKey
	}, slog.New(slog.DiscardHandler), render)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/secret", nil))
	if rec.Code != http.StatusUnauthorized || len(render.reported) != 1 || !errors.Is(render.reported[0], auth.ErrNoKey) {
		t.Errorf("answered %d, reported %v; want 401 and auth.ErrNoKey once", rec.Code, render.reported)
	}
}

// TestClaimRendersErrorsWithTheRoutesRenderer: a claim made under a route renders an error
// as that route's renderer does, and the answer of a write with its own render.
func TestClaimRendersErrorsWithTheRoutesRenderer(t *testing.T) {
	var claim *idempotency.Claim
	h := Route("POST /things", func(r *http.Request) (idempotency.Answer, error) {
		c, err := Claim(r, []byte("{}"), func(idempotency.Result) idempotency.Answer { return JSON(http.StatusCreated, nil) })
		claim = c
		return JSON(http.StatusOK, nil), err
	}, slog.New(slog.DiscardHandler), &statusRenderer{})
	req := httptest.NewRequest("POST", "/things", strings.NewReader("{}"))
	req.Header.Set(idempotency.Header, "k-1")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if claim == nil || claim.Key != "k-1" || claim.RenderError == nil {
		t.Fatalf("claim %+v: want the key and a RenderError", claim)
	}
	if a := claim.RenderError(ErrNoRoute); a.Status != http.StatusNotFound || string(a.Body) != `{"failed":404}` {
		t.Errorf("RenderError(ErrNoRoute) = %d %s, want the renderer's 404", a.Status, a.Body)
	}
	if a := claim.Rendered(idempotency.Result{}); a.Status != http.StatusCreated {
		t.Errorf("Rendered = %d, want 201", a.Status)
	}
	bad := httptest.NewRequest("POST", "/things", nil)
	bad.Header.Set(idempotency.Header, "")
	if _, err := Claim(bad, nil, nil); !errors.Is(err, idempotency.ErrInvalidKey) {
		t.Errorf("an empty Idempotency-Key: %v, want idempotency.ErrInvalidKey", err)
	}
}
