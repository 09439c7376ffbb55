// Package gateway is a local stand-in for the API Gateway HTTP API (payload format 2.0, Lambda
// REQUEST authorizer with simple responses) that template.yaml deploys in front of
// Clientele's functions. It serves exactly the routes the template declares, and for each
// request does what API Gateway does: it picks the route as API Gateway ranks them, answers
// 401 itself when the identity source is missing, runs the authorizer (cached per identity
// for ReauthorizeEvery seconds), turns the request into an events.APIGatewayV2HTTPRequest and
// invokes the route's function through the same Lambda handler machinery (JSON in, JSON out)
// that runs it in AWS, then turns the function's answer back into an HTTP response.
//
// `make local` serves it (cmd/local), and the HTTP tests of the Apps API run through it, so
// that what they test is the functions as API Gateway and Lambda run them, not merely their
// net/http handlers.
package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/clientele/clientele/internal/routes"
)

// MaxBody is API Gateway's limit on a request's payload (10 MB): a larger body is answered
// 413 before any function runs.
const MaxBody = 10 << 20

// IntegrationTimeout is how long API Gateway HTTP API waits for a function by default (its
// maximum, 30 seconds) before it answers 503 itself.
const IntegrationTimeout = 30 * time.Second

// API is what the gateway serves: the routes and the API's default authorizer.
type API struct {
	Routes     []routes.Route // Method, Path and Public as declared; Function names the handler
	Authorizer Authorizer
	// Timeouts are the functions' Timeout, by folder; a function without one has Lambda's
	// default, DefaultTimeout.
	Timeouts map[string]time.Duration
}

// DefaultTimeout is Lambda's timeout of a function that sets none.
const DefaultTimeout = 3 * time.Second

// Authorizer holds the settings of the API's Lambda REQUEST authorizer.
type Authorizer struct {
	Function string // its folder under functions/ (routes.AuthorizerFunction)
	// IdentityHeaders are the identity sources: a request to a route that is not public and
	// lacks one of them is answered 401 without running the authorizer, and their values
	// key the cache.
	IdentityHeaders []string
	// ReauthorizeEvery is how long an answer is cached per identity; 0 disables the cache.
	ReauthorizeEvery time.Duration
}

// FromRoutes is the API of the given routes with the authorizer settings of template.yaml
// (identity header Authorization, answers cached 60 seconds), for tests and tools that build
// a gateway without the template.
func FromRoutes(rs []routes.Route) API {
	return API{Routes: rs, Authorizer: Authorizer{
		Function:         routes.AuthorizerFunction,
		IdentityHeaders:  []string{"Authorization"},
		ReauthorizeEvery: 60 * time.Second,
	}}
}

// AuthorizerFunc is the Lambda handler of a REQUEST authorizer with simple responses
// (authorizer.Authorizer.Handle).
type AuthorizerFunc func(
	context.Context, events.APIGatewayV2CustomAuthorizerV2Request,
) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error)

// Options adjust a gateway; the zero value is fine.
type Options struct {
	// Log receives one access-log record per request (as API Gateway's access log, JSON
	// with slog's JSON handler); nil discards them.
	Log *slog.Logger
	// Now is the clock of request times and of the authorizer's cache; nil is time.Now.
	Now func() time.Time
	// Region, AccountID and APIID appear in ARNs and the request context; they default to
	// us-east-1, 123456789012 (as sam local uses) and "local".
	Region, AccountID, APIID string
	// IntegrationTimeout bounds a function's answer; 0 is IntegrationTimeout.
	IntegrationTimeout time.Duration
	// FunctionTimeout, when set, replaces every function's Timeout (for tests of a stall).
	FunctionTimeout time.Duration
}

// Gateway is an http.Handler that behaves like the deployed HTTP API.
type Gateway struct {
	routes []*route // in API Gateway's order of precedence
	auth   *authorizer
	log    *slog.Logger
	now    func() time.Time
	opts   Options
}

// function is one Lambda function: its name and its handler, a function that
// lambda.NewHandler accepts.
type function struct {
	name    string
	arn     string
	handler any
	timeout time.Duration // the deadline of each invocation, as Lambda's Timeout
}

