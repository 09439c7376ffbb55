package web

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func failWith(w http.ResponseWriter, r *http.Request, status int) {
	JSON(w, status, map[string]int{"failed": status})
}

func TestRouteServesOnlyItsPattern(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	h := Route("GET /things/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "boom" {
			panic("boom")
		}
		JSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
	}), log, failWith)

	tests := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/things/42", 200, `{"id":"42"}`},
		{"POST", "/things/42", 404, `{"failed":404}`},
		{"GET", "/other", 404, `{"failed":404}`},
		{"GET", "/things/boom", 500, `{"failed":500}`},
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
			b, err := ReadBody(httptest.NewRecorder(), r)
			if !errors.Is(err, tt.err) || (err == nil && len(b) != tt.size) {
				t.Errorf("%s (chunked %v): %d bytes, %v", tt.name, chunked, len(b), err)
			}
		}
	}
}

func TestPrincipalAbsentWithoutAuthorizer(t *testing.T) {
	if _, ok := Principal(httptest.NewRequest("GET", "/", nil)); ok {
		t.Error("a request without an authorizer context has a principal")
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
	h := Route("POST /api/v1/apps/{slug}/customers", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ran = true }),
		slog.New(slog.NewJSONHandler(io.Discard, nil)), func(w http.ResponseWriter, r *http.Request, status int) { w.WriteHeader(status) })
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
		_, err := ReadBody(httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader(body)))
		if !errors.Is(err, want) && !(err == nil && want == nil) {
			t.Errorf("ReadBody(%q) = %v, want %v", body, err, want)
		}
	}
}
