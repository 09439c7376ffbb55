package apitest

// The OpenAPI document (docs/openapi.yaml, served at GET /api/openapi.json) held to what the
// stack answers: every round trip of Caller.Do and of SendHostile is checked with
// kin-openapi's openapi3filter against the document, the answer always, the request too
// when it was answered 2xx.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/clientele/clientele/docs"
)

// DefineFormats registers the string formats the documents use beyond kin-openapi's own,
// once, before any document is loaded or any value validated (the registry is global).
var DefineFormats = sync.OnceFunc(func() {
	uuid := openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC4122)
	openapi3.DefineStringFormatValidator("uuid", uuid)
	openapi3.DefineStringFormatValidator("email", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail))
})

// AnyMethod is API Gateway's OpenAPI extension for an ANY route: the document describes the
// catch-all ANY /{proxy+} with it, since OpenAPI has no operation for every method.
const (
	AnyMethod    = "x-amazon-apigateway-any-method"
	catchAllPath = "/{proxy+}"
)

// openAPIDoc is the document, a router over its operations and the catch-all's operation.
type openAPIDoc struct {
	doc      *openapi3.T
	router   routers.Router
	catchAll *openapi3.Operation
}

var openAPI = sync.OnceValues(func() (*openAPIDoc, error) {
	DefineFormats()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(docs.OpenAPIJSON)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, err
	}
	doc.Servers = nil // route on the path alone, whatever the test server's address
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	op, err := CatchAllOperation(doc)
	if err != nil {
		return nil, err
	}
	return &openAPIDoc{doc: doc, router: router, catchAll: op}, nil
})

// Document is docs/openapi.json, loaded and validated; callers must not change it.
func Document() (*openapi3.T, error) {
	o, err := openAPI()
	if err != nil {
		return nil, err
	}
	return o.doc, nil
}

// CatchAllOperation reads the catch-all's operation from its extension, its responses
// resolved from the document's components (the loader does not resolve references inside
// an extension).
func CatchAllOperation(doc *openapi3.T) (*openapi3.Operation, error) {
	item := doc.Paths.Value(catchAllPath)
	if item == nil || item.Extensions[AnyMethod] == nil {
		return nil, fmt.Errorf("the document has no %s on %s", AnyMethod, catchAllPath)
	}
	raw, err := json.Marshal(item.Extensions[AnyMethod])
	if err != nil {
		return nil, err
	}
	var op openapi3.Operation
	if err := json.Unmarshal(raw, &op); err != nil {
		return nil, fmt.Errorf("%s: %w", AnyMethod, err)
	}
	if op.Responses == nil || op.Responses.Len() == 0 {
		return nil, fmt.Errorf("%s has no responses", AnyMethod)
	}
	for status, ref := range op.Responses.Map() {
		name, ok := strings.CutPrefix(ref.Ref, "#/components/responses/")
		if !ok || doc.Components.Responses[name] == nil {
			return nil, fmt.Errorf("%s: response %s must be a $ref to components/responses", AnyMethod, status)
		}
		ref.Value = doc.Components.Responses[name].Value
	}
	return &op, nil
}

// roundTrip is one request and its answer, as sent and received.
type roundTrip struct {
	method, path, query string // path escaped, query raw, both as sent
	header              http.Header
	body                []byte
	status              int
	respHeader          http.Header
	respBody            []byte
}

func (rt roundTrip) String() string {
	target := rt.path
	if rt.query != "" {
		target += "?" + rt.query
	}
	return fmt.Sprintf("%s %s: %d %s", rt.method, shortText(target, 120), rt.status, shortText(string(rt.respBody), 300))
}

func shortText(s string, n int) string {
	if len(s) > n {
		return fmt.Sprintf("%q…(%d bytes)", s[:n], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// route finds the operation that describes a request as API Gateway routes it: on the
// decoded path, segment by segment, a literal before a parameter; a path with an empty
// segment, or that no operation takes (path or method), is the catch-all's.
func (o *openAPIDoc) route(req *http.Request) (*routers.Route, map[string]string) {
	catchAll := &routers.Route{Spec: o.doc, Path: catchAllPath, PathItem: o.doc.Paths.Value(catchAllPath),
		Method: req.Method, Operation: o.catchAll}
	p := req.URL.Path
	if p == "/" || strings.Contains(p, "//") || strings.HasSuffix(p, "/") {
		return catchAll, nil
	}
	route, params, err := o.router.FindRoute(req)
	if err != nil {
		return catchAll, nil
	}
	return route, params
}

// bearer stands for the authorizer in request validation: a request the API answered 2xx
// on a route with a key carried one.
func bearer(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecurityScheme.Type == "http" && in.SecurityScheme.Scheme == "bearer" &&
		strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
		return nil
	}
	return errors.New("no Bearer key")
}

// checkOpenAPI validates a round trip against the document: its answer, whatever its status
// (the dialect's shapes, API Gateway's own answers), and, when checkRequest is set and the
// answer is 2xx, the request (parameters, body, key) that the API accepted.
func checkOpenAPI(t *testing.T, rt roundTrip, checkRequest bool) {
	t.Helper()
	o, err := openAPI()
	if err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	target := "http://clientele.test" + rt.path
	if rt.query != "" {
		target += "?" + rt.query
	}
	req, err := http.NewRequest(rt.method, target, bytes.NewReader(rt.body))
	if err != nil {
		// A path Go cannot parse back: only the catch-all can describe its answer.
		req, _ = http.NewRequest(rt.method, "http://clientele.test/", bytes.NewReader(rt.body))
	}
	req.Header = rt.header.Clone()
	route, params := o.route(req)
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: bearer, MultiError: true},
	}
	where := fmt.Sprintf("%s (as %s %s)", rt, route.Method, route.Path)
	if checkRequest && rt.status >= 200 && rt.status < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("docs/openapi.yaml: the request does not fit the document, yet the API accepted it: %s\n%v",
				where, err)
		}
	}
	res := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: rt.status, Header: rt.respHeader,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	res.SetBodyBytes(rt.respBody)
	if err := openapi3filter.ValidateResponse(context.Background(), res); err != nil {
		t.Errorf("docs/openapi.yaml: the answer does not fit the document: %s\n%v", where, err)
		return
	}
	resp := route.Operation.Responses.Status(rt.status)
	if resp != nil && resp.Value != nil && len(resp.Value.Content) == 0 && len(rt.respBody) > 0 {
		t.Errorf("docs/openapi.yaml: the document describes no body for this answer: %s", where)
	}
}
