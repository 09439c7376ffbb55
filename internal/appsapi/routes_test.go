package appsapi_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/clientele/clientele/docs"
	"github.com/clientele/clientele/internal/apitest"
)

func TestHealth(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	ok := func(t *testing.T, r *apitest.Response) {
		if got := apitest.Data[struct{ Status string }](r); got.Status != "ok" {
			t.Errorf("health: %s", r.Body)
		}
	}
	apitest.Run(t, e, []apitest.Row{
		{Name: "without a key", Method: "GET", Path: "/api/health", Status: 200, Check: ok},
		{Name: "with a bad key", Key: "not-a-key", Method: "GET", Path: "/api/health", Status: 200, Check: ok},
	})
}

// TestOpenAPIDocument: GET /api/openapi.json, without a key or with one, answers the
// document, which loads and validates with kin-openapi, examples included (each fits its
// schema), and describes every route the gateway serves.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	if r := e.As(t, e.AccountKey).Get("/api/openapi.json").Want(200); !bytes.Equal(r.Body, docs.OpenAPIJSON) {
		t.Error("the document served with a key is not docs/openapi.json")
	}
	r := e.As(t, "").Get("/api/openapi.json").Want(200)
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if !bytes.Equal(r.Body, docs.OpenAPIJSON) {
		t.Error("the document served is not docs/openapi.json")
	}
	apitest.DefineFormats()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the document does not validate: %v", err)
	}
	if _, err := apitest.CatchAllOperation(doc); err != nil {
		t.Error(err)
	}
	for _, rk := range e.RouteKeys {
		method, path, _ := strings.Cut(rk, " ")
		item := doc.Paths.Value(path)
		switch {
		case item == nil:
			t.Errorf("the document does not describe the path of %s", rk)
		case method == "ANY":
			if item.Extensions[apitest.AnyMethod] == nil {
				t.Errorf("the document does not describe %s (%s)", rk, apitest.AnyMethod)
			}
		case item.GetOperation(method) == nil:
			t.Errorf("the document does not describe %s", rk)
		}
	}
}

// TestUnknownRoutes: a request that no route serves is the catch-all function's 404 in the
// Apps API's words, with a key or without; "/" is API Gateway's own.
func TestUnknownRoutes(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	notFound := apiError("not_found")
	for _, caller := range []struct{ name, key string }{{"without a key", ""}, {"with the account key", e.AccountKey}} {
		t.Run(caller.name, func(t *testing.T) {
			k := caller.key
			apitest.Run(t, e, []apitest.Row{
				{Name: "an unknown path", Key: k, Method: "GET", Path: "/api/v1/nope", Status: 404, Check: notFound},
				{Name: "an unknown method", Key: k, Method: "PATCH", Path: "/api/v1/apps/x/customers", Body: "{}",
					Status: 404, Check: notFound},
				{Name: "a POST to a customer", Key: k, Method: "POST", Path: "/api/v1/apps/x/customers/00000000",
					Body: M{}, Status: 404, Check: notFound},
				{Name: "a path below a customer", Key: k, Method: "GET", Path: "/api/v1/apps/x/customers/a/b",
					Status: 404, Check: notFound},
			})
		})
	}
	// "/" matches no route (/{proxy+} needs a segment): API Gateway answers itself.
	e.As(t, "").Get("/").WantGatewayMessage(404, "Not Found")
}
