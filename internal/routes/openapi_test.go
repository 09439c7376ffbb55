package routes_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/clientele/clientele/docs"
	"github.com/clientele/clientele/internal/routes"
	"github.com/clientele/clientele/internal/samtemplate"
)

// anyMethod is API Gateway's OpenAPI extension for an ANY route, which the document uses
// for the catch-all (OpenAPI has no operation for every method).
const anyMethod = "x-amazon-apigateway-any-method"

// documented returns the routes docs/openapi.yaml describes, as "METHOD /path".
func documented(t *testing.T) []string {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPIJSON)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
		if _, ok := item.Extensions[anyMethod]; ok {
			out = append(out, routes.CatchAllMethod+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

// TestOpenAPIDocumentsEveryRoute holds the OpenAPI document to the routes: every route of
// routes.All and every HttpApi route of template.yaml is described (the catch-all ANY
// /{proxy+} as an x-amazon-apigateway-any-method), and the document describes no other
// path or method.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc := documented(t)
	var code []string
	for _, r := range routes.All() {
		code = append(code, r.Method+" "+r.Path)
	}
	path, err := samtemplate.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	declared, err := tmpl.HTTPRoutes()
	if err != nil {
		t.Fatal(err)
	}
	var template []string
	for _, r := range declared {
		template = append(template, strings.ToUpper(r.Method)+" "+r.Path)
	}
	for what, list := range map[string][]string{"internal/routes": code, "template.yaml": template} {
		for _, k := range list {
			if !slices.Contains(doc, k) {
				t.Errorf("%s has the route %s, which docs/openapi.yaml does not describe", what, k)
			}
		}
		for _, k := range doc {
			if !slices.Contains(list, k) {
				t.Errorf("docs/openapi.yaml describes %s, which is not a route of %s", k, what)
			}
		}
	}
	if len(doc) < len(code) {
		t.Errorf("the document describes %d routes, routes.All has %d", len(doc), len(code))
	}
}
