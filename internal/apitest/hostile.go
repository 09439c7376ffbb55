package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// Hostile path parameters, escaped as sent.
//
// (A path with an invalid escape such as %u0041 is refused by net/http's server itself, with
// a plain-text 400, before any handler of the local gateway; API Gateway answers it itself
// too. Invalid escapes are sent in queries, where the functions see them.)
var hostileSegments = []string{
	"..", ".", "%2e%2e", "%2E", "a%2Fb", "%FF", "%FF%FE%FD", strings.Repeat("%FF", 400), strings.Repeat("x", 1100),
	strings.Repeat("%C8%BA", 400), strings.Repeat("%F0%9F%98%80", 300), "%00", "%E2%80%AE", "%E2%80%8B", "null",
	"-1", "cus_" + strings.Repeat("z", 40), "00000000-0000-0000-0000-000000000000", "%20", "a%20b", "%25", "%C0%AF",
	"%ED%A0%80",
}

// Hostile query strings, raw.
var hostileQueries = []string{
	"external_id=" + strings.Repeat("%FF", 400), "external_id=" + strings.Repeat("x", 1100),
	"external_id=" + strings.Repeat("%C8%BA", 400), "email=" + strings.Repeat("%FF", 340),
	"email=" + strings.Repeat("%C8%BA", 400) + "%40example.com", "email=" + strings.Repeat("x", 3000),
	"email=jos%C3%A9%40example.com%E2%80%AE", "page=-1", "page=abc", "page=99999999999999999999", "per_page=0",
	"per_page=1000000", "per_page=-5", "pageSize=7", "pageSize=%FF", "cursor=garbage", "cursor=%FF.%FF",
	"cursor=" + strings.Repeat("A", 5000) + ".x", "sortColumn=__proto__", "sortDirection=sideways", "search=%00",
	"search=" + strings.Repeat("%FF", 100), "search_term=" + strings.Repeat("%E2%80%AE", 50), "customer_id=%FF",
	"customer_id=cus_..", "%zz=1", "a=%zz", "countries[]=%FF", "metadata[%FF]=x", "=&=&&", "page=1&page=2&page=%FF",
}

// Hostile bodies, for the routes that read one.
var hostileBodies = []string{
	"{", "[]", "null", `"a string"`, "5", "{}{}", "{\"email\":\"\xff@example.com\"}", "\xff\xfe\xfd",
	`{"email":"` + strings.Repeat("\u023a", 340) + `@example.com"}`, `{"email":"jose\u0301@example.com","metadata":[]}`,
	`{"email":"a\u202eb@example.com","metadata":[]}`, `{"email":"a\u200b@example.com","metadata":[]}`,
	`{"external_id":"` + strings.Repeat("😀", 255) + `","email":"ext@example.com"}`,
	`{"customer":{"external_id":"` + strings.Repeat("😀", 255) + `"}}`,
	`{"customer":{"external_id":"` + strings.Repeat("x", 1100) + `"}}`,
	"{\"customer\":{\"external_id\":\"a\xffb\"}}", "{\"metadata\":{\"k\":\"\xff\"}}",
	`{"EMAIL":"a@example.com","METADATA":[]}`, `{"email":"a@example.com","u\u017fername":"x","metadata":[]}`,
	`{"email":5,"metadata":"x"}`, `{"email":null,"metadata":null}`, strings.Repeat("[", 20000), `{"n":1e999}`,
	`{"email":"a@example.com","metadata":[{"key":{},"value":[],"locked":"yes"}]}`, `{"customer":[]}`,
	`{"customer":{"email":["a"],"metadata":[{"key":null}],"billing_configuration":"x"}}`,
	`{"customer_id":"cus_..","duration_days":-1}`, `{"customer_id":5,"expires_at":"yesterday"}`, `{"type":"root"}`,
	`{"slug":"../x","name":"` + strings.Repeat("n", 5000) + `"}`, `{"email":"\ud800@example.com","metadata":[]}`,
	`{"email":"a@example.com","metadata":[],"address":{"street":"x","City":"y"}}`,
	`{"customer":{"country":"ZZ","email":"not an email","currency":{}}}`,
	`{"email":"` + strings.Repeat("a", 64) + `@` + strings.Repeat("b", 250) + `.com"}`,
	"{\"name\":\"\x00\",\"email\":\"nul@example.com\"}",
}

