// Package web holds what every route's net/http handler shares, whatever its dialect: the
// one-route mux, handlers that return their answer or an error, the principal the authorizer
// established, bounded bodies, request ids and structured logs. The same handlers run in
// Lambda (through the API Gateway proxy), in httptest and behind the local gateway.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// Errors of the requests that web refuses itself, and of ReadBody.
var (
	ErrNoRoute     = errors.New("web: no route serves this method and path")
	ErrBadQuery    = errors.New("web: the query does not parse, or is not valid UTF-8")
	ErrTooLarge    = errors.New("web: request body too large")
	ErrInvalidUTF8 = errors.New("web: request body is not valid UTF-8")
	ErrUnreadable  = errors.New("web: request body could not be read")
	errPanic       = errors.New("web: the handler panicked")
)

// DeadlineMargin is how long before its invocation's deadline a request stops waiting for
// DynamoDB, so that it answers its dialect's 503 before Lambda ends the function.
const DeadlineMargin = time.Second

// Handler serves a request: it returns the answer, or the error that its Renderer answers.
type Handler func(r *http.Request) (idempotency.Answer, error)

// Renderer answers errors in a dialect's words (problem.Renderer).
type Renderer interface {
	Render(err error) idempotency.Answer   // the answer to err, which an idempotency record may keep
	Report(ctx context.Context, err error) // logs and counts err, as it is answered
}

// Route serves the route pattern ("POST /api/v1/apps/{slug}/customers") with h, and every other
// request, a path that is not canonical and a bad query with their errors (docs/development.md).
func Route(pattern string, h Handler, log *slog.Logger, render Renderer) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(pattern, adapt(h, render))
	mux.Handle("/", adapt(refuse(ErrNoRoute), render))
	return observe(pattern, log, render, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case !CanonicalPath(r.URL.EscapedPath()):
			adapt(refuse(ErrNoRoute), render).ServeHTTP(w, r)
		case !validQuery(r.URL.RawQuery):
			adapt(refuse(ErrBadQuery), render).ServeHTTP(w, r)
		default:
			mux.ServeHTTP(w, r)
		}
	}))
}

// Serve serves every request with h, logged and recovered as Route's are; name is its route in the logs.
func Serve(name string, h Handler, log *slog.Logger, render Renderer) http.Handler {
	return observe(name, log, render, adapt(h, render))
}

// adapt writes h's answer, or the answer to its error.
func adapt(h Handler, render Renderer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := h(r)
		if err != nil {
			render.Report(r.Context(), err)
			a = render.Render(err)
		}
		write(w, a)
	})
}

// refuse is the handler that answers err.
func refuse(err error) Handler {
	return func(*http.Request) (idempotency.Answer, error) { return idempotency.Answer{}, err }
}

// CanonicalPath reports whether an escaped path names one resource as written (docs/development.md).
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

// renderContext is the context value of the Renderer of the request's route.
type renderContext struct{}

// observe logs every request with its request id, gives its context the request's logger,
// render, and the invocation's deadline less DeadlineMargin, and answers a panic as an error
// nobody foresaw (500).
func observe(route string, log *slog.Logger, render Renderer, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		id := RequestID(r.Context())
		ctx := telemetry.WithLogger(r.Context(), log.With(append([]any{"request_id", id}, telemetry.IDs(r.Context())...)...))
		ctx = context.WithValue(ctx, renderContext{}, render)
		if deadline, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, deadline.Add(-DeadlineMargin))
			defer cancel()
		}
		r = r.WithContext(ctx)
		defer func() {
			if v := recover(); v != nil {
				Logger(ctx).Error("panic", "panic", v, "stack", string(debug.Stack()))
				if !rec.wrote {
					write(rec, render.Render(errPanic))
				}
			}
			Logger(ctx).Info("request", "method", r.Method, "path", r.URL.Path, "route", route,
				"status", rec.status, "duration_ms", time.Since(start).Milliseconds())
		}()
		h.ServeHTTP(rec, r)
	})
}

// statusRecorder keeps the status a handler answered, for the request's log line.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

// WriteHeader keeps the first status.
func (r *statusRecorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

// Write notes that the answer has begun.
func (r *statusRecorder) Write(b []byte) (int, error) {
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

// Principal is who the request acts as, as the authorizer put it in API Gateway's request
// context (or a test in the context); auth.ErrNoKey for a missing or invalid key.
func Principal(r *http.Request) (auth.Principal, error) {
	if p, ok := auth.FromContext(r.Context()); ok {
		return p, nil
	}
	gw, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
	if !ok || gw.Authorizer == nil {
		return auth.Principal{}, auth.ErrNoKey
	}
	if p, ok := auth.PrincipalFromAuthorizer(gw.Authorizer.Lambda); ok {
		return p, nil
	}
	return auth.Principal{}, auth.ErrNoKey
}

// ReadBody reads the whole body, at most MaxBody bytes of valid UTF-8 (encoding/json would
// turn invalid bytes into U+FFFD, and they would be stored so), refusing JSON whose keys
// repeat or whose escapes hold a lone surrogate (strictJSON).
func ReadBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBody {
		return nil, ErrTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	case len(b) > MaxBody:
		return nil, ErrTooLarge
	case !utf8.Valid(b):
		return nil, ErrInvalidUTF8
	}
	if err := strictJSON(b); err != nil {
		return nil, err
	}
	return b, nil
}

// JSON is the answer of status with v as its JSON body (nil v: no body).
func JSON(status int, v any) idempotency.Answer {
	if v == nil {
		return idempotency.Answer{Status: status}
	}
	b, err := json.Marshal(v)
	if err != nil {
		b, status = []byte(`{}`), http.StatusInternalServerError
	}
	header := map[string]string{"Content-Type": "application/json; charset=utf-8"}
	return idempotency.Answer{Status: status, Header: header, Body: b}
}

// write writes an answer: its headers, its status and its body.
func write(w http.ResponseWriter, a idempotency.Answer) {
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
// method, path and body, rendered by render after a write and by the route's Renderer after
// an error. The error is idempotency.ErrInvalidKey.
func Claim(
	r *http.Request, body []byte, render func(idempotency.Result) idempotency.Answer,
) (*idempotency.Claim, error) {
	key, err := idempotency.ParseKey(r.Header.Values(idempotency.Header))
	if err != nil {
		return nil, err
	}
	path := r.URL.EscapedPath()
	c := &idempotency.Claim{
		Key: key, Render: render,
		Fingerprint:       idempotency.Fingerprint(r.Method, path, body, r.Header.Get("If-Match")),
		LegacyFingerprint: idempotency.LegacyFingerprint(r.Method, path, body),
	}
	if d, ok := r.Context().Value(renderContext{}).(Renderer); ok {
		c.RenderError = d.Render
	}
	return c, nil
}

// Committed is the answer to a write that committed under claim c, counted in the metric
// Writes (by Operation and Resource) when it changed something.
func Committed(ctx context.Context, c *idempotency.Claim, res idempotency.Result) idempotency.Answer {
	if res.Outcome != idempotency.Unchanged {
		resource := "customer"
		if res.License.ID != "" {
			resource = "license"
		}
		telemetry.Count(ctx, "Writes", telemetry.Dim{Name: "Operation", Value: res.Outcome.String()},
			telemetry.Dim{Name: "Resource", Value: resource})
	}
	return c.Rendered(res)
}