// New builds the gateway. depsFor is called once per function, so that each function has
// dependencies of its own (its own store and DynamoDB client) as separate Lambda functions
// do; authorize may be nil only when every route is public.
func New(api API, authorize AuthorizerFunc, depsFor func(function string) routes.Deps, opts Options) (*Gateway, error) {
	opts = withDefaults(opts)
	fns := map[string]*function{}
	var rs []*route
	for _, r := range api.Routes {
		fn := fns[r.Function]
		if fn == nil {
			h := r.Handler(depsFor(r.Function))
			fn = &function{name: r.Function, arn: functionARN(opts, r.Function), handler: httpadapter.NewV2(h).ProxyWithContext,
				timeout: timeout(api, opts, r.Function)}
			fns[r.Function] = fn
		}
		rt, err := newRoute(r.Method, r.Path, r.Public, fn)
		if err != nil {
			return nil, err
		}
		rs = append(rs, rt)
	}
	var auth *authorizer
	if authorize != nil {
		auth = newAuthorizer(api.Authorizer, &function{
			name: api.Authorizer.Function, arn: functionARN(opts, api.Authorizer.Function), handler: authorize,
			timeout: timeout(api, opts, api.Authorizer.Function),
		}, opts.Now)
	}
	return newGateway(rs, auth, opts)
}

// timeout is a function's Timeout: the options', else the API's, else Lambda's default.
func timeout(api API, opts Options, function string) time.Duration {
	switch t, ok := api.Timeouts[function]; {
	case opts.FunctionTimeout > 0:
		return opts.FunctionTimeout
	case ok && t > 0:
		return t
	}
	return DefaultTimeout
}

func withDefaults(opts Options) Options {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	if opts.APIID == "" {
		opts.APIID = "local"
	}
	if opts.IntegrationTimeout <= 0 {
		opts.IntegrationTimeout = IntegrationTimeout
	}
	return opts
}

func functionARN(opts Options, name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", opts.Region, opts.AccountID, name)
}

// newGateway checks and orders the routes.
func newGateway(rs []*route, auth *authorizer, opts Options) (*Gateway, error) {
	opts = withDefaults(opts)
	seen := map[string]bool{}
	for _, r := range rs {
		if seen[r.key] {
			return nil, fmt.Errorf("gateway: route %q is declared twice", r.key)
		}
		seen[r.key] = true
		if !r.public && auth == nil {
			return nil, fmt.Errorf("gateway: route %q needs the authorizer, and there is none", r.key)
		}
	}
	if auth != nil && len(auth.identity) == 0 {
		return nil, errors.New("gateway: the authorizer has no identity source")
	}
	sortRoutes(rs)
	return &Gateway{routes: rs, auth: auth, log: opts.Log, now: opts.Now, opts: opts}, nil
}

