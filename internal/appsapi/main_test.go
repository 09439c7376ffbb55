package appsapi_test

// HTTP tests of the Apps API, and of the account's app and key routes, through the local
// gateway against DynamoDB Local (internal/apitest): every function runs as template.yaml
// deploys it, behind the authorizer, and every answer is held to docs/openapi.yaml.

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apitest"
)

// TestMain runs the tests, then holds them to covering every route of the Apps API and
// every DynamoDB grant of its functions (docs/development.md, "HTTP tests").
func TestMain(m *testing.M) { os.Exit(apitest.Main(m, "apps")) }

// M is a JSON object, for request bodies.
type M = map[string]any

type listMeta struct {
	Total      *int64  `json:"total"`
	Page       *int    `json:"page"`
	PerPage    *int    `json:"per_page"`
	NextCursor *string `json:"next_cursor"`
}

type customerList struct {
	Data []apitest.Customer `json:"data"`
	Meta listMeta           `json:"meta"`
}

type keyJSON struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	Key       *string `json:"key"`
	Hint      string  `json:"hint"`
	CreatedAt string  `json:"created_at"`
}

// problem is the Apps API's error.
type problem struct {
	Code       string              `json:"code"`
	Message    string              `json:"message"`
	Details    map[string][]string `json:"details"`
	ExistingID string              `json:"existing_id"`
}

// errorOf checks an error of the Apps API, {"error":{code,message}} with details for each
// field given, and returns it.
func errorOf(t *testing.T, r *apitest.Response, code string, fields ...string) problem {
	t.Helper()
	var body struct {
		Error *problem `json:"error"`
	}
	r.Into(&body)
	if body.Error == nil || body.Error.Code != code || body.Error.Message == "" {
		t.Fatalf("%s: got %s, want an error with code %q and a message", r.Req, r.Body, code)
	}
	for _, f := range fields {
		if len(body.Error.Details[f]) == 0 {
			t.Errorf("%s: no details for %q in %s", r.Req, f, r.Body)
		}
	}
	return *body.Error
}

// wantError checks the status and the error of an answer of the Apps API.
func wantError(t *testing.T, r *apitest.Response, status int, code string, fields ...string) problem {
	t.Helper()
	r.Want(status)
	return errorOf(t, r, code, fields...)
}

// apiError is a Row's check of an error with code, and details for each field given.
func apiError(code string, fields ...string) func(*testing.T, *apitest.Response) {
	return func(t *testing.T, r *apitest.Response) {
		t.Helper()
		errorOf(t, r, code, fields...)
	}
}

// conflictWith is a Row's check of a 409 on field that names the customer holding it.
func conflictWith(field, holder string) func(*testing.T, *apitest.Response) {
	return func(t *testing.T, r *apitest.Response) {
		t.Helper()
		if p := errorOf(t, r, "conflict", field); p.ExistingID != holder {
			t.Errorf("existing_id %q, want %q", p.ExistingID, holder)
		}
	}
}

// customerIs is a Row's check that the answer is the customer with id.
func customerIs(id string) func(*testing.T, *apitest.Response) {
	return func(t *testing.T, r *apitest.Response) {
		t.Helper()
		if got := apitest.Data[apitest.Customer](r); got.ID != id {
			t.Errorf("%s: %+v, want customer %s", r.Req, got, id)
		}
	}
}

func str(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// wantID checks a rendered id, the prefix and a UUID v4, and returns the UUID.
func wantID(t *testing.T, id, prefix string) string {
	t.Helper()
	uuid, ok := strings.CutPrefix(id, prefix)
	if !ok || len(uuid) != 36 || uuid[14] != '4' || strings.Count(uuid, "-") != 4 {
		t.Errorf("id %q is not %s<uuid v4>", id, prefix)
	}
	return uuid
}

// wantTime checks an RFC 3339 UTC timestamp.
func wantTime(t *testing.T, name, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	if err != nil || !strings.HasSuffix(s, "Z") {
		t.Errorf("%s %q is not an RFC 3339 UTC time", name, s)
	}
	return at
}
