// Package web holds what every route's net/http handler shares, whatever its dialect: the
// one-route mux, the principal the authorizer established, bounded bodies, request ids and
// structured logs. The same handlers run in Lambda (through the API Gateway proxy), in
// httptest and behind the local gateway.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/telemetry"
)

// MaxBody is the largest request body accepted.
const MaxBody = 1 << 20

// Errors of ReadBody.
var (
	ErrTooLarge    = errors.New("request body too large")
	ErrInvalidUTF8 = errors.New("request body is not valid UTF-8")
)

// Failure renders an error response in a dialect's format. status is the HTTP status; the
// dialect chooses the code and message that go with it.
type Failure func(w http.ResponseWriter, r *http.Request, status int)

// Route returns a handler that serves one route pattern ("POST /api/v1/apps/{slug}/customers")
// and answers everything else with fail(404), as a function behind API Gateway only ever
// sees its own route. It logs each request as JSON and turns a panic into fail(500).
//
// Before the mux (which would redirect them elsewhere), a path that is not canonical (see
// CanonicalPath) answers fail(404), and a query that does not parse or holds invalid UTF-8
// answers fail(400).
func Route(pattern string, h http.Handler, log *slog.Logger, fail Failure) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(pattern, h)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fail(w, r, http.StatusNotFound) })
	return Logged(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case !CanonicalPath(r.URL.EscapedPath()):
			fail(w, r, http.StatusNotFound)
		case !validQuery(r.URL.RawQuery):
			fail(w, r, http.StatusBadRequest)
		default:
			mux.ServeHTTP(w, r)
		}
	}), pattern, log, fail)
}

// CanonicalPath reports whether an escaped URL path names one resource as it is written:
// it starts with "/", has no empty segment ("//", or a trailing "/" but on the root), no "."
// or ".." segment (written plainly or percent-encoded), no encoded "/" within a segment
// (API Gateway decodes the path before it routes, so such a slash separates segments
// there), and decodes to valid UTF-8. Such paths are never cleaned and redirected, which
// would hand a request, method and body, to another route.
func CanonicalPath(escaped string) bool {
	if escaped == "/" {
		return true
	}
	if !strings.HasPrefix(escaped, "/") {
		return false
	}
	for seg := range strings.SplitSeq(escaped[1:], "/") {
		dec, err := url.PathUnescape(seg)
		if err != nil || dec == "" || dec == "." || dec == ".." || strings.Contains(dec, "/") || !utf8.ValidString(dec) {
			return false
		}
	}
	return true
}

// validQuery reports whether a raw query parses and its names and values are valid UTF-8.
func validQuery(raw string) bool {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return false
	}
	for k, vs := range q {
		if !utf8.ValidString(k) {
			return false
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return false
			}
		}
	}
	return true
}

// Logged logs every request with its request id and recovers from panics.
func Logged(h http.Handler, route string, log *slog.Logger, fail Failure) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		id := RequestID(r.Context())
		ctx := telemetry.WithLogger(r.Context(), log.With(append([]any{"request_id", id}, telemetry.IDs(r.Context())...)...))
		r = r.WithContext(ctx)
		defer func() {
			if v := recover(); v != nil {
				Logger(ctx).Error("panic", "panic", v, "stack", string(debug.Stack()))
				if !rec.wrote {
					fail(rec, r, http.StatusInternalServerError)
				}
			}
			Logger(ctx).Info("request", "method", r.Method, "path", r.URL.Path, "route", route,
				"status", rec.status, "duration_ms", time.Since(start).Milliseconds())
		}()
		h.ServeHTTP(rec, r)
	})
}

type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Logger returns the request's logger (with its request ids), as telemetry.Logger does.
func Logger(ctx context.Context) *slog.Logger { return telemetry.Logger(ctx) }