// Hostile headers, each sent alone on top of a valid request.
var hostileHeaders = []map[string]string{
	{"Authorization": "Bearer " + strings.Repeat("x", 5000)}, {"Authorization": "Basic YTpi"},
	{"Authorization": "Bearer"}, {"Authorization": "Bearer sk_live_%FF"}, {"Content-Type": "text/plain"},
	{"Content-Type": "application/json; charset=latin1"}, {"If-Match": "garbage"},
	{"If-Match": "99999999999999999999999"}, {"If-Match": "-1"}, {"Idempotency-Key": strings.Repeat("k", 300)},
	{"Accept": "text/html"}, {"Content-Length": "0"},
}

// minHostilePerRoute is the least number of requests the corpus holds for a route.
const minHostilePerRoute = 50

// Hostile says how to send the corpus of bad inputs to some routes of the stack.
type Hostile struct {
	Routes []string // "METHOD /path", as in Env.RouteKeys
	// Valid is the valid value of a path parameter of the route with this method and path
	// template, which the requests that make another part hostile carry.
	Valid func(method, template, param string) string
	Key   func(path string) string // the key a request to the path carries
}

// hostileRequest is one bad input: a request for one route with one part of it made hostile.
type hostileRequest struct {
	route   string // "METHOD /template"
	what    string // which part is hostile, for failure messages
	method  string
	path    string // escaped, sent as is
	query   string // raw, sent as is
	body    []byte
	headers map[string]string
}

// SendHostile sends every route of h hostile path segments, path shapes, query values,
// bodies and headers, one at a time. No answer may be a 5xx; every answer must be valid UTF-8
// and JSON and fit docs/openapi.yaml, and every error must have the shape of the dialect
// whose path it answers, or be one of API Gateway's own. It returns how many it sent.
func (e *Env) SendHostile(t *testing.T, h Hostile) int {
	t.Helper()
	var reqs []hostileRequest
	for _, rk := range h.Routes {
		reqs = append(reqs, hostileRequests(rk, h.Valid)...)
	}
	if len(reqs) < minHostilePerRoute*len(h.Routes) {
		t.Fatalf("a corpus of %d requests for %d routes, want at least %d a route", len(reqs), len(h.Routes),
			minHostilePerRoute)
	}
	t.Logf("%d hostile requests over %d routes", len(reqs), len(h.Routes))
	statuses := map[int]int{}
	for _, r := range reqs {
		status, req, body, err := sendAsWritten(e.URL, r, h.Key(r.path))
		if err != nil {
			t.Errorf("%s, %s: %v", r.route, r.what, err)
			continue
		}
		statuses[status]++
		checkOpenAPI(t, roundTrip{method: r.method, path: r.path, query: r.query, header: req.Header, body: r.body,
			status: status, respHeader: req.Response.Header, respBody: body}, false)
		checkAnswer(t, Answer{Method: r.method, Path: r.path, Status: status, Body: body})
		if status < 300 && r.method != "GET" {
			t.Logf("accepted: %s, %s: %d %s", r.route, r.what, status, short(string(body)))
		}
		if status >= 500 {
			t.Errorf("%s, %s: %d %s", r.route, r.what, status, short(string(body)))
			continue
		}
		if msg := checkShape(r.path, status, req.Response.Header.Get("Content-Type"), body); msg != "" {
			t.Errorf("%s, %s: %d: %s: %s", r.route, r.what, status, msg, short(string(body)))
		}
	}
	t.Logf("statuses: %v", statuses)
	return len(reqs)
}

