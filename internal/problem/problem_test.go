package problem_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/appsapi"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/lago"
	"github.com/clientele/clientele/internal/lukittu"
	"github.com/clientele/clientele/internal/problem"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/telemetry"
	"github.com/clientele/clientele/internal/web"
)

// dialect is a dialect's renderer and the check of its error body's shape.
type dialect struct {
	name   string
	render problem.Renderer
	shape  func(status int, body map[string]any) error
}

func dialects() []dialect {
	return []dialect{
		{"apps", appsapi.Renderer(), func(_ int, b map[string]any) error {
			e, _ := b["error"].(map[string]any)
			if len(b) != 1 || e == nil || e["code"] == "" || e["message"] == "" || e["code"] == nil || e["message"] == nil {
				return errors.New(`want {"error": {"code", "message", …}}`)
			}
			return nil
		}},
		{"lukittu", lukittu.Renderer(), func(_ int, b map[string]any) error {
			res, _ := b["result"].(map[string]any)
			data, hasData := b["data"]
			if len(b) != 2 || !hasData || data != nil || res == nil || res["valid"] != false ||
				res["details"] == "" || res["code"] == "" || res["timestamp"] == nil {
				return errors.New(`want {"data": null, "result": {"timestamp", "valid": false, "details", "code"}}`)
			}
			return nil
		}},
		{"lago", lago.Renderer(), func(status int, b map[string]any) error {
			if b["status"] != float64(status) || b["error"] != http.StatusText(status) {
				return errors.New(`want {"status", "error": its text, "code"?, "error_details"?}`)
			}
			return nil
		}},
	}
}

func validation() error {
	var v customer.ValidationError
	v.Add("email", customer.CodeInvalidEmail, "is not an email address")
	return &v
}

// exported lists every exported error of store, customer, idempotency, auth and web (and the
// dialects' own), by name, with its status in each dialect: apps, lukittu, lago.
var exported = []struct {
	name  string
	err   error
	wants [3]int
}{
	{"store.ErrNotFound", store.ErrNotFound, [3]int{404, 404, 404}},
	{"store.ErrAppNotFound", store.ErrAppNotFound, [3]int{404, 404, 401}},
	{"store.ErrAppNotActive", store.ErrAppNotActive, [3]int{404, 404, 401}},
	{"store.ErrAppActive", store.ErrAppActive, [3]int{409, 409, 422}},
	{"store.ErrSlugTaken", store.ErrSlugTaken, [3]int{409, 409, 422}},
	{"store.ErrEmailTaken", store.ErrEmailTaken, [3]int{409, 409, 422}},
	{"store.ErrExternalIDTaken", store.ErrExternalIDTaken, [3]int{409, 409, 422}},
	{"store.ConflictError", &store.ConflictError{Err: store.ErrEmailTaken, ExistingID: customer.NewID()},
		[3]int{409, 409, 422}},
	{"store.ErrVersionConflict", store.ErrVersionConflict, [3]int{409, 409, 503}},
	{"store.ErrInvalidCursor", store.ErrInvalidCursor, [3]int{400, 400, 422}},
	{"store.ErrListTooLarge", store.ErrListTooLarge, [3]int{400, 400, 422}},
	{"store.ErrFilterTooLarge", store.ErrFilterTooLarge, [3]int{400, 400, 422}},
	{"store.ErrLicenseLimit", store.ErrLicenseLimit, [3]int{422, 400, 422}},
	{"store.ErrEndpointLimit", store.ErrEndpointLimit, [3]int{422, 400, 422}},
	{"store.ErrURLTaken", store.ErrURLTaken, [3]int{409, 409, 422}},
	{"store.ErrNoSecret", store.ErrNoSecret, [3]int{400, 400, 400}},
	{"store.ErrBusy", store.ErrBusy, [3]int{503, 503, 503}},
	{"store.ErrUnavailable", store.ErrUnavailable, [3]int{503, 503, 503}},
	{"customer.ValidationError", validation(), [3]int{422, 400, 422}},
	{"idempotency.ErrInvalidKey", idempotency.ErrInvalidKey, [3]int{400, 400, 400}},
	{"idempotency.ErrKeyReused", idempotency.ErrKeyReused, [3]int{422, 422, 422}},
	{"idempotency.ErrKeyInUse", idempotency.ErrKeyInUse, [3]int{409, 409, 409}},
	{"auth.ErrNoKey", auth.ErrNoKey, [3]int{401, 401, 401}},
	{"auth.ErrReadOnly", auth.ErrReadOnly, [3]int{403, 403, 403}},
	{"web.ErrNoRoute", web.ErrNoRoute, [3]int{404, 404, 404}},
	{"web.ErrBadQuery", web.ErrBadQuery, [3]int{400, 400, 400}},
	{"web.ErrTooLarge", web.ErrTooLarge, [3]int{413, 413, 413}},
	{"web.ErrInvalidUTF8", web.ErrInvalidUTF8, [3]int{400, 400, 400}},
	{"web.ErrUnreadable", web.ErrUnreadable, [3]int{400, 400, 400}},
	{"web.ErrDuplicateKey", web.ErrDuplicateKey, [3]int{400, 400, 400}},
	{"web.ErrLoneSurrogate", web.ErrLoneSurrogate, [3]int{400, 400, 400}},
	{"lukittu.ErrNoSuchRoute", lukittu.ErrNoSuchRoute, [3]int{404, 404, 404}},
}