// RequestID is API Gateway's request id, else the Lambda invocation's, else "".
func RequestID(ctx context.Context) string {
	if gw, ok := core.GetAPIGatewayV2ContextFromContext(ctx); ok && gw.RequestID != "" {
		return gw.RequestID
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		return lc.AwsRequestID
	}
	return ""
}

// Principal returns who the request acts as: the principal the authorizer put in the API
// Gateway request context (or that a test put in the context). ok is false for a missing or
// invalid key.
func Principal(r *http.Request) (auth.Principal, bool) {
	if p, ok := auth.FromContext(r.Context()); ok {
		return p, true
	}
	gw, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
	if !ok || gw.Authorizer == nil {
		return auth.Principal{}, false
	}
	return auth.PrincipalFromAuthorizer(gw.Authorizer.Lambda)
}

// ReadBody reads the whole body, at most MaxBody bytes of valid UTF-8 (encoding/json would
// turn invalid bytes into U+FFFD, and they would be stored so).
func ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBody {
		return nil, ErrTooLarge
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, ErrTooLarge
	case err != nil:
		return nil, err
	case !utf8.Valid(b):
		return nil, ErrInvalidUTF8
	}
	return b, nil
}

// JSON writes v as a JSON response.
func JSON(w http.ResponseWriter, status int, v any) { Write(w, Answer(status, v)) }

// Answer is the answer of status with v as its JSON body (nil v: no body).
func Answer(status int, v any) idempotency.Answer {
	if v == nil {
		return idempotency.Answer{Status: status}
	}
	b, err := json.Marshal(v)
	if err != nil {
		b, status = []byte(`{}`), http.StatusInternalServerError
	}
	return idempotency.Answer{Status: status, Header: map[string]string{"Content-Type": "application/json; charset=utf-8"}, Body: b}
}

// Write writes an answer: its headers, its status and its body.
func Write(w http.ResponseWriter, a idempotency.Answer) {
	for k, v := range a.Header {
		w.Header().Set(k, v)
	}
	if len(a.Body) > 0 {
		w.Header().Set("Content-Length", strconv.Itoa(len(a.Body)))
	}
	w.WriteHeader(a.Status)
	_, _ = w.Write(a.Body)
}

// Claim is the request's idempotency claim: its Idempotency-Key (none is fine) over its
// method, path and body, with render as the answer of the write. The error is
// idempotency.ErrInvalidKey.
func Claim(r *http.Request, body []byte, render func(idempotency.Result) idempotency.Answer) (*idempotency.Claim, error) {
	key, err := idempotency.ParseKey(r.Header.Values(idempotency.Header))
	if err != nil {
		return nil, err
	}
	return &idempotency.Claim{Key: key, Fingerprint: idempotency.Fingerprint(r.Method, r.URL.EscapedPath(), body), Render: render}, nil
}

// Reply writes the answer of a write that succeeded (idempotency.Claim.Answer), and counts the
// write (metric Writes, by Operation and Resource) when it changed something.
func Reply(w http.ResponseWriter, r *http.Request, c *idempotency.Claim, wr idempotency.Result) {
	if wr.Outcome != idempotency.Unchanged {
		resource := "customer"
		if wr.License.ID != "" {
			resource = "license"
		}
		telemetry.Count(r.Context(), "Writes", telemetry.Dim{Name: "Operation", Value: wr.Outcome.String()}, telemetry.Dim{Name: "Resource", Value: resource})
	}
	Write(w, c.Rendered(wr))
}

// Replayed answers a write that failed with a idempotency.ReplayError: the answer its record
// keeps, byte for byte, marked Idempotent-Replayed (metric IdempotentReplays). It reports
// whether it answered.
func Replayed(w http.ResponseWriter, r *http.Request, err error) bool {
	var re *idempotency.ReplayError
	if !errors.As(err, &re) {
		return false
	}
	telemetry.Count(r.Context(), "IdempotentReplays")
	w.Header().Set(idempotency.ReplayedHeader, "true")
	Write(w, re.Answer)
	return true
}