// hostileRequests is the corpus for one route.
func hostileRequests(rk string, valid func(method, template, param string) string) []hostileRequest {
	method, tmpl, _ := strings.Cut(rk, " ")
	if method == "ANY" {
		method = "GET"
	}
	params := paramsOf(tmpl)
	fill := func(hostileParam, seg string) string {
		p := tmpl
		for _, name := range params {
			v := "x/y" // a greedy {proxy+} takes segments
			if name != "proxy+" {
				v = url.PathEscape(valid(method, tmpl, name))
			}
			if name == hostileParam {
				v = seg
			}
			p = strings.Replace(p, "{"+name+"}", v, 1)
		}
		return p
	}
	base := fill("", "")
	var body []byte
	if method == "POST" || method == "PUT" {
		body = []byte("{}")
	}
	var reqs []hostileRequest
	add := func(what, path, query string, b []byte, h map[string]string) {
		reqs = append(reqs, hostileRequest{route: rk, what: what, method: method, path: path, query: query, body: b,
			headers: h})
	}
	for _, name := range params {
		for _, seg := range hostileSegments {
			add("path parameter "+name+"="+short(seg), fill(name, seg), "", body, nil)
		}
	}
	for _, shape := range []string{"//", "/./", "/../", "/%2e%2e/", "/%2F/"} {
		if i := strings.LastIndex(base, "/"); i > 0 {
			add("path shape "+shape, base[:i]+shape+base[i+1:], "", body, nil)
		}
	}
	add("trailing slash", base+"/", "", body, nil)
	for _, q := range hostileQueries {
		add("query "+short(q), base, q, body, nil)
	}
	if body != nil {
		for _, b := range hostileBodies {
			add("body "+short(b), base, "", []byte(b), nil)
		}
		add("body over 1 MiB", base, "", []byte(`{"name":"`+strings.Repeat("x", 1<<20)+`"}`), nil)
	}
	for _, h := range hostileHeaders {
		add(fmt.Sprintf("header %v", shortMap(h)), base, "", body, h)
	}
	return reqs
}

func paramsOf(tmpl string) []string {
	var out []string
	for _, seg := range strings.Split(tmpl, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}

// sendAsWritten sends a hostile request as written, and returns the answer's status and
// body, and the request with its Response (whose body is read).
func sendAsWritten(base string, r hostileRequest, key string) (int, *http.Request, []byte, error) {
	u, err := url.Parse(base)
	if err != nil {
		return 0, nil, nil, err
	}
	u.Opaque = "//" + u.Host + r.path // sent as written: no cleaning, no re-escaping
	u.RawQuery = r.query
	req, err := http.NewRequest(r.method, base, bytes.NewReader(r.body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.URL = u
	req.Header.Set("Authorization", "Bearer "+key)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.headers {
		if k == "Content-Length" {
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	req.Response = res
	return res.StatusCode, req, b, err
}

// checkShape returns what is wrong with an answer, or "": valid UTF-8 and JSON (or text, where
// a route answers text), and for an error the shape of the dialect the path starts with. API
// Gateway's own answers ({"message"}: a path it cannot decode, a body over its limit) are API
// Gateway's shape.
func checkShape(path string, status int, contentType string, body []byte) string {
	if !utf8.Valid(body) {
		return "not valid UTF-8"
	}
	if status < 300 && strings.HasPrefix(contentType, "text/plain") {
		return ""
	}
	if !json.Valid(body) {
		return "not JSON"
	}
	if status < 400 {
		return ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return "not a JSON object"
	}
	if _, ok := m["message"]; ok && len(m) == 1 && (status == 404 || status == 413 || status == 400) {
		return ""
	}
	switch {
	case strings.HasPrefix(path, "/api/v1/dev/"):
		var l struct {
			Data   json.RawMessage
			Result *struct {
				Timestamp     string
				Valid         *bool
				Details, Code string
			}
		}
		if json.Unmarshal(body, &l) != nil || l.Result == nil || l.Result.Valid == nil || *l.Result.Valid ||
			l.Result.Details == "" || l.Result.Code == "" {
			return "not Lukittu's error shape"
		}
	case lagoPath(path):
		var l struct {
			Status *int
			Error  string
		}
		if json.Unmarshal(body, &l) != nil || l.Status == nil || *l.Status != status || l.Error == "" {
			return "not Lago's error shape"
		}
	default:
		var a struct {
			Error *struct{ Code, Message string }
		}
		if json.Unmarshal(body, &a) != nil || a.Error == nil || a.Error.Code == "" || a.Error.Message == "" {
			return "not the Apps API's error shape"
		}
	}
	return ""
}

// lagoPath reports whether path is under one of the Lago dialect's resources.
func lagoPath(path string) bool {
	for _, p := range []string{"/api/v1/customers", "/api/v1/webhook_endpoints", "/api/v1/webhooks"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

func short(s string) string {
	if len(s) > 60 {
		return fmt.Sprintf("%q…(%d bytes)", s[:60], len(s))
	}
	return fmt.Sprintf("%q", s)
}

func shortMap(h map[string]string) string {
	var parts []string
	for k, v := range h {
		parts = append(parts, k+"="+short(v))
	}
	return strings.Join(parts, ",")
}