// notListed are exported error types that the table reaches otherwise: a replay is not a
// failure (TestReplayAnswersTheKeptAnswer), a kept outcome answers what its record keeps
// (TestKeptOutcomeAnswersItsRecord), a problem.Error is any kind (TestEveryKindHasARow).
var notListed = []string{"idempotency.ReplayError", "idempotency.KeptError", "problem.Error"}

// TestEveryExportedErrorIsListed reads the packages' source for exported error variables and
// types, so that an error added to one of them cannot miss the table.
func TestEveryExportedErrorIsListed(t *testing.T) {
	var listed []string
	for _, e := range exported {
		listed = append(listed, e.name)
	}
	packages := []string{"store", "customer", "idempotency", "auth", "web", "problem", "lukittu", "lago", "appsapi"}
	for _, pkg := range packages {
		for _, name := range exportedErrors(t, "../"+pkg) {
			if full := pkg + "." + name; !slices.Contains(listed, full) && !slices.Contains(notListed, full) {
				t.Errorf("%s is an exported error that the table does not run through the dialects", full)
			}
		}
	}
}

// exportedErrors are the exported Err… variables and the exported types with an Error
// method of the package in dir.
func exportedErrors(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, entry := range entries {
		if !strings.HasSuffix(entry.Name(), ".go") || strings.HasSuffix(entry.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, entry.Name()), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			names = append(names, errorsDeclared(d)...)
		}
	}
	if len(names) == 0 && dir != "../appsapi" && dir != "../lago" {
		t.Fatalf("%s: no exported errors found: is the path right?", dir)
	}
	return names
}

// errorsDeclared are the exported Err… variables of a declaration, or the exported type whose
// Error method it declares.
func errorsDeclared(d ast.Decl) []string {
	var names []string
	switch d := d.(type) {
	case *ast.GenDecl:
		for _, s := range d.Specs {
			if vs, ok := s.(*ast.ValueSpec); ok && d.Tok == token.VAR {
				for _, n := range vs.Names {
					if n.IsExported() && strings.HasPrefix(n.Name, "Err") {
						names = append(names, n.Name)
					}
				}
			}
		}
	case *ast.FuncDecl:
		if d.Name.Name != "Error" || d.Recv == nil || len(d.Recv.List) != 1 {
			break
		}
		typ := d.Recv.List[0].Type
		if star, ok := typ.(*ast.StarExpr); ok {
			typ = star.X
		}
		if id, ok := typ.(*ast.Ident); ok && id.IsExported() {
			names = append(names, id.Name)
		}
	}
	return names
}

