package lukittu_test

import (
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/apitest"
)

// TestOpenAPIAgreesWithTheContract holds the Lukittu part of docs/openapi.yaml to the
// contract (../shared/contracts, skipped when absent): the route of the contract's
// createCustomer is described, with the contract's teamId, and every example of the
// document's Lukittu answers fits the contract's schema for it (CustomerResponse for the
// create, ErrorResponse for every error), as do the answers themselves (the other tests).
func TestOpenAPIAgreesWithTheContract(t *testing.T) {
	lk, err := contract()
	if lk == nil {
		t.Skip(err)
	}
	if err != nil {
		t.Fatalf("the contract does not validate: %v", err)
	}
	doc, err := apitest.Document()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range lk.Paths.Map() {
		described := doc.Paths.Value(path)
		for method, cop := range item.Operations() {
			op := described.GetOperation(method)
			if op == nil {
				t.Errorf("the contract's %s %s is not in the document", method, path)
				continue
			}
			for _, p := range cop.Parameters {
				in, name := p.Value.In, p.Value.Name
				if op.Parameters.GetByInAndName(in, name) == nil && described.Parameters.GetByInAndName(in, name) == nil {
					t.Errorf("%s %s: the contract's parameter %s (%s) is not in the document", method, path, name, in)
				}
			}
		}
	}
	checked := 0
	for path, item := range doc.Paths.Map() {
		if !strings.HasPrefix(path, "/api/v1/dev/") {
			continue
		}
		for method, op := range item.Operations() {
			for status, resp := range op.Responses.Map() {
				schema := "ErrorResponse"
				if status[0] == '2' {
					if method != "POST" {
						continue // the contract has only the create
					}
					schema = "CustomerResponse"
				}
				media := resp.Value.Content.Get("application/json")
				if media == nil {
					continue
				}
				var examples []any
				if media.Example != nil {
					examples = append(examples, media.Example)
				}
				for _, ex := range media.Examples {
					examples = append(examples, ex.Value.Value)
				}
				for _, ex := range examples {
					if m, ok := ex.(map[string]any); ok && m["message"] != nil {
						continue // API Gateway's own answer
					}
					if err := lk.Components.Schemas[schema].Value.VisitJSON(ex); err != nil {
						t.Errorf("%s %s %s: the example does not fit the contract's %s: %v", method, path, status, schema, err)
					}
					checked++
				}
			}
		}
	}
	if checked < 10 {
		t.Errorf("checked %d examples of Lukittu answers, want at least 10", checked)
	}
}