// ServeHTTP answers one request as API Gateway would.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := g.now()
	id := requestID()
	w.Header().Set("Apigw-Requestid", id)
	st := &accessRecord{status: http.StatusOK}
	defer func() {
		g.log.Info("request", "requestId", id, "ip", sourceIP(r), "method", r.Method, "path", r.URL.Path,
			"routeKey", st.routeKey, "status", st.status, "integrationLatency", st.latency.Milliseconds(),
			"integrationError", st.integrationErr, "authorizerError", st.authorizerErr)
	}()
	fail := func(status int, message string) {
		st.status = status
		writeMessage(w, status, message)
	}

	body, err := readBody(r)
	if errors.Is(err, errTooLarge) {
		fail(http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	if err != nil {
		fail(http.StatusBadRequest, "Bad Request")
		return
	}
	rt, params := g.match(r.Method, r.URL.EscapedPath())
	if rt == nil {
		fail(http.StatusNotFound, "Not Found")
		return
	}
	st.routeKey = rt.key
	ev := g.event(r, rt, params, body, id, start)

	if !rt.public {
		identity, ok := g.auth.identityOf(r)
		if !ok {
			fail(http.StatusUnauthorized, "Unauthorized")
			return
		}
		res, err := g.auth.authorize(r.Context(), g.authorizerRequest(ev, rt, identity), identity)
		if err != nil {
			st.authorizerErr = err.Error()
			fail(http.StatusInternalServerError, "Internal Server Error")
			return
		}
		if !res.IsAuthorized {
			fail(http.StatusForbidden, "Forbidden")
			return
		}
		if len(res.Context) > 0 {
			ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: res.Context}
		}
	}

	// As in AWS, a client that goes away does not stop the function, and API Gateway waits
	// for it at most the integration timeout, then answers 503 itself.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), g.opts.IntegrationTimeout)
	defer cancel()
	type result struct {
		resp events.APIGatewayV2HTTPResponse
		err  error
	}
	done := make(chan result, 1)
	t0 := time.Now()
	go func() {
		resp, err := g.invoke(ctx, rt.fn, ev)
		done <- result{resp, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		st.latency = time.Since(t0)
		st.integrationErr = "integration timeout"
		fail(http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	if errors.Is(res.err, errTimedOut) {
		// Lambda ends the invocation at its deadline; API Gateway answers the failed invocation.
		st.latency, st.integrationErr = time.Since(t0), res.err.Error()
		fail(http.StatusInternalServerError, "Internal Server Error")
		return
	}
	st.latency = time.Since(t0)
	resp, err := res.resp, res.err
	if err != nil {
		st.integrationErr = err.Error()
		fail(http.StatusInternalServerError, "Internal Server Error")
		return
	}
	if err := writeResponse(w, resp); err != nil {
		st.integrationErr = err.Error()
		fail(http.StatusInternalServerError, "Internal Server Error")
		return
	}
	st.status = resp.StatusCode
	if len(resp.MultiValueHeaders) > 0 {
		// Payload format 2.0 has no multiValueHeaders: API Gateway drops them, and so do we,
		// so that a header that would vanish in AWS vanishes here too.
		g.log.Warn("function returned multiValueHeaders, which API Gateway ignores in payload format 2.0",
			"requestId", id, "function", rt.fn.name)
	}
}

type accessRecord struct {
	status                        int
	routeKey                      string
	latency                       time.Duration
	integrationErr, authorizerErr string
}

// invoke runs a function on an event as Lambda does: the event is serialized to JSON, the
// handler decodes it, and its answer is serialized back and decoded here.
func (g *Gateway) invoke(
	ctx context.Context, fn *function, ev events.APIGatewayV2HTTPRequest,
) (events.APIGatewayV2HTTPResponse, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("encode event: %w", err)
	}
	out, err := invokeLambda(ctx, fn, payload)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return decodeResponse(out)
}

// invokeLambda invokes a handler with a JSON payload, as the Lambda runtime does, within its
// function's Timeout.
func invokeLambda(ctx context.Context, fn *function, payload []byte) ([]byte, error) {
	// The invocation has fn's Timeout, as in Lambda, which stops waiting for it then.
	limit := fn.timeout
	if limit <= 0 {
		limit = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := runHandler(ctx, fn, payload)
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		return r.out, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("function %s: %w after %s", fn.name, errTimedOut, limit)
	}
}

// errTimedOut is the failure of an invocation that outlived its function's Timeout.
var errTimedOut = errors.New("task timed out")

// runHandler runs fn's handler on a payload with a Lambda context of its own. A panic is a
// failed invocation, as a crash is in Lambda.
func runHandler(ctx context.Context, fn *function, payload []byte) (out []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, fmt.Errorf("function %s panicked: %v", fn.name, v)
		}
	}()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: uuid(), InvokedFunctionArn: fn.arn})
	// The X-Ray trace header of the invocation, where aws-lambda-go's runtime loop puts it
	// (it also sets _X_AMZN_TRACE_ID, which invocations running at once here cannot share).
	ctx = context.WithValue(ctx, "x-amzn-trace-id", traceHeader())
	// A handler of its own for each invocation: lambda's handler returns bytes that alias a
	// pooled buffer, which the next invocation reuses. Lambda never runs two invocations in
	// one execution environment at once; the gateway does, so it must not share the pool.
	b, err := lambda.NewHandler(fn.handler).Invoke(ctx, payload)
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", fn.name, err)
	}
	return append([]byte(nil), b...), nil
}

// decodeResponse reads a function's answer in payload format 2.0. As API Gateway does, an
// answer without statusCode is taken as the body of a 200 JSON response.
func decodeResponse(out []byte) (events.APIGatewayV2HTTPResponse, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(out, &probe); err != nil || probe["statusCode"] == nil {
		if !json.Valid(out) {
			return events.APIGatewayV2HTTPResponse{}, errors.New("malformed Lambda proxy response")
		}
		return events.APIGatewayV2HTTPResponse{
			StatusCode: http.StatusOK, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(out),
		}, nil
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("malformed Lambda proxy response: %w", err)
	}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("malformed Lambda proxy response: status %d", resp.StatusCode)
	}
	return resp, nil
}