// TestEveryErrorIsTheDialectsOwnAnswer runs every exported error, bare and wrapped, through
// every dialect: each is that dialect's 4xx or 503 (never a 500), in its body's shape, with
// Retry-After exactly where a retry may pass.
func TestEveryErrorIsTheDialectsOwnAnswer(t *testing.T) {
	for _, e := range exported {
		for i, d := range dialects() {
			for _, err := range []error{e.err, fmt.Errorf("some context: %w", e.err)} {
				a := d.render.Render(err)
				if a.Status != e.wants[i] {
					t.Errorf("%s: %s (%v) is %d, want %d", d.name, e.name, err, a.Status, e.wants[i])
				}
				if a.Status == http.StatusInternalServerError {
					t.Errorf("%s: %s is a 500", d.name, e.name)
				}
				checkBody(t, d, e.name, a)
				wantRetry := a.Status == http.StatusServiceUnavailable || errors.Is(err, idempotency.ErrKeyInUse)
				if got := a.Header["Retry-After"]; (got == "1") != wantRetry || (got != "" && got != "1") {
					t.Errorf("%s: %s: Retry-After %q, want it: %v", d.name, e.name, got, wantRetry)
				}
			}
		}
	}
}

func checkBody(t *testing.T, d dialect, name string, a idempotency.Answer) {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(a.Body, &body); err != nil {
		t.Errorf("%s: %s: the body is not a JSON object: %s", d.name, name, a.Body)
		return
	}
	if err := d.shape(a.Status, body); err != nil {
		t.Errorf("%s: %s: %s: %v", d.name, name, a.Body, err)
	}
	if ct := a.Header["Content-Type"]; !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: %s: Content-Type %q", d.name, name, ct)
	}
}

// TestStatusesThatDifferBetweenDialects holds the three answers that the dialects give in
// their own ways, as the products they copy do.
func TestStatusesThatDifferBetweenDialects(t *testing.T) {
	tests := []struct {
		err                  error
		apps, lukittu, lago_ int
	}{
		{store.ErrVersionConflict, 409, 409, 503},
		{store.ErrAppNotFound, 404, 404, 401},
		{&store.ConflictError{Err: store.ErrEmailTaken}, 409, 409, 422},
	}
	for _, tt := range tests {
		got := [3]int{}
		for i, d := range dialects() {
			got[i] = d.render.Render(tt.err).Status
		}
		if got != [3]int{tt.apps, tt.lukittu, tt.lago_} {
			t.Errorf("%v: apps, lukittu, lago answer %v, want %v", tt.err, got, [3]int{tt.apps, tt.lukittu, tt.lago_})
		}
	}
}

// TestAnUnknownErrorIsA500 holds the rule that an error nobody foresaw is a bug: 500, no
// Retry-After, logged at ERROR as "request failed".
func TestAnUnknownErrorIsA500(t *testing.T) {
	unknown := errors.New("something nobody foresaw")
	for _, d := range dialects() {
		for _, err := range []error{unknown, fmt.Errorf("wrapped: %w", unknown), context.Canceled} {
			a := d.render.Render(err)
			if a.Status != http.StatusInternalServerError || a.Header["Retry-After"] != "" {
				t.Errorf("%s: %v is %d (Retry-After %q), want 500 without it", d.name, err, a.Status, a.Header["Retry-After"])
			}
			checkBody(t, d, "an unknown error", a)
		}
		logs := report(d, unknown)
		if !strings.Contains(logs, `"level":"ERROR","msg":"request failed"`) {
			t.Errorf("%s: an unknown error is not logged as a failed request: %s", d.name, logs)
		}
	}
}

// TestEveryKindHasARow: every kind a dialect may be asked to answer has its own row in its
// table, not the 500 of an unknown kind.
func TestEveryKindHasARow(t *testing.T) {
	for _, d := range dialects() {
		internal := d.render.Render(&problem.Error{Kind: problem.Internal})
		for _, k := range problem.Kinds() {
			if k == problem.Internal || k == problem.Replayed {
				continue
			}
			a := d.render.Render(&problem.Error{Kind: k})
			if a.Status == internal.Status && sameStart(a.Body, internal.Body) {
				t.Errorf("%s has no row for %s: %d %s", d.name, k, a.Status, a.Body)
			}
			checkBody(t, d, string(k), a)
		}
	}
}

