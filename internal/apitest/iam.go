package apitest

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/clientele/clientele/internal/routes"
)

// recorder records, per function, the DynamoDB IAM actions its calls need (the operation,
// and for TransactWriteItems the action of each item), the indexes it queries and the KMS
// actions it calls, from a middleware on the function's own clients.
type recorder struct {
	mu      sync.Mutex
	actions map[string]map[string]bool
	indexes map[string]map[string]bool
	kms     map[string]map[string]bool
}

func newRecorder() *recorder {
	return &recorder{actions: map[string]map[string]bool{}, indexes: map[string]map[string]bool{},
		kms: map[string]map[string]bool{}}
}

// recordKMS records a KMS call of fn.
func (r *recorder) recordKMS(fn, op string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	add(r.kms, fn, op)
}

func (r *recorder) option(fn string) func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.APIOptions = append(slices.Clone(o.APIOptions), func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("iamRecorder",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
					middleware.InitializeOutput, middleware.Metadata, error,
				) {
					r.record(fn, awsmiddleware.GetOperationName(ctx), in.Parameters)
					return next.HandleInitialize(ctx, in)
				}), middleware.After)
		})
	}
}

func (r *recorder) record(fn, op string, params any) {
	var actions, indexes []string
	switch p := params.(type) {
	case *dynamodb.TransactWriteItemsInput:
		for _, it := range p.TransactItems {
			switch {
			case it.Put != nil:
				actions = append(actions, "PutItem")
			case it.Update != nil:
				actions = append(actions, "UpdateItem")
			case it.Delete != nil:
				actions = append(actions, "DeleteItem")
			case it.ConditionCheck != nil:
				actions = append(actions, "ConditionCheckItem")
			}
		}
	case *dynamodb.TransactGetItemsInput:
		actions = append(actions, "GetItem")
	case *dynamodb.QueryInput:
		actions = append(actions, op)
		if p.IndexName != nil {
			indexes = append(indexes, aws.ToString(p.IndexName))
		}
	case *dynamodb.ScanInput:
		actions = append(actions, op)
		if p.IndexName != nil {
			indexes = append(indexes, aws.ToString(p.IndexName))
		}
	default:
		actions = append(actions, op)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	add(r.actions, fn, actions...)
	add(r.indexes, fn, indexes...)
}

func add(m map[string]map[string]bool, fn string, vs ...string) {
	if m[fn] == nil {
		m[fn] = map[string]bool{}
	}
	for _, v := range vs {
		m[fn][v] = true
	}
}

// merge adds what o recorded.
func (r *recorder) merge(o *recorder) {
	o.mu.Lock()
	defer o.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	for fn, as := range o.actions {
		add(r.actions, fn, slices.Collect(maps.Keys(as))...)
	}
	for fn, is := range o.indexes {
		add(r.indexes, fn, slices.Collect(maps.Keys(is))...)
	}
	for fn, ks := range o.kms {
		add(r.kms, fn, slices.Collect(maps.Keys(ks))...)
	}
}

// declaredAccess is every function's access: the HTTP routes' and the event functions'.
func declaredAccess() map[string]routes.Access {
	access := routes.EventAccess()
	for _, rt := range routes.All() {
		access[rt.Function] = rt.Access
	}
	return access
}

// ungranted says what fn called that its access does not grant: in AWS the call fails
// with AccessDenied.
func (r *recorder) ungranted(fn string, a routes.Access) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, act := range slices.Sorted(maps.Keys(r.actions[fn])) {
		if !slices.Contains(a.Actions, act) {
			out = append(out, fmt.Sprintf("function %s calls dynamodb:%s, which its policy (routes.Access) "+
				"does not grant", fn, act))
		}
	}
	for _, idx := range slices.Sorted(maps.Keys(r.indexes[fn])) {
		if !slices.Contains(a.Indexes, idx) {
			out = append(out, fmt.Sprintf("function %s queries index %s, which its policy (routes.Access) "+
				"does not grant", fn, idx))
		}
	}
	for _, act := range slices.Sorted(maps.Keys(r.kms[fn])) {
		if !slices.Contains(a.KMS, act) {
			out = append(out, fmt.Sprintf("function %s calls kms:%s, which its policy (routes.Access) "+
				"does not grant", fn, act))
		}
	}
	return out
}

// unused says what fn's access grants that fn never called: an over-grant, or a path of the
// code that the tests miss.
func (r *recorder) unused(fn string, a routes.Access) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, act := range a.Actions {
		if !r.actions[fn][act] {
			out = append(out, fmt.Sprintf("function %s is granted dynamodb:%s but no test of this package "+
				"called it: an over-grant, or a path the tests miss", fn, act))
		}
	}
	for _, idx := range a.Indexes {
		if !r.indexes[fn][idx] {
			out = append(out, fmt.Sprintf("function %s is granted index %s but no test of this package "+
				"queried it: an over-grant, or a path the tests miss", fn, idx))
		}
	}
	for _, act := range a.KMS {
		if !r.kms[fn][act] {
			out = append(out, fmt.Sprintf("function %s is granted kms:%s but no test of this package "+
				"called it: an over-grant, or a path the tests miss", fn, act))
		}
	}
	return out
}

