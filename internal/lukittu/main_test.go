package lukittu_test

// HTTP tests of the Lukittu-compatible dialect through the local gateway against DynamoDB
// Local (internal/apitest). Answers are also validated with kin-openapi against the schemas
// of the Lukittu contract (../shared/contracts, beside the clone; skipped when absent).

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/clientele/clientele/internal/apitest"
	"github.com/clientele/clientele/internal/samtemplate"
)

// TestMain runs the tests, then holds them to covering every Lukittu route and every
// DynamoDB grant of their functions (docs/development.md, "HTTP tests").
func TestMain(m *testing.M) { os.Exit(apitest.Main(m, "lukittu")) }

// M is a JSON object, for request bodies.
type M = map[string]any

// contract is the loaded contract, or nil with the reason it is not there.
var contract = sync.OnceValues(func() (*openapi3.T, error) {
	path, err := samtemplate.Find(".")
	if err != nil {
		return nil, err
	}
	file := filepath.Join(filepath.Dir(path), "..", "shared", "contracts", "lukittu-create-customer.openapi.yaml")
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("the Lukittu contract is not beside the clone (%s): schema checks skipped", file)
	}
	apitest.DefineFormats()
	doc, err := openapi3.NewLoader().LoadFromFile(file)
	if err != nil {
		return nil, err
	}
	// The contract's own example has discordAccount: null, which its schema rejects (see
	// internal/lukittu): examples are not checked.
	return doc, doc.Validate(openapi3.NewLoader().Context, openapi3.DisableExamplesValidation())
})

// wantSchema validates a JSON value against a schema of the Lukittu contract.
func wantSchema(t *testing.T, schema string, raw []byte) {
	t.Helper()
	doc, err := contract()
	if doc == nil {
		t.Log(err)
		return
	}
	if err != nil {
		t.Fatalf("the contract does not validate: %v", err)
	}
	ref := doc.Components.Schemas[schema]
	if ref == nil {
		t.Fatalf("no schema %s in the contract", schema)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("not JSON: %s", raw)
	}
	if err := ref.Value.VisitJSON(v); err != nil {
		t.Errorf("does not match the contract's %s: %v\n%s", schema, err, raw)
	}
}

// envelope is every answer of the dialect.
type envelope struct {
	Data   json.RawMessage `json:"data"`
	Result struct {
		Timestamp string `json:"timestamp"`
		Valid     bool   `json:"valid"`
		Details   string `json:"details"`
		Code      string `json:"code"`
	} `json:"result"`
}

type customerJSON struct {
	ID              string  `json:"id"`
	Email           *string `json:"email"`
	FullName        *string `json:"fullName"`
	Username        *string `json:"username"`
	TeamID          string  `json:"teamId"`
	CreatedByUserID string  `json:"createdByUserId"`
	Metadata        []struct {
		Key, Value string
		Locked     bool
	} `json:"metadata"`
	Address *struct {
		Street, Line1, City, Country, PostalCode *string
	} `json:"address"`
	DiscordAccount json.RawMessage `json:"discordAccount"`
}

type listJSON struct {
	Customers    []json.RawMessage
	TotalResults int64
	HasNextPage  bool
}

// customers decodes the list's customers.
func (l listJSON) customers(t *testing.T) []customerJSON {
	t.Helper()
	out := make([]customerJSON, len(l.Customers))
	for i, raw := range l.Customers {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			t.Fatalf("customer %s: %v", raw, err)
		}
	}
	return out
}

// dataOf checks a success envelope (and its data against the contract's schema, "" for
// none; CustomerResponse is the whole answer's) and decodes the data into a T.
func dataOf[T any](t *testing.T, r *apitest.Response, schema string) T {
	t.Helper()
	var b envelope
	r.Into(&b)
	if !b.Result.Valid || b.Result.Timestamp == "" || b.Result.Details == "" {
		t.Errorf("%s: result %+v, want valid with a timestamp and details", r.Req, b.Result)
	}
	if schema == "CustomerResponse" {
		wantSchema(t, schema, r.Body)
	} else if schema != "" {
		wantSchema(t, schema, b.Data)
	}
	var out T
	if err := json.Unmarshal(b.Data, &out); err != nil {
		t.Fatalf("%s: data %s: %v", r.Req, b.Data, err)
	}
	return out
}

// wantOK checks the status and the success envelope of an answer and returns its data.
func wantOK[T any](t *testing.T, r *apitest.Response, status int, schema string) T {
	t.Helper()
	r.Want(status)
	return dataOf[T](t, r, schema)
}

// ok is a Row's check of a success whose data (against schema) check takes.
func ok[T any](schema string, check func(t *testing.T, data T)) func(*testing.T, *apitest.Response) {
	return func(t *testing.T, r *apitest.Response) {
		t.Helper()
		data := dataOf[T](t, r, schema)
		if check != nil {
			check(t, data)
		}
	}
}

// errorOf checks an error envelope against the contract's ErrorResponse.
func errorOf(t *testing.T, r *apitest.Response, code string) envelope {
	t.Helper()
	var b envelope
	r.Into(&b)
	if b.Result.Valid || b.Result.Code != code || b.Result.Details == "" || string(b.Data) != "null" {
		t.Errorf("%s: %s, want an invalid result with code %s, details and null data", r.Req, r.Body, code)
	}
	wantSchema(t, "ErrorResponse", r.Body)
	return b
}

// wantError checks the status and the error envelope of an answer.
func wantError(t *testing.T, r *apitest.Response, status int, code string) envelope {
	t.Helper()
	r.Want(status)
	return errorOf(t, r, code)
}

// lkError is a Row's check of an error with code.
func lkError(code string) func(*testing.T, *apitest.Response) {
	return func(t *testing.T, r *apitest.Response) {
		t.Helper()
		errorOf(t, r, code)
	}
}

func str(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

// appsNotFound is a Row's check of the Apps API's 404.
func appsNotFound(t *testing.T, r *apitest.Response) {
	t.Helper()
	var b struct{ Error struct{ Code string } }
	if r.Into(&b); b.Error.Code != "not_found" {
		t.Errorf("%s: %s, want the Apps API's not_found", r.Req, r.Body)
	}
}