// sameStart reports whether two bodies begin alike (Lukittu's end with a timestamp).
func sameStart(a, b []byte) bool { return bytes.Equal(a[:min(len(a), 40)], b[:min(len(b), 40)]) }

// TestReplayAnswersTheKeptAnswer: a replay is the answer its record keeps, byte for byte,
// marked Idempotent-Replayed, in every dialect; it counts IdempotentReplays.
func TestReplayAnswersTheKeptAnswer(t *testing.T) {
	header := map[string]string{"Content-Type": "application/json"}
	kept := idempotency.Answer{Status: 201, Header: header, Body: []byte(`{"x":1}`)}
	for _, d := range dialects() {
		replay := &idempotency.ReplayError{Answer: kept}
		for _, err := range []error{replay, fmt.Errorf("store: %w", replay)} {
			a := d.render.Render(err)
			if a.Status != 201 || string(a.Body) != `{"x":1}` || a.Header[idempotency.ReplayedHeader] != "true" ||
				a.Header["Content-Type"] != "application/json" {
				t.Errorf("%s: the replay is %+v", d.name, a)
			}
		}
		if kept.Header[idempotency.ReplayedHeader] != "" {
			t.Fatal("the replay changed the kept answer's headers")
		}
		if logs := report(d, &idempotency.ReplayError{Answer: kept}); !strings.Contains(logs, `"IdempotentReplays":1`) {
			t.Errorf("%s: a replay is not counted: %s", d.name, logs)
		}
	}
}

// TestKeptOutcomeAnswersItsRecord: an outcome kept under its key is answered as its record
// keeps it, byte for byte and unmarked, in every dialect, and still classifies as its error.
func TestKeptOutcomeAnswersItsRecord(t *testing.T) {
	kept := idempotency.Answer{Status: 404, Body: []byte(`{"kept":true}`)}
	for _, d := range dialects() {
		err := fmt.Errorf("store: %w", &idempotency.KeptError{Err: store.ErrNotFound, Answer: kept})
		a := d.render.Render(err)
		if a.Status != 404 || string(a.Body) != `{"kept":true}` || a.Header[idempotency.ReplayedHeader] != "" {
			t.Errorf("%s: the kept outcome is %+v", d.name, a)
		}
		if k := d.render.Problem(err).Kind; k != problem.NotFound {
			t.Errorf("%s: a kept 404 classifies as %s", d.name, k)
		}
	}
}

// TestBusyIsLoggedAndCountedOnce: a busy store is a WARN and one BusyAnswers; an outage an
// ERROR and no BusyAnswers; a client's mistake is not logged. Lago's version conflict is busy.
func TestBusyIsLoggedAndCountedOnce(t *testing.T) {
	for _, d := range dialects() {
		busy := report(d, fmt.Errorf("store: put: %w", store.ErrBusy))
		if strings.Count(busy, `"BusyAnswers":1`) != 1 || !strings.Contains(busy, `"level":"WARN","msg":"store busy"`) {
			t.Errorf("%s: busy: %s", d.name, busy)
		}
		down := report(d, store.ErrUnavailable)
		if strings.Contains(down, "BusyAnswers") || !strings.Contains(down, `"level":"ERROR","msg":"store unavailable"`) {
			t.Errorf("%s: unavailable: %s", d.name, down)
		}
		if quiet := report(d, store.ErrNotFound) + report(d, validation()); quiet != "" {
			t.Errorf("%s: a client's mistake is logged: %s", d.name, quiet)
		}
		conflict := report(d, store.ErrVersionConflict)
		if (d.name == "lago") != strings.Contains(conflict, `"BusyAnswers":1`) {
			t.Errorf("%s: a version conflict: %q", d.name, conflict)
		}
	}
}

// report is what d's Report logs of err.
func report(d dialect, err error) string {
	var buf bytes.Buffer
	ctx := telemetry.WithLogger(context.Background(), slog.New(slog.NewJSONHandler(&buf, nil)))
	d.render.Report(ctx, err)
	return buf.String()
}
