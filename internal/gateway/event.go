package gateway

import (
	"encoding/base64"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// route is one route of the API, parsed.
type route struct {
	key      string   // "GET /api/v1/apps/{slug}", the routeKey
	method   string   // GET, ..., or ANY
	segments []string // of the path; "{name}" for a parameter, "{name+}" (last) for a greedy one
	public   bool     // Auth.Authorizer NONE: no authorizer runs
	fn       *function
}

// Methods a route may declare, as API Gateway accepts them.
var methods = []string{"ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

func newRoute(method, path string, public bool, fn *function) (*route, error) {
	key := method + " " + path
	if !slices.Contains(methods, method) {
		return nil, fmt.Errorf("gateway: route %q: unknown method %q", key, method)
	}
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("gateway: route %q: the path must start with /", key)
	}
	r := &route{key: key, method: method, public: public, fn: fn}
	if path != "/" {
		r.segments = strings.Split(path[1:], "/")
	}
	for i, s := range r.segments {
		name, isParam := paramName(s)
		switch {
		case s == "":
			return nil, fmt.Errorf("gateway: route %q has an empty path segment", key)
		case isParam && name == "":
			return nil, fmt.Errorf("gateway: route %q has a parameter without a name", key)
		case strings.HasSuffix(name, "+") && i != len(r.segments)-1:
			return nil, fmt.Errorf("gateway: route %q: a greedy parameter must be the last segment", key)
		case !isParam && strings.ContainsAny(s, "{}"):
			return nil, fmt.Errorf("gateway: route %q: segment %q mixes text and a parameter", key, s)
		}
	}
	return r, nil
}

// paramName returns the name of a parameter segment ("slug", "proxy+").
func paramName(seg string) (string, bool) {
	if len(seg) >= 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

func (r *route) greedy() bool {
	if len(r.segments) == 0 {
		return false
	}
	name, ok := paramName(r.segments[len(r.segments)-1])
	return ok && strings.HasSuffix(name, "+")
}

// sortRoutes orders routes as API Gateway prefers them when several match a request: a
// route without a greedy parameter before one with; then, segment by segment from the left,
// a literal segment before a parameter (so /customers/by-email wins over /customers/{id});
// then the longer greedy prefix; then a route with the request's method before ANY. The
// first route that matches a request is then its best match.
func sortRoutes(rs []*route) {
	rank := func(r *route) []int {
		out := make([]int, 0, len(r.segments)+1)
		for _, s := range r.segments {
			name, isParam := paramName(s)
			switch {
			case !isParam:
				out = append(out, 0)
			case strings.HasSuffix(name, "+"):
				// A greedy parameter ranks after everything else at its position.
				return append(out, 3)
			default:
				out = append(out, 1)
			}
		}
		return append(out, 2) // the end of a path ranks after any further literal or parameter
	}
	slices.SortStableFunc(rs, func(a, b *route) int {
		if ga, gb := a.greedy(), b.greedy(); ga != gb {
			if ga {
				return 1
			}
			return -1
		}
		if c := slices.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		if aa, ba := a.method == "ANY", b.method == "ANY"; aa != ba {
			if aa {
				return 1
			}
			return -1
		}
		return 0
	})
}

// match returns the best route for a request and its path parameters, or nil. As API
// Gateway does, it decodes the path before it splits it into segments, so that an encoded
// slash separates segments too; dot segments are not resolved but matched as they are (the
// functions answer them 404, see web.CanonicalPath).
func (g *Gateway) match(method, rawPath string) (*route, map[string]string) {
	path, err := url.PathUnescape(rawPath)
	if err != nil {
		return nil, nil
	}
	var decoded []string
	if path != "/" && path != "" {
		decoded = strings.Split(strings.TrimPrefix(path, "/"), "/")
	}
	for _, r := range g.routes {
		if r.method != "ANY" && r.method != method {
			continue
		}
		if params, ok := r.matches(decoded); ok {
			return r, params
		}
	}
	return nil, nil
}

func (r *route) matches(segs []string) (map[string]string, bool) {
	var params map[string]string
	set := func(k, v string) {
		if params == nil {
			params = map[string]string{}
		}
		params[k] = v
	}
	for i, s := range r.segments {
		name, isParam := paramName(s)
		if isParam && strings.HasSuffix(name, "+") {
			rest := segs[min(i, len(segs)):]
			if len(rest) == 0 || (len(rest) == 1 && rest[0] == "") {
				return nil, false
			}
			set(strings.TrimSuffix(name, "+"), strings.Join(rest, "/"))
			return params, true
		}
		if i >= len(segs) {
			return nil, false
		}
		if isParam {
			if segs[i] == "" {
				return nil, false
			}
			set(name, segs[i])
		} else if segs[i] != s {
			return nil, false
		}
	}
	if len(segs) != len(r.segments) {
		return nil, false
	}
	return params, true
}

// event builds the payload format 2.0 event of a request.
func (g *Gateway) event(
	r *http.Request, rt *route, params map[string]string, body []byte, id string, at time.Time,
) events.APIGatewayV2HTTPRequest {
	headers := map[string]string{}
	for k, vs := range r.Header {
		if strings.EqualFold(k, "Cookie") {
			continue // in cookies
		}
		headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	headers["host"] = r.Host
	ip := sourceIP(r)
	if xff := headers["x-forwarded-for"]; xff != "" {
		headers["x-forwarded-for"] = xff + ", " + ip
	} else {
		headers["x-forwarded-for"] = ip
	}
	proto, port := "http", "80"
	if r.TLS != nil {
		proto, port = "https", "443"
	}
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, p, err := net.SplitHostPort(addr.String()); err == nil {
			port = p
		}
	}
	headers["x-forwarded-proto"] = proto
	headers["x-forwarded-port"] = port
	if len(body) > 0 && headers["content-length"] == "" {
		headers["content-length"] = fmt.Sprint(len(body))
	}

	var cookies []string
	for _, line := range r.Header.Values("Cookie") {
		for c := range strings.SplitSeq(line, ";") {
			if c = strings.TrimSpace(c); c != "" {
				cookies = append(cookies, c)
			}
		}
	}

	var query map[string]string
	if r.URL.RawQuery != "" {
		values, _ := url.ParseQuery(r.URL.RawQuery) // what parses is passed on, as API Gateway does
		for k, vs := range values {
			if query == nil {
				query = map[string]string{}
			}
			query[k] = strings.Join(vs, ",")
		}
	}

	host := r.Host
	prefix, _, _ := strings.Cut(host, ".")
	if h, _, err := net.SplitHostPort(prefix); err == nil {
		prefix = h
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              rt.key,
		RawPath:               r.URL.EscapedPath(),
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     rt.key,
			AccountID:    g.opts.AccountID,
			Stage:        "$default",
			RequestID:    id,
			APIID:        g.opts.APIID,
			DomainName:   host,
			DomainPrefix: prefix,
			Time:         at.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    at.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  ip,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type")) && utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// isText reports whether a body of this content type reaches the function as text; API
// Gateway base64-encodes every other body (and one without a content type).
func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/xml", strings.HasSuffix(mt, "+xml"),
		mt == "application/javascript":
		return true
	}
	return false
}

// sourceIP is the client's address without its port.
func sourceIP(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// authorizerRequest is the payload format 2.0 event of a REQUEST authorizer.
func (g *Gateway) authorizerRequest(
	ev events.APIGatewayV2HTTPRequest, rt *route, identity []string,
) events.APIGatewayV2CustomAuthorizerV2Request {
	return events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0",
		Type:    "REQUEST",
		RouteArn: fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s%s", g.opts.Region, g.opts.AccountID, g.opts.APIID,
			ev.RequestContext.Stage, ev.RequestContext.HTTP.Method, ev.RawPath),
		IdentitySource:        identity,
		RouteKey:              rt.key,
		RawPath:               ev.RawPath,
		RawQueryString:        ev.RawQueryString,
		Cookies:               ev.Cookies,
		Headers:               ev.Headers,
		QueryStringParameters: ev.QueryStringParameters,
		RequestContext:        ev.RequestContext,
		PathParameters:        ev.PathParameters,
		StageVariables:        ev.StageVariables,
	}
}
