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