// writeResponse writes a function's answer: its headers, each cookie as a Set-Cookie
// header, and its body, decoded when it is base64.
func writeResponse(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse) error {
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return fmt.Errorf("malformed Lambda proxy response: body is not base64: %w", err)
		}
		body = b
	}
	h := w.Header()
	for k, v := range resp.Headers {
		if strings.EqualFold(k, "Content-Length") || strings.EqualFold(k, "Transfer-Encoding") {
			continue // the server frames the body itself
		}
		h.Set(k, v)
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	return nil
}

// writeMessage writes one of API Gateway's own answers: {"message": "..."}.
func writeMessage(w http.ResponseWriter, status int, message string) {
	b, _ := json.Marshal(map[string]string{"message": message})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

var errTooLarge = errors.New("request body too large")

// readBody reads the whole body, at most MaxBody bytes.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBody {
		return nil, errTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxBody {
		return nil, errTooLarge
	}
	return b, nil
}

// requestID returns an id shaped like API Gateway's (14 characters of base64 and "=").
func requestID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)[:14] + "="
}

// traceHeader returns a new X-Ray trace header, as Lambda's are for a sampled request.
func traceHeader() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return fmt.Sprintf("Root=1-%08x-%x;Parent=%x;Sampled=1", time.Now().Unix(), b[:12], b[12:])
}

// uuid returns a random UUID v4, as Lambda's request ids are.
func uuid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// authorizer runs the API's Lambda authorizer and caches its answers per identity.
type authorizer struct {
	identity []string // canonical header names
	ttl      time.Duration
	fn       *function
	now      func() time.Time

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	res     events.APIGatewayV2CustomAuthorizerSimpleResponse
	expires time.Time
}

// maxCached bounds the cache; past it, expired answers are dropped, then all of them.
const maxCached = 10000

func newAuthorizer(a Authorizer, fn *function, now func() time.Time) *authorizer {
	if now == nil {
		now = time.Now
	}
	ids := make([]string, len(a.IdentityHeaders))
	for i, h := range a.IdentityHeaders {
		ids[i] = http.CanonicalHeaderKey(h)
	}
	return &authorizer{identity: ids, ttl: a.ReauthorizeEvery, fn: fn, now: now, cache: map[string]cached{}}
}

// identityOf returns the values of the identity sources; ok is false when one is missing
// or empty, which API Gateway answers 401 without calling the authorizer.
func (a *authorizer) identityOf(r *http.Request) ([]string, bool) {
	vals := make([]string, len(a.identity))
	for i, h := range a.identity {
		v := strings.Join(r.Header.Values(h), ",")
		if strings.TrimSpace(v) == "" {
			return nil, false
		}
		vals[i] = v
	}
	return vals, true
}

// authorize returns the authorizer's answer for the identity, from the cache when a fresh
// one is there. Errors are not cached (API Gateway answers 500 and asks again next time).
func (a *authorizer) authorize(
	ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request, identity []string,
) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	key := strings.Join(identity, "\n") // a header value holds no newline
	now := a.now()
	if a.ttl > 0 {
		a.mu.Lock()
		c, ok := a.cache[key]
		a.mu.Unlock()
		if ok && now.Before(c.expires) {
			return c.res, nil
		}
	}
	payload, err := json.Marshal(req)
	if err != nil {
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, err
	}
	out, err := invokeLambda(ctx, a.fn, payload)
	if err != nil {
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, err
	}
	var res events.APIGatewayV2CustomAuthorizerSimpleResponse
	if err := json.Unmarshal(out, &res); err != nil {
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, fmt.Errorf("malformed authorizer response: %w", err)
	}
	if a.ttl > 0 {
		a.mu.Lock()
		if len(a.cache) >= maxCached {
			for k, c := range a.cache {
				if !now.Before(c.expires) {
					delete(a.cache, k)
				}
			}
			if len(a.cache) >= maxCached {
				clear(a.cache)
			}
		}
		a.cache[key] = cached{res: res, expires: now.Add(a.ttl)}
		a.mu.Unlock()
	}
	return res, nil
}
