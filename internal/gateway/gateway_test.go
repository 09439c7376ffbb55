package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/clientele/clientele/internal/routes"
	"github.com/clientele/clientele/internal/samtemplate"
	"github.com/clientele/clientele/internal/seal"
)

// recorder is a fake function: it keeps the events it receives and answers with the route
// key and path parameters it saw.
type recorder struct {
	mu     sync.Mutex
	events []events.APIGatewayV2HTTPRequest
	lambda []*lambdacontext.LambdaContext
}

func (f *recorder) handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (
	events.APIGatewayV2HTTPResponse, error,
) {
	lc, _ := lambdacontext.FromContext(ctx)
	f.mu.Lock()
	f.events = append(f.events, ev)
	f.lambda = append(f.lambda, lc)
	f.mu.Unlock()
	body, _ := json.Marshal(map[string]any{"routeKey": ev.RouteKey, "params": ev.PathParameters})
	header := map[string]string{"Content-Type": "application/json"}
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: header, Body: string(body)}, nil
}

func (f *recorder) last(t *testing.T) events.APIGatewayV2HTTPRequest {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.events) == 0 {
		t.Fatal("the function was not invoked")
	}
	return f.events[len(f.events)-1]
}

func (f *recorder) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.events)
}

// fakeAuthorizer lets "Bearer good" in with a context, refuses "Bearer deny", fails on
// "Bearer boom", and lets anything else in with an empty context (as ours does).
type fakeAuthorizer struct {
	calls    atomic.Int32
	mu       sync.Mutex
	requests []events.APIGatewayV2CustomAuthorizerV2Request
}

func (a *fakeAuthorizer) handle(_ context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (
	events.APIGatewayV2CustomAuthorizerSimpleResponse, error,
) {
	a.calls.Add(1)
	a.mu.Lock()
	a.requests = append(a.requests, req)
	a.mu.Unlock()
	switch req.IdentitySource[0] {
	case "Bearer good":
		ctx := map[string]any{"kind": "account", "n": 1}
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: ctx}, nil
	case "Bearer deny":
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}, nil
	case "Bearer boom":
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, errors.New("table unreachable")
	}
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{}}, nil
}

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type fakeRoute struct {
	method, path string
	public       bool
	handler      any
}

// fakeGateway serves fake functions through the gateway's own machinery.
func fakeGateway(t *testing.T, rs []fakeRoute, auth AuthorizerFunc, now func() time.Time) *httptest.Server {
	t.Helper()
	var parsed []*route
	for _, fr := range rs {
		fn := &function{name: fr.method + " " + fr.path, arn: "arn:aws:lambda:us-east-1:123456789012:function:fake",
			handler: fr.handler}
		r, err := newRoute(fr.method, fr.path, fr.public, fn)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, r)
	}
	opts := withDefaults(Options{Now: now})
	var a *authorizer
	if auth != nil {
		settings := Authorizer{Function: "authorizer", IdentityHeaders: []string{"Authorization"},
			ReauthorizeEvery: time.Minute}
		a = newAuthorizer(settings,
			&function{name: "authorizer", handler: auth}, opts.Now)
	}
	g, err := newGateway(parsed, a, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return srv
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, method, url string, body io.Reader, header ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: res.StatusCode, header: res.Header, body: b}
}

