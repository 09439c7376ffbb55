package web

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
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

type appended string

func (a appended) AppendJSON(b []byte) []byte { return append(b, a...) }

func TestJSON(t *testing.T) {
	tests := []struct {
		name       string
		v          any
		wantStatus int
		body       string
	}{
		{"Appender", appended(`{"a":"<b>"}`), http.StatusCreated, `{"a":"<b>"}`},
		{"json.Marshal", map[string]string{"a": "<b>"}, http.StatusCreated, `{"a":"\u003cb\u003e"}`},
		{"nil", nil, http.StatusCreated, `null`},
		{"marshal error", map[string]any{"f": func() {}}, http.StatusInternalServerError, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			JSON(rec, http.StatusCreated, tt.v)
			if rec.Code != tt.wantStatus || rec.Body.String() != tt.body {
				t.Errorf("wrote %d %s; want %d %s", rec.Code, rec.Body, tt.wantStatus, tt.body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("content type %q", ct)
			}
			if n := rec.Header().Get("Content-Length"); n != strconv.Itoa(len(tt.body)) {
				t.Errorf("Content-Length %s, want %d", n, len(tt.body))
			}
		})
	}
}

func TestAppendAny(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"nil", nil, `null`},
		{"an Appender", appended(`{"a":1}`), `{"a":1}`},
		{"another value, by json.Marshal", map[string]int{"b": 2}, `{"b":2}`},
		{"a value json.Marshal refuses", make(chan int), `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(AppendAny([]byte("x"), tt.v)); got != "x"+tt.want {
				t.Errorf("AppendAny = %s, want x%s", got, tt.want)
			}
		})
	}
}