// calls is what fn called, for the log.
func (r *recorder) calls(fn string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := fmt.Sprintf("%s: calls %s; indexes %s", fn, strings.Join(slices.Sorted(maps.Keys(r.actions[fn])), ", "),
		strings.Join(slices.Sorted(maps.Keys(r.indexes[fn])), ", "))
	if len(r.kms[fn]) > 0 {
		out += "; kms " + strings.Join(slices.Sorted(maps.Keys(r.kms[fn])), ", ")
	}
	return out
}

// checkGranted fails the test for every call of a function that its access does not grant.
func (r *recorder) checkGranted(t *testing.T) {
	t.Helper()
	access := declaredAccess()
	r.mu.Lock()
	fns := slices.Sorted(maps.Keys(r.actions))
	for fn := range r.kms {
		if r.actions[fn] == nil {
			fns = append(fns, fn)
		}
	}
	r.mu.Unlock()
	for _, fn := range fns {
		a, ok := access[fn]
		if !ok {
			t.Errorf("function %s is not in internal/routes", fn)
		}
		for _, p := range r.ungranted(fn, a) {
			t.Error(p)
		}
	}
}

// routeLog is a slog handler over the gateway's access log that keeps the route keys of
// the requests a function answered.
type routeLog struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (l *routeLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *routeLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *routeLog) WithGroup(string) slog.Handler            { return l }
func (l *routeLog) Handle(_ context.Context, r slog.Record) error {
	var key string
	var status int64
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "routeKey":
			key = a.Value.String()
		case "status":
			status = a.Value.Int64()
		}
		return true
	})
	if key != "" && status != 0 {
		l.mu.Lock()
		l.seen[key] = true
		l.mu.Unlock()
	}
	return nil
}

// runRecord is what every Env of a test binary, the tests of one package, recorded.
type runRecord struct {
	mu     sync.Mutex
	envs   int
	iam    *recorder
	served map[string]bool
}

var thisRun = &runRecord{iam: newRecorder(), served: map[string]bool{}}

func (run *runRecord) add(iam *recorder, served *routeLog) {
	run.iam.merge(iam)
	served.mu.Lock()
	defer served.mu.Unlock()
	run.mu.Lock()
	defer run.mu.Unlock()
	run.envs++
	maps.Copy(run.served, served.seen)
}

// coverage says what the run did not reach of dialect's routes, and which grants of their
// functions and of the authorizer (which every request with a key passes) it never used;
// log says what each of these functions called.
func (run *runRecord) coverage(dialect string) (problems, log []string) {
	access := declaredAccess()
	var fns []string
	run.mu.Lock()
	for _, r := range routes.All() {
		if r.Dialect.Name != dialect {
			continue
		}
		fns = append(fns, r.Function)
		if key := r.Method + " " + r.Path; !run.served[key] {
			problems = append(problems, fmt.Sprintf("no request of this package's tests reached route %s", key))
		}
	}
	run.mu.Unlock()
	if len(fns) == 0 {
		return []string{fmt.Sprintf("no route of internal/routes has the dialect %q", dialect)}, nil
	}
	for _, fn := range append(fns, routes.AuthorizerFunction) {
		log = append(log, run.iam.calls(fn))
		problems = append(problems, run.iam.unused(fn, access[fn])...)
	}
	return problems, log
}

// partialRun says why the tests run may not be all of the package's, or "".
func partialRun() string {
	for _, name := range []string{"test.run", "test.skip"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return "-" + strings.TrimPrefix(name, "test.") + " selects tests"
		}
	}
	return ""
}

// Main runs a package's tests, from its TestMain, and returns the exit code for os.Exit.
// When every test ran, it then checks that they reached every route of dialect (a
// routes.Dialect name) and that the functions of those routes, and the authorizer, called
// every DynamoDB action and index that their policies grant; it fails the run for each one
// missed (docs/development.md, "HTTP tests"). Every answer of the tests is also held to checks.
func Main(m *testing.M, dialect string, checks ...AnswerCheck) int {
	answerChecks = checks
	code := m.Run()
	why := partialRun()
	if why == "" && thisRun.envs == 0 {
		why = "no test built a stack (is DynamoDB Local there?)"
	}
	if why != "" {
		if testing.Verbose() {
			fmt.Printf("apitest: %s: the check that the %s routes and grants are all used is skipped\n", why, dialect)
		}
		return code
	}
	problems, log := thisRun.coverage(dialect)
	if testing.Verbose() {
		for _, l := range log {
			fmt.Println("apitest: " + l)
		}
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "apitest: "+p)
	}
	if len(problems) > 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "apitest: FAIL: the %s tests leave %d of its routes or grants unused\n", dialect,
			len(problems))
		return 1
	}
	return code
}