func wantMessage(t *testing.T, got reply, status int, message string) {
	t.Helper()
	want := fmt.Sprintf(`{"message":%q}`, message)
	if got.status != status || string(got.body) != want {
		t.Errorf("got %d %s, want %d %s", got.status, got.body, status, want)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
}

func TestRoutePrecedence(t *testing.T) {
	f := &recorder{}
	rs := []fakeRoute{
		{"ANY", "/{proxy+}", true, f.handle},
		{"ANY", "/api/{proxy+}", true, f.handle},
		{"GET", "/api/v1/apps/{slug}/customers/{id}", true, f.handle},
		{"GET", "/api/v1/apps/{slug}/customers/by-email", true, f.handle},
		{"GET", "/api/v1/apps/{slug}/customers", true, f.handle},
		{"POST", "/api/v1/apps/{slug}/customers", true, f.handle},
		{"ANY", "/api/v1/apps/{slug}", true, f.handle},
		{"GET", "/api/v1/apps/{slug}", true, f.handle},
		{"GET", "/api/v1/apps/mine", true, f.handle},
	}
	tests := []struct {
		method, path string
		routeKey     string
		params       map[string]string
	}{
		{"GET", "/api/v1/apps/a/customers/by-email", "GET /api/v1/apps/{slug}/customers/by-email",
			map[string]string{"slug": "a"}},
		{"GET", "/api/v1/apps/a/customers/c1", "GET /api/v1/apps/{slug}/customers/{id}",
			map[string]string{"slug": "a", "id": "c1"}},
		{"GET", "/api/v1/apps/a/customers", "GET /api/v1/apps/{slug}/customers", map[string]string{"slug": "a"}},
		{"POST", "/api/v1/apps/a/customers", "POST /api/v1/apps/{slug}/customers", map[string]string{"slug": "a"}},
		{"GET", "/api/v1/apps/mine", "GET /api/v1/apps/mine", nil},
		{"GET", "/api/v1/apps/other", "GET /api/v1/apps/{slug}", map[string]string{"slug": "other"}},
		{"DELETE", "/api/v1/apps/other", "ANY /api/v1/apps/{slug}", map[string]string{"slug": "other"}},
		{"DELETE", "/api/v1/apps/a/customers", "ANY /api/{proxy+}", map[string]string{"proxy": "v1/apps/a/customers"}},
		{"GET", "/api/v1/apps/a/customers/c1/more", "ANY /api/{proxy+}",
			map[string]string{"proxy": "v1/apps/a/customers/c1/more"}},
		{"GET", "/elsewhere/x", "ANY /{proxy+}", map[string]string{"proxy": "elsewhere/x"}},
		// API Gateway decodes the path before it routes: an encoded slash separates segments.
		{"GET", "/api/v1/apps/a%2Fb/customers", "ANY /api/{proxy+}", map[string]string{"proxy": "v1/apps/a/b/customers"}},
		{"GET", "/api/v1/apps/%61pp/customers", "GET /api/v1/apps/{slug}/customers", map[string]string{"slug": "app"}},
	}
	// The declaration order must not matter.
	for round := range 3 {
		if round > 0 {
			rand.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
		}
		srv := fakeGateway(t, rs, nil, nil)
		for _, tc := range tests {
			got := do(t, tc.method, srv.URL+tc.path, nil)
			var out struct {
				RouteKey string            `json:"routeKey"`
				Params   map[string]string `json:"params"`
			}
			if err := json.Unmarshal(got.body, &out); err != nil || got.status != 200 {
				t.Fatalf("%s %s: %d %s", tc.method, tc.path, got.status, got.body)
			}
			if out.RouteKey != tc.routeKey || fmt.Sprint(out.Params) != fmt.Sprint(tc.params) {
				t.Errorf("round %d: %s %s matched %s %v, want %s %v", round, tc.method, tc.path, out.RouteKey,
					out.Params, tc.routeKey, tc.params)
			}
		}
	}

	t.Run("no route", func(t *testing.T) {
		rs := []fakeRoute{{"GET", "/api/health", true, f.handle}, {"ANY", "/api/{proxy+}", true, f.handle}}
		srv := fakeGateway(t, rs, nil, nil)
		for _, p := range []string{"/", "/api", "/api/", "/other/x"} {
			wantMessage(t, do(t, "GET", srv.URL+p, nil), 404, "Not Found")
		}
		wantMessage(t, do(t, "POST", srv.URL+"/nope", nil), 404, "Not Found")
	})
}

func TestNewRouteRejects(t *testing.T) {
	for _, tc := range []struct{ method, path string }{
		{"FETCH", "/a"}, {"GET", "a"}, {"GET", "/a//b"}, {"GET", "/{proxy+}/a"}, {"GET", "/a{b}"}, {"GET", "/{}"},
	} {
		if _, err := newRoute(tc.method, tc.path, false, nil); err == nil {
			t.Errorf("newRoute(%s %s) accepted", tc.method, tc.path)
		}
	}
	f := &recorder{}
	a := must(newRoute("GET", "/a", true, &function{handler: f.handle}))
	b := must(newRoute("GET", "/a", true, &function{handler: f.handle}))
	if _, err := newGateway([]*route{a, b}, nil, Options{}); err == nil {
		t.Error("a route declared twice was accepted")
	}
	private := must(newRoute("GET", "/a", false, &function{handler: f.handle}))
	if _, err := newGateway([]*route{private}, nil, Options{}); err == nil {
		t.Error("a route that needs the authorizer was accepted without one")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestEvent(t *testing.T) {
	f := &recorder{}
	rs := []fakeRoute{{"POST", "/api/v1/apps/{slug}/customers", false, f.handle}}
	srv := fakeGateway(t, rs, (&fakeAuthorizer{}).handle, nil)

	before := time.Now()
	got := do(t, "POST", srv.URL+"/api/v1/apps/my%2Dapp/customers?email=a%40b.c&tag=x&tag=y&empty=",
		strings.NewReader(`{"email":"é@example.com"}`),
		"Authorization", "Bearer good", "Content-Type", "application/json; charset=utf-8",
		"X-Multi", "one", "X-Multi", "two", "Cookie", "a=1; b=2", "Cookie", "c=3", "User-Agent", "gateway-test/1")
	if got.status != 200 {
		t.Fatalf("status %d: %s", got.status, got.body)
	}
	ev := f.last(t)
	check := func(name string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("version", ev.Version, "2.0")
	check("routeKey", ev.RouteKey, "POST /api/v1/apps/{slug}/customers")
	check("rawPath", ev.RawPath, "/api/v1/apps/my%2Dapp/customers")
	check("rawQueryString", ev.RawQueryString, "email=a%40b.c&tag=x&tag=y&empty=")
	check("queryStringParameters", ev.QueryStringParameters,
		map[string]string{"email": "a@b.c", "tag": "x,y", "empty": ""})
	check("pathParameters", ev.PathParameters, map[string]string{"slug": "my-app"})
	check("cookies", ev.Cookies, []string{"a=1", "b=2", "c=3"})
	check("body", ev.Body, `{"email":"é@example.com"}`)
	check("isBase64Encoded", ev.IsBase64Encoded, false)
	for k := range ev.Headers {
		if k != strings.ToLower(k) {
			t.Errorf("header %q is not lower-cased", k)
		}
	}
	check("headers.x-multi", ev.Headers["x-multi"], "one,two")
	check("headers.authorization", ev.Headers["authorization"], "Bearer good")
	check("headers.content-type", ev.Headers["content-type"], "application/json; charset=utf-8")
	check("headers.host", ev.Headers["host"], strings.TrimPrefix(srv.URL, "http://"))
	check("headers.x-forwarded-for", ev.Headers["x-forwarded-for"], "127.0.0.1")
	check("headers.x-forwarded-proto", ev.Headers["x-forwarded-proto"], "http")
	if _, ok := ev.Headers["cookie"]; ok {
		t.Error("the cookie header is in headers; payload 2.0 moves it to cookies")
	}
	rc := ev.RequestContext
	check("requestContext.routeKey", rc.RouteKey, ev.RouteKey)
	check("requestContext.stage", rc.Stage, "$default")
	check("requestContext.accountId", rc.AccountID, "123456789012")
	check("requestContext.apiId", rc.APIID, "local")
	check("requestContext.domainName", rc.DomainName, strings.TrimPrefix(srv.URL, "http://"))
	check("requestContext.http.method", rc.HTTP.Method, "POST")
	check("requestContext.http.path", rc.HTTP.Path, "/api/v1/apps/my-app/customers")
	check("requestContext.http.protocol", rc.HTTP.Protocol, "HTTP/1.1")
	check("requestContext.http.sourceIp", rc.HTTP.SourceIP, "127.0.0.1")
	check("requestContext.http.userAgent", rc.HTTP.UserAgent, "gateway-test/1")
	check("requestContext.requestId", rc.RequestID, got.header.Get("Apigw-Requestid"))
	if len(rc.RequestID) != 15 {
		t.Errorf("requestId %q is not shaped like API Gateway's", rc.RequestID)
	}
	if at := time.UnixMilli(rc.TimeEpoch); at.Before(before.Add(-time.Second)) || at.After(time.Now().Add(time.Second)) {
		t.Errorf("timeEpoch %d is not now", rc.TimeEpoch)
	}
	if _, err := time.Parse("02/Jan/2006:15:04:05 -0700", rc.Time); err != nil {
		t.Errorf("time %q: %v", rc.Time, err)
	}
	check("requestContext.authorizer.lambda", rc.Authorizer.Lambda, map[string]any{"kind": "account", "n": float64(1)})
	lc := f.lambda[len(f.lambda)-1]
	if lc == nil || len(lc.AwsRequestID) != 36 || lc.InvokedFunctionArn == "" {
		t.Errorf("lambda context = %+v, want a request id and a function ARN", lc)
	}

	t.Run("binary body is base64", func(t *testing.T) {
		bin := []byte{0xff, 0x00, 0xfe, 'a'}
		do(t, "POST", srv.URL+"/api/v1/apps/x/customers", bytes.NewReader(bin), "Authorization", "Bearer good",
			"Content-Type", "application/octet-stream")
		ev := f.last(t)
		if !ev.IsBase64Encoded || ev.Body != base64.StdEncoding.EncodeToString(bin) {
			t.Errorf("body %q base64 %v", ev.Body, ev.IsBase64Encoded)
		}
		do(t, "POST", srv.URL+"/api/v1/apps/x/customers", strings.NewReader("plain"), "Authorization", "Bearer good")
		if ev := f.last(t); !ev.IsBase64Encoded {
			t.Error("a body without a content type reached the function as text; API Gateway base64-encodes it")
		}
		do(t, "POST", srv.URL+"/api/v1/apps/x/customers", nil, "Authorization", "Bearer good")
		if ev := f.last(t); ev.IsBase64Encoded || ev.Body != "" {
			t.Errorf("empty body: %q base64 %v", ev.Body, ev.IsBase64Encoded)
		}
	})
}

func TestResponse(t *testing.T) {
	fn := func(res events.APIGatewayV2HTTPResponse, err error) any {
		return func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return res, err
		}
	}
	srv := fakeGateway(t, []fakeRoute{
		{"GET", "/full", true, fn(events.APIGatewayV2HTTPResponse{
			StatusCode:        201,
			Headers:           map[string]string{"Content-Type": "application/octet-stream", "X-One": "1"},
			MultiValueHeaders: map[string][]string{"X-Many": {"a", "b"}},
			Cookies:           []string{"s=1; Path=/", "t=2"},
			Body:              base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 0xff}),
			IsBase64Encoded:   true,
		}, nil)},
		{"GET", "/error", true, fn(events.APIGatewayV2HTTPResponse{}, errors.New("boom"))},
		{"GET", "/panic", true, func(context.Context) (events.APIGatewayV2HTTPResponse, error) { panic("crash") }},
		{"GET", "/bare", true, func(context.Context) (map[string]string, error) {
			return map[string]string{"hello": "world"}, nil
		}},
		{"GET", "/nostatus", true, fn(events.APIGatewayV2HTTPResponse{Body: "x"}, nil)},
	}, nil, nil)

	got := do(t, "GET", srv.URL+"/full", nil)
	if got.status != 201 || !bytes.Equal(got.body, []byte{0, 1, 2, 0xff}) {
		t.Errorf("got %d %v", got.status, got.body)
	}
	if got.header.Get("X-One") != "1" || got.header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("headers %v", got.header)
	}
	if c := got.header.Values("Set-Cookie"); !slices.Equal(c, []string{"s=1; Path=/", "t=2"}) {
		t.Errorf("Set-Cookie = %q", c)
	}
	if v := got.header.Values("X-Many"); len(v) != 0 {
		t.Errorf("multiValueHeaders reached the client (%q): API Gateway ignores them in payload 2.0", v)
	}

	wantMessage(t, do(t, "GET", srv.URL+"/error", nil), 500, "Internal Server Error")
	wantMessage(t, do(t, "GET", srv.URL+"/panic", nil), 500, "Internal Server Error")
	wantMessage(t, do(t, "GET", srv.URL+"/nostatus", nil), 500, "Internal Server Error")
	got = do(t, "GET", srv.URL+"/bare", nil)
	if got.status != 200 || strings.TrimSpace(string(got.body)) != `{"hello":"world"}` {
		t.Errorf("a response without statusCode: got %d %s, want 200 with the JSON as body", got.status, got.body)
	}
}

func TestIntegrationTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	slow := func(ctx context.Context) (events.APIGatewayV2HTTPResponse, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
	}
	r, err := newRoute("GET", "/slow", true, &function{name: "slow", handler: slow})
	if err != nil {
		t.Fatal(err)
	}
	g, err := newGateway([]*route{r}, nil, Options{IntegrationTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	defer srv.Close()
	wantMessage(t, do(t, "GET", srv.URL+"/slow", nil), 503, "Service Unavailable")
}

func TestAuthorizer(t *testing.T) {
	f := &recorder{}
	auth := &fakeAuthorizer{}
	clk := &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	srv := fakeGateway(t, []fakeRoute{
		{"GET", "/private", false, f.handle},
		{"GET", "/public", true, f.handle},
	}, auth.handle, clk.Now)

	t.Run("missing identity is API Gateway's 401", func(t *testing.T) {
		n := f.count()
		wantMessage(t, do(t, "GET", srv.URL+"/private", nil), 401, "Unauthorized")
		wantMessage(t, do(t, "GET", srv.URL+"/private", nil, "Authorization", ""), 401, "Unauthorized")
		if auth.calls.Load() != 0 || f.count() != n {
			t.Error("the authorizer or the function ran for a request without the identity header")
		}
	})
	t.Run("public routes skip the authorizer", func(t *testing.T) {
		if got := do(t, "GET", srv.URL+"/public", nil, "Authorization", "Bearer good"); got.status != 200 {
			t.Fatalf("status %d", got.status)
		}
		if auth.calls.Load() != 0 {
			t.Error("the authorizer ran for a public route")
		}
		if ev := f.last(t); ev.RequestContext.Authorizer != nil {
			t.Errorf("public route got an authorizer context %+v", ev.RequestContext.Authorizer)
		}
	})
	t.Run("answers are cached per identity for ReauthorizeEvery", func(t *testing.T) {
		for range 3 {
			if got := do(t, "GET", srv.URL+"/private", nil, "Authorization", "Bearer good"); got.status != 200 {
				t.Fatalf("status %d: %s", got.status, got.body)
			}
		}
		if n := auth.calls.Load(); n != 1 {
			t.Errorf("authorizer ran %d times for one identity, want 1", n)
		}
		if ev := f.last(t); ev.RequestContext.Authorizer == nil || ev.RequestContext.Authorizer.Lambda["kind"] != "account" {
			t.Errorf("cached answer lost its context: %+v", ev.RequestContext.Authorizer)
		}
		do(t, "GET", srv.URL+"/private", nil, "Authorization", "Bearer other")
		if n := auth.calls.Load(); n != 2 {
			t.Errorf("authorizer ran %d times for two identities, want 2", n)
		}
		clk.Add(59 * time.Second)
		do(t, "GET", srv.URL+"/private", nil, "Authorization", "Bearer good")
		if n := auth.calls.Load(); n != 2 {
			t.Errorf("authorizer ran again within ReauthorizeEvery (%d calls)", n)
		}
		clk.Add(2 * time.Second)
		do(t, "GET", srv.URL+"/private", nil, "Authorization", "Bearer good")
		if n := auth.calls.Load(); n != 3 {
			t.Errorf("authorizer did not run again after ReauthorizeEvery (%d calls)", n)
		}
		req := auth.requests[0]
		if req.Version != "2.0" || req.Type != "REQUEST" || !slices.Equal(req.IdentitySource, []string{"Bearer good"}) ||
			req.RouteKey != "GET /private" || req.RawPath != "/private" || req.Headers["authorization"] != "Bearer good" ||
			req.RouteArn != "arn:aws:execute-api:us-east-1:123456789012:local/$default/GET/private" {
			t.Errorf("authorizer request = %+v", req)
		}
	})
	t.Run("empty context reaches the function without an authorizer context", func(t *testing.T) {
		if got := do(t, "GET", srv.URL+"/private", nil, "Authorization", "Bearer unknown"); got.status != 200 {
			t.Fatalf("status %d", got.status)
		}
		if a := f.last(t).RequestContext.Authorizer; a != nil && len(a.Lambda) != 0 {
			t.Errorf("authorizer context %+v, want none", a)
		}
	})
	t.Run("a denial is API Gateway's 403", func(t *testing.T) {
		wantMessage(t, do(t, "GET", srv.URL+"/private", nil, "Authorization", "Bearer deny"), 403, "Forbidden")
	})
	t.Run("an authorizer error is a 500, not cached", func(t *testing.T) {
		n := auth.calls.Load()
		wantMessage(t, do(t, "GET", srv.URL+"/private", nil, "Authorization", "Bearer boom"), 500, "Internal Server Error")
		wantMessage(t, do(t, "GET", srv.URL+"/private", nil, "Authorization", "Bearer boom"), 500, "Internal Server Error")
		if got := auth.calls.Load() - n; got != 2 {
			t.Errorf("authorizer ran %d times for two failing requests, want 2", got)
		}
	})
}

func TestPayloadLimit(t *testing.T) {
	f := &recorder{}
	srv := fakeGateway(t, []fakeRoute{{"POST", "/up", true, f.handle}}, nil, nil)
	const binary = "application/octet-stream"
	wantMessage(t, do(t, "POST", srv.URL+"/up", bytes.NewReader(make([]byte, MaxBody+1)), "Content-Type", binary),
		413, "Request Entity Too Large")
	// Without Content-Length (chunked), the limit holds as well.
	chunked := io.MultiReader(bytes.NewReader(make([]byte, MaxBody)), strings.NewReader("x"))
	wantMessage(t, do(t, "POST", srv.URL+"/up", chunked, "Content-Type", binary), 413, "Request Entity Too Large")
	if f.count() != 0 {
		t.Fatal("the function ran for a body over the limit")
	}
	got := do(t, "POST", srv.URL+"/up", bytes.NewReader(make([]byte, MaxBody)), "Content-Type", binary)
	if got.status != 200 {
		t.Errorf("a body of exactly %d bytes: status %d", MaxBody, got.status)
	}
}

// TestConcurrentInvocations checks that concurrent requests through the real proxy adapter
// each get their own answer (the Lambda handler's output buffers are pooled).
func TestConcurrentInvocations(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(bytes.Repeat(b, 100))
	})
	srv := fakeGateway(t, []fakeRoute{{"POST", "/echo", true, httpadapter.NewV2(echo).ProxyWithContext}}, nil, nil)
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			for j := range 10 {
				msg := fmt.Sprintf("<%d-%d>", i, j)
				got := do(t, "POST", srv.URL+"/echo", strings.NewReader(msg), "Content-Type", "text/plain")
				if want := strings.Repeat(msg, 100); string(got.body) != want {
					t.Errorf("request %s got another answer: %.40s", msg, got.body)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestNewFromRoutes builds the gateway of the real routes without DynamoDB: each function
// gets its dependencies once, and the catch-all function answers an unknown route.
func TestNewFromRoutes(t *testing.T) {
	sealer, err := seal.NewLocal(make([]byte, 32)) // for the routes that seal webhook secrets
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	built := map[string]int{}
	depsFor := func(fn string) routes.Deps {
		mu.Lock()
		built[fn]++
		mu.Unlock()
		return routes.Deps{Log: slog.New(slog.DiscardHandler), Sealer: sealer}
	}
	if _, err := New(FromRoutes(routes.All()), nil, depsFor, Options{}); err == nil {
		t.Fatal("New accepted routes that need an authorizer without one")
	}
	clear(built)
	g, err := New(FromRoutes(routes.All()), (&fakeAuthorizer{}).handle, depsFor, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes.All() {
		if built[r.Function] != 1 {
			t.Errorf("function %s got its dependencies %d times, want once", r.Function, built[r.Function])
		}
	}
	srv := httptest.NewServer(g)
	defer srv.Close()
	got := do(t, "GET", srv.URL+"/no/such/route", nil)
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	if err := json.Unmarshal(got.body, &body); err != nil || got.status != 404 || body.Error.Code != "not_found" {
		t.Errorf("unknown route: %d %s, want the catch-all function's 404 not_found", got.status, got.body)
	}
	wantMessage(t, do(t, "GET", srv.URL+"/api/v1/apps", nil), 401, "Unauthorized")
}

func TestLogicalID(t *testing.T) {
	for folder, id := range map[string]string{
		"create-customer":              "CreateCustomerFunction",
		"find-customer-by-external-id": "FindCustomerByExternalIdFunction",
		"create-api-key":               "CreateApiKeyFunction",
		"health":                       "HealthFunction",
	} {
		if got := LogicalID(folder); got != id {
			t.Errorf("LogicalID(%s) = %s, want %s", folder, got, id)
		}
		if got := kebab(strings.TrimSuffix(id, "Function")); got != folder {
			t.Errorf("kebab(%s) = %s, want %s", id, got, folder)
		}
	}
}

// TestFromProjectTemplate holds the gateway's reading of template.yaml to internal/routes:
// every HTTP function is routed as declared there, with the authorizer's settings.
func TestFromProjectTemplate(t *testing.T) {
	path, err := samtemplate.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	api, err := FromTemplate(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	key := func(r routes.Route) string {
		return fmt.Sprintf("%s %s %s public=%t", r.Function, r.Method, r.Path, r.Public)
	}
	var got, want []string
	for _, r := range api.Routes {
		got = append(got, key(r))
	}
	for _, r := range routes.All() {
		want = append(want, key(r))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("template routes:\n%s\nwant (internal/routes):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantAuth := Authorizer{Function: routes.AuthorizerFunction, IdentityHeaders: []string{"Authorization"},
		ReauthorizeEvery: 60 * time.Second}
	if fmt.Sprint(api.Authorizer) != fmt.Sprint(wantAuth) {
		t.Errorf("authorizer = %+v, want %+v", api.Authorizer, wantAuth)
	}
	if fmt.Sprint(FromRoutes(nil).Authorizer) != fmt.Sprint(wantAuth) {
		t.Errorf("FromRoutes's authorizer %+v differs from the template's %+v", FromRoutes(nil).Authorizer, wantAuth)
	}
}

func TestFromTemplateErrors(t *testing.T) {
	const api = `
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Keys
        Authorizers:
          Keys:
            FunctionArn: !GetAtt AuthorizerFunction.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity:
              %s
`
	fn := func(id, method, path, auth string) string {
		s := fmt.Sprintf(`
  %s:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Events:
        Api:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Method: %s
            Path: %s
`, id, method, path)
		if auth != "" {
			s += "            Auth:\n              Authorizer: " + auth + "\n"
		}
		return s
	}
	headers := "Headers: [Authorization]\n              ReauthorizeEvery: 30"
	health := func(auth string) string { return fn("HealthFunction", "GET", "/api/health", auth) }
	tests := []struct {
		name, resources, wantErr string
	}{
		{"unknown function", fmt.Sprintf(api, headers) + fn("ExportCustomersFunction", "GET", "/export", ""),
			`no HTTP function "export-customers"`},
		{"query string identity", fmt.Sprintf(api, "QueryStrings: [key]") + health(""), "only header identity sources"},
		{"another authorizer", fmt.Sprintf(api, headers) + health("Other"), "not the API's default authorizer"},
		{"no identity header", fmt.Sprintf(api, "ReauthorizeEvery: 30") + health(""), "Identity.Headers is empty"},
		{"no routes", fmt.Sprintf(api, headers), "no HttpApi route"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tmpl, err := samtemplate.Parse([]byte("Resources:" + tc.resources))
			if err != nil {
				t.Fatal(err)
			}
			_, err = FromTemplate(tmpl)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
	t.Run("public and protected routes", func(t *testing.T) {
		tmpl, err := samtemplate.Parse([]byte("Resources:" + fmt.Sprintf(api, headers) +
			fn("HealthFunction", "GET", "/api/health", "NONE") + fn("ListAppsFunction", "get", "/apps", "")))
		if err != nil {
			t.Fatal(err)
		}
		got, err := FromTemplate(tmpl)
		if err != nil {
			t.Fatal(err)
		}
		if rs := got.Routes; len(rs) != 2 || !rs[0].Public || rs[1].Public || rs[1].Method != "GET" || rs[1].Path != "/apps" {
			t.Errorf("routes = %+v", got.Routes)
		}
		if got.Authorizer.ReauthorizeEvery != 30*time.Second || got.Authorizer.Function != "authorizer" {
			t.Errorf("authorizer = %+v", got.Authorizer)
		}
	})
}
