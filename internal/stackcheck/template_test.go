package stackcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"gopkg.in/yaml.v3"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/awsclient"
	"github.com/clientele/clientele/internal/changes"
	"github.com/clientele/clientele/internal/routes"
	"github.com/clientele/clientele/internal/samtemplate"
)

// Names the template and the tests agree on.
const (
	tableID         = "Table"             // the DynamoDB table resource
	webhookKeyID    = "WebhookSecretsKey" // the KMS key that seals webhook secrets
	deliveryQueueID = "DeliveryQueue"     // the queue of webhook deliveries and their retries
	apiID           = "Api"               // the HTTP API resource
	functionsDir    = "functions"         // one folder per Lambda function
	eventsDir       = "events"            // one event per function, for sam local invoke -e
	eventSlug       = "my-app"            // the app every HTTP event targets
	runtime         = "provided.al2023"   // Go on Amazon Linux 2023, no managed runtime
	architecture    = "arm64"             // Graviton
)

// function is what internal/routes says of one folder under functions/.
type function struct {
	name   string
	route  *routes.Route // nil for an event function
	access routes.Access
}

// expectedFunctions returns every function internal/routes knows, by folder name.
func expectedFunctions(t *testing.T) map[string]function {
	t.Helper()
	out := map[string]function{}
	for _, r := range routes.All() {
		if _, dup := out[r.Function]; dup {
			t.Fatalf("routes.All lists the function %q twice", r.Function)
		}
		out[r.Function] = function{name: r.Function, route: &r, access: r.Access}
	}
	for name, access := range routes.EventAccess() {
		if _, dup := out[name]; dup {
			t.Fatalf("routes.EventAccess names %q, which routes.All also lists", name)
		}
		out[name] = function{name: name, access: access}
	}
	return out
}

// logicalID is the template's logical id of a function folder: create-customer ->
// CreateCustomerFunction. The Makefile's build-%Function rule inverts it.
func logicalID(folder string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(folder, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String() + "Function"
}

// project is the parsed template and the module root it was found in.
type project struct {
	root string
	tmpl *samtemplate.Template
}

func loadProject(t *testing.T) project {
	t.Helper()
	path, err := samtemplate.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return project{root: filepath.Dir(path), tmpl: tmpl}
}

// folders returns the folders under functions/.
func (p project) folders(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(p.root, functionsDir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// functionResources returns the template's functions by logical id.
func (p project) functionResources(t *testing.T) map[string]*samtemplate.Resource {
	t.Helper()
	fns, err := p.tmpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*samtemplate.Resource{}
	for _, fn := range fns {
		out[fn.LogicalID] = fn
	}
	return out
}

// resource returns a resource the test needs, or stops the test.
func (p project) resource(t *testing.T, id string) *samtemplate.Resource {
	t.Helper()
	r, err := p.tmpl.Resource(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	})
}

// diff describes what want has that got lacks and the other way round, or "" if none.
func diff(got, want []string) string {
	var missing, extra []string
	for _, w := range want {
		if !slices.Contains(got, w) {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			extra = append(extra, g)
		}
	}
	if missing == nil && extra == nil {
		return ""
	}
	return fmt.Sprintf("missing %q, unexpected %q", missing, extra)
}

// TestFunctionFolders holds functions/ and the template's functions to internal/routes: a
// folder for every function routes knows and no other, exactly one function resource per
// folder, and a main.go that serves its own folder's function.
func TestFunctionFolders(t *testing.T) {
	p := loadProject(t)
	want := expectedFunctions(t)
	folders := p.folders(t)
	if d := diff(folders, sortedKeys(want)); d != "" {
		t.Errorf("folders under functions/ differ from internal/routes (All and EventAccess): %s", d)
	}

	resources := p.functionResources(t)
	byID := map[string]string{} // logical id -> folder
	for _, folder := range folders {
		id := logicalID(folder)
		if other, dup := byID[id]; dup {
			t.Errorf("folders %s and %s map to the same logical id %s", other, folder, id)
		}
		byID[id] = folder
	}
	for id := range resources {
		if _, ok := byID[id]; !ok {
			t.Errorf("function resource %s has no folder under functions/ "+
				"(its logical id must be CamelCase(folder)+\"Function\")", id)
		}
	}

	// What main.go must call to serve each kind of function, as the runtime would.
	eventMain := map[string]string{
		routes.AuthorizerFunction: "authorizer.New(d.Store, d.Log).Handle",
		routes.PurgeFunction:      "purger.New(d.Store, d.Log).Handle",
		routes.IngestFunction:     "ingest.New(d.Store, d.Log).Handle",
		routes.PublishFunction:    "bus.FromEnv()",
		routes.DeliverFunction:    "deliver.FromEnv(log, awskms.MustFromEnv(log),",
	}
	for _, folder := range folders {
		t.Run(folder, func(t *testing.T) {
			if _, ok := resources[logicalID(folder)]; !ok {
				t.Errorf("template.yaml has no %s resource (Type %s)", logicalID(folder), samtemplate.FunctionType)
			}
			src, err := os.ReadFile(filepath.Join(p.root, functionsDir, folder, "main.go"))
			if err != nil {
				t.Fatal(err)
			}
			text := string(src)
			calls := []string{"package main", "lambda.Start("}
			if call, ok := eventMain[folder]; ok {
				calls = append(calls, call)
			} else {
				deps := "routes.DepsFromEnv()"
				// A route that reads no table may build no DynamoDB client (DepsWithoutTable);
				// one that does must have its store.
				if a := want[folder].access; len(a.Actions) == 0 && !a.PutEvents &&
					strings.Contains(text, "routes.DepsWithoutTable()") {
					deps = "routes.DepsWithoutTable()"
				}
				calls = append(calls, deps, "routes."+constructor(folder)+"().Handler(", "httpadapter.NewV2(")
				// A function that seals builds its sealer in main (KMS_KEY_ID); no other links KMS.
				seals := len(want[folder].access.KMS) > 0
				if seals != strings.Contains(text, "d.Sealer = awskms.MustFromEnv(d.Log)") {
					t.Errorf("main.go builds a sealer (awskms.MustFromEnv): %v, want %v, as its route seals", !seals, seals)
				}
			}
			for _, call := range calls {
				if !strings.Contains(text, call) {
					t.Errorf("main.go does not contain %s", call)
				}
			}
		})
	}
}

// constructor is the name of the routes constructor of an HTTP function: its folder's words
// in Go's spelling, so that each main links its own handler alone.
func constructor(folder string) string {
	acronyms := map[string]string{"api": "API", "id": "ID", "json": "JSON", "openapi": "OpenAPI"}
	var b strings.Builder
	for _, w := range strings.Split(folder, "-") {
		if a, ok := acronyms[w]; ok {
			b.WriteString(a)
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// TestHTTPRoutes holds the template's HttpApi events to routes.All: each HTTP function has
// exactly one, on the Api resource, with the route's method and path, public exactly when
// the route is; event functions have none.
func TestHTTPRoutes(t *testing.T) {
	p := loadProject(t)
	declared, err := p.tmpl.HTTPRoutes()
	if err != nil {
		t.Fatal(err)
	}
	byFunction := map[string][]samtemplate.HTTPRoute{}
	seen := map[string]string{} // "METHOD /path" -> function
	for _, r := range declared {
		byFunction[r.Function] = append(byFunction[r.Function], r)
		key := r.Method + " " + r.Path
		if other, dup := seen[key]; dup {
			t.Errorf("route %s is declared by both %s and %s", key, other, r.Function)
		}
		seen[key] = r.Function
	}
	want := expectedFunctions(t)
	for _, id := range sortedKeys(byFunction) {
		found := false
		for name, fn := range want {
			if logicalID(name) == id && fn.route != nil {
				found = true
			}
		}
		if !found {
			t.Errorf("%s has an HttpApi event but serves no route of routes.All", id)
		}
	}
	for _, name := range sortedKeys(want) {
		fn := want[name]
		t.Run(name, func(t *testing.T) {
			got := byFunction[logicalID(name)]
			if fn.route == nil {
				if len(got) != 0 {
					t.Errorf("event function %s has HttpApi events %v", name, got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%s has %d HttpApi events, want 1", logicalID(name), len(got))
			}
			r := got[0]
			checks := []struct {
				what      string
				got, want any
			}{
				{"Method", r.Method, fn.route.Method},
				{"Path", r.Path, fn.route.Path},
				{"public (Auth.Authorizer NONE)", r.Public(), fn.route.Public},
				{"Auth.Authorizer (the default authorizer unless public)", r.Authorizer == "" || r.Public(), true},
				{"ApiId", refTarget(r.APIID), apiID},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
				}
			}
		})
	}
}

// refTarget returns the logical id n refers to with Ref, or "".
func refTarget(n *yaml.Node) string {
	name, ok := samtemplate.Intrinsic(n)
	if !ok || name != "Ref" {
		return ""
	}
	if n.Kind == yaml.MappingNode {
		return n.Content[1].Value
	}
	return n.Value
}

// scalar returns a literal scalar's value, or "" for anything else.
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	if _, ok := samtemplate.Intrinsic(n); ok {
		return ""
	}
	return n.Value
}

// strs returns a literal string or list of strings as a list.
func strs(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{scalar(n)}
	}
	var out []string
	for _, c := range n.Content {
		out = append(out, scalar(c))
	}
	return out
}

// TestAPI checks the HTTP API: the Lambda authorizer as its default authorizer (payload 2.0,
// simple responses, cached on the Authorization header, allowed to be invoked), stage
// throttling, and the $default stage, on which rawPath is the path the client sent.
func TestAPI(t *testing.T) {
	p := loadProject(t)
	api := p.resource(t, apiID)
	props := api.Properties
	authName := scalar(samtemplate.Lookup(props, "Auth", "DefaultAuthorizer"))
	authz := samtemplate.Lookup(props, "Auth", "Authorizers", authName)
	fnArn := samtemplate.Lookup(authz, "FunctionArn")
	fnArnName, _ := samtemplate.Intrinsic(fnArn)
	stage := scalar(samtemplate.Lookup(props, "StageName"))
	invokable := scalar(samtemplate.Lookup(authz, "EnableFunctionDefaultPermissions")) == "true" ||
		samtemplate.Lookup(authz, "FunctionInvokeRole") != nil
	ttl, _ := strconv.Atoi(scalar(samtemplate.Lookup(authz, "Identity", "ReauthorizeEvery")))

	checks := []struct {
		what      string
		got, want any
	}{
		{"Type", api.Type, samtemplate.HTTPAPIType},
		{"has a DefaultAuthorizer declared under Authorizers", authz != nil, true},
		{"authorizer FunctionArn is an intrinsic GetAtt", fnArnName, "GetAtt"},
		{"authorizer FunctionArn", getAttTarget(fnArn), logicalID(routes.AuthorizerFunction) + ".Arn"},
		{"AuthorizerPayloadFormatVersion", scalar(samtemplate.Lookup(authz, "AuthorizerPayloadFormatVersion")), "2.0"},
		{"EnableSimpleResponses", scalar(samtemplate.Lookup(authz, "EnableSimpleResponses")), "true"},
		{"Identity.Headers", strings.Join(strs(samtemplate.Lookup(authz, "Identity", "Headers")), ","), "Authorization"},
		{"Identity.ReauthorizeEvery is a positive cache TTL", ttl > 0, true},
		{"API Gateway may invoke the authorizer", invokable, true},
		{"throttling rate limit set", samtemplate.Lookup(props, "DefaultRouteSettings", "ThrottlingRateLimit") != nil, true},
		{"throttling burst limit set",
			samtemplate.Lookup(props, "DefaultRouteSettings", "ThrottlingBurstLimit") != nil, true},
		{"stage is $default", stage == "" || stage == "$default", true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s %s: got %v, want %v", apiID, c.what, c.got, c.want)
		}
	}
	for _, id := range []string{"ApiUrl", "TableName"} {
		if samtemplate.Lookup(p.tmpl.Root, "Outputs", id, "Value") == nil {
			t.Errorf("Outputs has no %s", id)
		}
	}
}

// getAttTarget returns "Resource.Attribute" of a GetAtt, in any of its forms, or "".
func getAttTarget(n *yaml.Node) string {
	name, ok := samtemplate.Intrinsic(n)
	if !ok || name != "GetAtt" {
		return ""
	}
	if n.Kind == yaml.MappingNode {
		n = n.Content[1]
	}
	if n.Kind == yaml.SequenceNode {
		return strings.Join(strs(n), ".")
	}
	return n.Value
}

// subText returns the string of a Sub without variables map, or "".
func subText(n *yaml.Node) string {
	name, ok := samtemplate.Intrinsic(n)
	if !ok || name != "Sub" {
		return ""
	}
	if n.Kind == yaml.MappingNode {
		n = n.Content[1]
	}
	if n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// TestFunctionSettings checks what every function runs on and how SAM builds it: the
// provided.al2023 runtime on arm64 (through Globals or its own properties), the Makefile
// build, JSON logs, and TABLE_NAME and DYNAMODB_ENDPOINT declared in Globals so that sam
// local --env-vars can set them, the endpoint empty unless overridden.
func TestFunctionSettings(t *testing.T) {
	p := loadProject(t)
	env := p.tmpl.GlobalFunctionProperty("Environment")
	endpoint := samtemplate.Lookup(env, "Variables", awsclient.EnvDynamoDBEndpoint)
	param := samtemplate.Lookup(p.tmpl.Root, "Parameters", refTarget(endpoint))
	globals := []struct {
		what      string
		got, want any
	}{
		{"Globals.Function TABLE_NAME", refTarget(samtemplate.Lookup(env, "Variables", routes.EnvTable)), tableID},
		{"Globals.Function DYNAMODB_ENDPOINT is a parameter", param != nil, true},
		{"DYNAMODB_ENDPOINT parameter default", scalar(samtemplate.Lookup(param, "Default")), ""},
		{"DYNAMODB_ENDPOINT parameter has a default", samtemplate.Lookup(param, "Default") != nil, true},
	}
	for _, c := range globals {
		if c.got != c.want {
			t.Errorf("%s: got %#v, want %#v", c.what, c.got, c.want)
		}
	}
	want := expectedFunctions(t)
	resources := p.functionResources(t)
	for _, id := range sortedKeys(resources) {
		fn := resources[id]
		t.Run(id, func(t *testing.T) {
			prop := func(key string) *yaml.Node { return p.tmpl.FunctionProperty(fn, key) }
			timeout, _ := strconv.Atoi(scalar(prop("Timeout")))
			checks := []struct {
				what      string
				got, want any
			}{
				{"Runtime", scalar(prop("Runtime")), runtime},
				{"Architectures", strings.Join(strs(prop("Architectures")), ","), architecture},
				{"Handler", scalar(prop("Handler")), "bootstrap"},
				{"CodeUri", scalar(prop("CodeUri")), "."},
				{"Metadata.BuildMethod", scalar(samtemplate.Lookup(fn.Node, "Metadata", "BuildMethod")), "makefile"},
				{"LoggingConfig.LogFormat", scalar(samtemplate.Lookup(prop("LoggingConfig"), "LogFormat")), "JSON"},
				{"has a Timeout", timeout > 0, true},
				// SAM's schema has no Role in Globals.Function (samschema_test.go).
				{"no Role of its own (its policy is checked below)",
					fn.Properties != nil && samtemplate.Lookup(fn.Properties, "Role") == nil, true},
			}
			for name, f := range want {
				if logicalID(name) == id && f.route != nil {
					// API Gateway gives up on an integration after 30 seconds.
					checks = append(checks, struct {
						what      string
						got, want any
					}{"Timeout within API Gateway's 30 s", timeout <= 30, true})
				}
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
				}
			}
		})
	}
}

// indexActions are the DynamoDB actions that apply to an index's ARN.
var indexActions = []string{"Query", "Scan"}

// TestPolicies holds every function's IAM policy to its routes.Access: inline policy
// documents only (no managed policies or SAM policy templates, which grant more), Allow
// statements whose actions and resources, taken pair by pair, are exactly the Access's
// actions on the table plus Query on each index it names; no wildcard, no other resource.
// SAM adds AWSLambdaBasicExecutionRole (logs) to every function and, for the stream event of
// purge-app, AWSLambdaDynamoDBExecutionRole (reading streams only).
func TestPolicies(t *testing.T) {
	p := loadProject(t)
	in, err := p.tmpl.CreateTableInput(tableID, "policy-test")
	if err != nil {
		t.Fatal(err)
	}
	var gsis []string
	for _, x := range in.GlobalSecondaryIndexes {
		gsis = append(gsis, *x.IndexName)
	}
	resources := p.functionResources(t)
	want := expectedFunctions(t)
	for _, name := range sortedKeys(want) {
		fn := want[name]
		t.Run(name, func(t *testing.T) {
			for _, x := range fn.access.Indexes {
				if !slices.Contains(gsis, x) {
					t.Errorf("routes names the index %q, which the table does not have (%v)", x, gsis)
				}
			}
			r, ok := resources[logicalID(name)]
			if !ok {
				t.Skipf("no %s resource (TestFunctionFolders reports it)", logicalID(name))
			}
			got, err := grants(r)
			if err != nil {
				t.Fatal(err)
			}
			if d := diff(got, expectedGrants(fn.access)); d != "" {
				t.Errorf("policy differs from routes' Access %+v: %s", fn.access, d)
			}
		})
	}
}

// expectedGrants lists what an Access grants, as "dynamodb:Action on resource" pairs.
func expectedGrants(a routes.Access) []string {
	var out []string
	if a.PutEvents {
		out = append(out, "events:PutEvents on bus")
	}
	for _, action := range a.KMS {
		out = append(out, "kms:"+action+" on key")
	}
	if a.Enqueue {
		out = append(out, "sqs:SendMessage on queue")
	}
	for _, action := range a.Actions {
		out = append(out, "dynamodb:"+action+" on table")
		if slices.Contains(indexActions, action) {
			for _, x := range a.Indexes {
				out = append(out, "dynamodb:"+action+" on index/"+x)
			}
		}
	}
	return out
}

var indexArn = regexp.MustCompile(`^\$\{` + tableID + `\.Arn\}/index/([A-Za-z0-9_.-]+)$`)

// grants lists what a function's policies grant, as "action on resource" pairs, where a
// resource is "table" or "index/<name>"; anything it cannot account for is an error.
func grants(fn *samtemplate.Resource) ([]string, error) {
	policies := samtemplate.Lookup(fn.Properties, "Policies")
	if policies == nil {
		return nil, nil
	}
	docs := []*yaml.Node{policies}
	if policies.Kind == yaml.SequenceNode {
		docs = policies.Content
	}
	var out []string
	for _, doc := range docs {
		stmts := samtemplate.Lookup(doc, "Statement")
		if doc.Kind != yaml.MappingNode || stmts == nil {
			return nil, fmt.Errorf("line %d: only inline policy documents are allowed "+
				"(a managed policy or SAM policy template grants more than routes' Access)", doc.Line)
		}
		list := []*yaml.Node{stmts}
		if stmts.Kind == yaml.SequenceNode {
			list = stmts.Content
		}
		for _, st := range list {
			for _, banned := range []string{"NotAction", "NotResource"} {
				if samtemplate.Lookup(st, banned) != nil {
					return nil, fmt.Errorf("line %d: %s is not allowed", st.Line, banned)
				}
			}
			if e := scalar(samtemplate.Lookup(st, "Effect")); e != "Allow" {
				return nil, fmt.Errorf("line %d: Effect %q: only Allow statements are expected", st.Line, e)
			}
			actions := strs(samtemplate.Lookup(st, "Action"))
			for _, a := range actions {
				if a == "" || strings.ContainsAny(a, "*?") {
					return nil, fmt.Errorf("line %d: action %q: actions must be named one by one", st.Line, a)
				}
			}
			res := samtemplate.Lookup(st, "Resource")
			resList := []*yaml.Node{res}
			if res != nil && res.Kind == yaml.SequenceNode {
				resList = res.Content
			}
			for _, r := range resList {
				var target string
				switch {
				case r == nil:
					return nil, fmt.Errorf("line %d: statement without Resource", st.Line)
				case getAttTarget(r) == tableID+".Arn":
					target = "table"
				case getAttTarget(r) == "EventBus.Arn":
					target = "bus"
				case getAttTarget(r) == webhookKeyID+".Arn":
					target = "key"
				case getAttTarget(r) == deliveryQueueID+".Arn":
					target = "queue"
				case indexArn.MatchString(subText(r)):
					target = "index/" + indexArn.FindStringSubmatch(subText(r))[1]
				default:
					return nil, fmt.Errorf("line %d: resource %q is neither !GetAtt %s.Arn nor !Sub \"${%s.Arn}/index/<name>\"",
						r.Line, r.Value, tableID, tableID)
				}
				for _, a := range actions {
					out = append(out, a+" on "+target)
				}
			}
		}
	}
	return out, nil
}

// TestPurgeStream checks the purge-app function's event: the table's stream, from the latest
// record, in small batches whose failed records are reported one by one, retried a bounded
// number of times, and filtered to app items turning DELETING; the filter is matched against
// events/purge-app.json and must not match the same app still ACTIVE.
func TestPurgeStream(t *testing.T) {
	p := loadProject(t)
	fn := p.resource(t, logicalID(routes.PurgeFunction))
	evs, err := samtemplate.FunctionEvents(fn)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Type != "DynamoDB" {
		t.Fatalf("%s events: got %+v, want one DynamoDB event", fn.LogicalID, evs)
	}
	props := evs[0].Properties
	batch, _ := strconv.Atoi(scalar(samtemplate.Lookup(props, "BatchSize")))
	retries, err := strconv.Atoi(scalar(samtemplate.Lookup(props, "MaximumRetryAttempts")))
	checks := []struct {
		what      string
		got, want any
	}{
		{"Stream", getAttTarget(samtemplate.Lookup(props, "Stream")), tableID + ".StreamArn"},
		{"StartingPosition", scalar(samtemplate.Lookup(props, "StartingPosition")), "LATEST"},
		{"BatchSize is small", batch >= 1 && batch <= 10, true},
		{"FunctionResponseTypes", strings.Join(strs(samtemplate.Lookup(props, "FunctionResponseTypes")), ","),
			"ReportBatchItemFailures"},
		{"MaximumRetryAttempts is bounded", err == nil && retries >= 0, true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}

	filters := samtemplate.Lookup(props, "FilterCriteria", "Filters")
	if filters == nil || filters.Kind != yaml.SequenceNode || len(filters.Content) != 1 {
		t.Fatal("FilterCriteria.Filters must hold one filter")
	}
	var pattern map[string]any
	if err := json.Unmarshal([]byte(scalar(samtemplate.Lookup(filters.Content[0], "Pattern"))), &pattern); err != nil {
		t.Fatalf("filter pattern: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(p.root, eventsDir, routes.PurgeFunction+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev struct{ Records []map[string]any }
	if err := json.Unmarshal(raw, &ev); err != nil || len(ev.Records) == 0 {
		t.Fatalf("events/%s.json: %v (%d records)", routes.PurgeFunction, err, len(ev.Records))
	}
	rec := ev.Records[0]
	if !matches(pattern, rec) {
		t.Errorf("the filter %v does not match the record of events/%s.json", pattern, routes.PurgeFunction)
	}
	active := clone(t, rec)
	active["dynamodb"].(map[string]any)["NewImage"].(map[string]any)["status"] = map[string]any{"S": "ACTIVE"}
	if matches(pattern, active) {
		t.Error("the filter matches an app that is still ACTIVE")
	}
	customer := clone(t, rec)
	customer["dynamodb"].(map[string]any)["NewImage"].(map[string]any)["type"] = map[string]any{"S": "CUSTOMER"}
	if matches(pattern, customer) {
		t.Error("the filter matches an item that is not an app")
	}
}

func clone(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// matches applies a Lambda event filter pattern made of nested objects whose leaves are
// lists of accepted values (the only form the template uses) to a record.
func matches(pattern, record map[string]any) bool {
	for key, want := range pattern {
		got, ok := record[key]
		if !ok {
			return false
		}
		switch w := want.(type) {
		case map[string]any:
			sub, ok := got.(map[string]any)
			if !ok || !matches(w, sub) {
				return false
			}
		case []any:
			if !slices.ContainsFunc(w, func(v any) bool { return fmt.Sprint(v) == fmt.Sprint(got) }) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// buildFlags are what every function's build command must contain (CGO_ENABLED=0 and
// the target are checked apart): reproducible, small and without the RPC entry point.
var buildFlags = []struct {
	name string
	re   *regexp.Regexp
}{
	{"CGO_ENABLED=0", regexp.MustCompile(`(^|\s)CGO_ENABLED=0(\s|$)`)},
	{"GOOS=linux", regexp.MustCompile(`(^|\s)GOOS=linux(\s|$)`)},
	{"GOARCH=arm64", regexp.MustCompile(`(^|\s)GOARCH=arm64(\s|$)`)},
	{"-trimpath", regexp.MustCompile(`(^|\s)-trimpath(\s|$)`)},
	{`-ldflags="-s -w"`, regexp.MustCompile(`(^|\s)-ldflags[= ]["']?[^"']*-s -w`)},
	{"-tags lambda.norpc", regexp.MustCompile(`(^|\s)-tags[= ]["']?([\w.]+[, ])*lambda\.norpc\b`)},
}

// TestMakefileBuild reads the Makefile and, where make is installed, the commands `make
// build` and `make build-<LogicalId>` (what sam build runs) would run: every function is
// built with the same flags and command either way, from its own folder.
func TestMakefileBuild(t *testing.T) {
	p := loadProject(t)
	text, err := os.ReadFile(filepath.Join(p.root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, rule := range []string{"build", "build-%Function"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(rule) + `:`).Match(text) {
			t.Errorf("Makefile has no %s rule", rule)
		}
	}
	for _, f := range buildFlags {
		if !f.re.Match(text) {
			t.Errorf("Makefile never mentions %s", f.name)
		}
	}

	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed: the build commands themselves are not checked")
	}
	folders := p.folders(t)
	built := commands(t, p.root, "build")
	if d := diff(sortedKeys(built), folders); d != "" {
		t.Errorf("make build: functions built differ from functions/: %s", d)
	}
	artifacts := filepath.Join(t.TempDir(), "artifacts")
	var targets []string
	for _, folder := range folders {
		targets = append(targets, "build-"+logicalID(folder))
	}
	sam := commands(t, p.root, append(targets, "ARTIFACTS_DIR="+artifacts)...)
	for _, folder := range folders {
		t.Run(folder, func(t *testing.T) {
			cmd, ok := built[folder]
			if !ok {
				t.Fatal("make build does not build it")
			}
			if cmd.out != "bin/"+folder+"/bootstrap" {
				t.Errorf("make build writes %s, want bin/%s/bootstrap", cmd.out, folder)
			}
			for _, f := range buildFlags {
				if !f.re.MatchString(cmd.line) {
					t.Errorf("make build: %q lacks %s", cmd.line, f.name)
				}
			}
			samCmd, ok := sam[folder]
			if !ok {
				t.Fatalf("make %s does not build functions/%s", "build-"+logicalID(folder), folder)
			}
			if samCmd.out != filepath.Join(artifacts, "bootstrap") {
				t.Errorf("make build-%s writes %s, want $ARTIFACTS_DIR/bootstrap", logicalID(folder), samCmd.out)
			}
			if samCmd.line != cmd.line {
				t.Errorf("sam build and make build differ:\n  make build-%s: %s\n  make build: %s",
					logicalID(folder), samCmd.line, cmd.line)
			}
		})
	}
}

// buildCommand is one go build line of `make -n`, its output path cut out.
type buildCommand struct {
	line string // the command without "-o <out>"
	out  string
}

var outputArg = regexp.MustCompile(`\s-o\s+("[^"]*"|'[^']*'|\S+)`)

// commands returns the go build commands `make -n args...` would run, by the functions/
// folder each builds.
func commands(t *testing.T, root string, args ...string) map[string]buildCommand {
	t.Helper()
	cmd := exec.Command("make", append([]string{"-n", "--no-print-directory"}, args...)...)
	cmd.Dir = root
	// A make above this test (make test) must not hand its flags or job server down.
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "MAKEFLAGS=") || strings.HasPrefix(kv, "MFLAGS=") || strings.HasPrefix(kv, "MAKELEVEL=")
	})
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("make -n %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	pkg := regexp.MustCompile(`\s\./` + functionsDir + `/([a-z0-9-]+)\s*$`)
	res := map[string]buildCommand{}
	for line := range strings.Lines(string(out)) {
		line = strings.TrimSpace(line)
		m := pkg.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		o := outputArg.FindStringSubmatch(line)
		if o == nil {
			t.Errorf("make -n %s: no -o in %q", args[0], line)
			continue
		}
		if _, dup := res[m[1]]; dup {
			t.Errorf("make -n %s builds functions/%s twice", args[0], m[1])
		}
		res[m[1]] = buildCommand{line: strings.Replace(line, o[0], "", 1), out: strings.Trim(o[1], `"'`)}
	}
	return res
}

// decodeStrict decodes a JSON file into v, refusing fields v does not have (a misspelt
// field would be silently dropped by the runtime's decoder).
func decodeStrict(t *testing.T, path string, v any) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	return raw
}

// pathPattern turns an API Gateway path into a regexp with a group per parameter, and
// returns the parameters' names.
func pathPattern(path string) (*regexp.Regexp, []string) {
	var names []string
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		name, ok := strings.CutPrefix(seg, "{")
		if name, ok = strings.CutSuffix(name, "}"); !ok {
			segs[i] = regexp.QuoteMeta(seg)
			continue
		}
		if greedy, ok := strings.CutSuffix(name, "+"); ok {
			names = append(names, greedy)
			segs[i] = `(.+)`
			continue
		}
		names = append(names, name)
		segs[i] = `([^/]+)`
	}
	return regexp.MustCompile("^" + strings.Join(segs, "/") + "$"), names
}

// TestEventFiles holds events/ to the functions: one file per function and no other, each
// one the event API Gateway (or the stream) would send that function: an HTTP event with
// its route's key, a path that matches the route and the path parameters API Gateway
// would extract from it, the account key's authorizer context exactly when the route is
// not public, targeting the app my-app.
func TestEventFiles(t *testing.T) {
	p := loadProject(t)
	want := expectedFunctions(t)
	files, err := filepath.Glob(filepath.Join(p.root, eventsDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	if d := diff(names, sortedKeys(want)); d != "" {
		t.Errorf("events/*.json differ from the functions: %s", d)
	}
	for _, name := range sortedKeys(want) {
		fn := want[name]
		path := filepath.Join(p.root, eventsDir, name+".json")
		t.Run(name, func(t *testing.T) {
			switch {
			case fn.route != nil:
				var ev events.APIGatewayV2HTTPRequest
				decodeStrict(t, path, &ev)
				checkHTTPEvent(t, *fn.route, ev)
			case name == routes.AuthorizerFunction:
				var ev events.APIGatewayV2CustomAuthorizerV2Request
				decodeStrict(t, path, &ev)
				if ev.Version != "2.0" || ev.Type != "REQUEST" {
					t.Errorf("version %q type %q, want 2.0 REQUEST", ev.Version, ev.Type)
				}
				if _, ok := auth.BearerToken(ev.Headers["authorization"]); !ok {
					t.Errorf("authorization header %q is not a Bearer token", ev.Headers["authorization"])
				}
				if len(ev.IdentitySource) != 1 || ev.IdentitySource[0] != ev.Headers["authorization"] {
					t.Errorf("identitySource %q must be the Authorization header", ev.IdentitySource)
				}
			case name == routes.PurgeFunction:
				var ev events.DynamoDBEvent
				decodeStrict(t, path, &ev)
				if len(ev.Records) == 0 {
					t.Fatal("no records")
				}
				img := ev.Records[0].Change.NewImage
				id := img["id"].String()
				for attr, v := range map[string]string{
					"pk": "APP#" + id, "sk": "#META", "type": "APP", "status": "DELETING", "slug": eventSlug,
				} {
					if img[attr].DataType() != events.DataTypeString || img[attr].String() != v {
						t.Errorf("NewImage.%s: want %q", attr, v)
					}
				}
			case name == routes.IngestFunction:
				var ev events.SQSEvent
				decodeStrict(t, path, &ev)
				if len(ev.Records) == 0 || len(ev.Records) > 10 {
					t.Fatalf("%d records, want a batch of 1 to 10", len(ev.Records))
				}
				for _, r := range ev.Records {
					if r.MessageId == "" || r.EventSource != "aws:sqs" || !json.Valid([]byte(r.Body)) {
						t.Errorf("record %+v: want a message id, aws:sqs and a JSON command", r)
					}
				}
			case name == routes.PublishFunction:
				var ev events.DynamoDBEvent
				decodeStrict(t, path, &ev)
				if len(ev.Records) == 0 {
					t.Fatal("no records")
				}
				for _, r := range ev.Records {
					if r.EventSource != "aws:dynamodb" || r.Change.SequenceNumber == "" {
						t.Errorf("record %s: want aws:dynamodb with a sequence number", r.EventID)
					}
				}
			case name == routes.DeliverFunction:
				var ev events.SQSEvent
				decodeStrict(t, path, &ev)
				if len(ev.Records) == 0 || len(ev.Records) > 10 {
					t.Fatalf("%d records, want a batch of 1 to 10", len(ev.Records))
				}
				for _, r := range ev.Records {
					var body events.EventBridgeEvent
					err := json.Unmarshal([]byte(r.Body), &body)
					if r.MessageId == "" || r.EventSource != "aws:sqs" || err != nil || body.Source != changes.Source ||
						!strings.HasPrefix(body.DetailType, "customer.") || !json.Valid(body.Detail) {
						t.Errorf("record %s: want aws:sqs with a whole customer change event as its body (%v)", r.MessageId, err)
					}
				}
			default:
				t.Fatalf("no check for the event function %s", name)
			}
		})
	}
}

func checkHTTPEvent(t *testing.T, r routes.Route, ev events.APIGatewayV2HTTPRequest) {
	t.Helper()
	routeKey := r.Method + " " + r.Path
	re, names := pathPattern(r.Path)
	m := re.FindStringSubmatch(ev.RawPath)
	if m == nil {
		t.Fatalf("rawPath %q does not match the route's path %s", ev.RawPath, r.Path)
	}
	params := map[string]string{}
	for i, n := range names {
		params[n] = m[i+1]
	}
	if len(params) == 0 {
		params = nil
	}
	query, err := url.ParseQuery(ev.RawQueryString)
	if err != nil {
		t.Errorf("rawQueryString: %v", err)
	}
	var flat map[string]string // as API Gateway passes them: repeated values joined by commas
	for k, v := range query {
		if flat == nil {
			flat = map[string]string{}
		}
		flat[k] = strings.Join(v, ",")
	}
	wantMethod := r.Method
	if r.Method == routes.CatchAllMethod {
		wantMethod = ev.RequestContext.HTTP.Method // any method
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"version", ev.Version, "2.0"},
		{"routeKey", ev.RouteKey, routeKey},
		{"requestContext.routeKey", ev.RequestContext.RouteKey, routeKey},
		{"requestContext.stage", ev.RequestContext.Stage, "$default"},
		{"requestContext.http.method", ev.RequestContext.HTTP.Method, wantMethod},
		{"requestContext.http.method is set", ev.RequestContext.HTTP.Method != "", true},
		{"requestContext.http.path", ev.RequestContext.HTTP.Path, ev.RawPath},
		{"requestContext.requestId is set", ev.RequestContext.RequestID != "", true},
		{"pathParameters", fmt.Sprint(ev.PathParameters), fmt.Sprint(params)},
		{"queryStringParameters match rawQueryString", fmt.Sprint(ev.QueryStringParameters), fmt.Sprint(flat)},
		{"body is not base64", ev.IsBase64Encoded, false},
	}
	if _, ok := params["slug"]; ok {
		checks = append(checks, struct {
			what      string
			got, want any
		}{"slug", params["slug"], eventSlug})
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
	for k := range ev.Headers {
		if k != strings.ToLower(k) {
			t.Errorf("header %q: API Gateway sends header names in lower case", k)
		}
	}
	if ev.Body != "" && !strings.HasPrefix(ev.Headers["content-type"], "application/json") {
		t.Errorf("a body without content-type application/json")
	}
	if ev.Body != "" && !json.Valid([]byte(ev.Body)) {
		t.Errorf("body is not JSON: %s", ev.Body)
	}
	authz := ev.RequestContext.Authorizer
	if r.Public {
		if authz != nil {
			t.Error("a public route gets no authorizer context")
		}
		return
	}
	if authz == nil {
		t.Fatal("requestContext.authorizer.lambda is missing: the authorizer runs before every non-public route")
	}
	// Lago has one key per organization: its events carry an app's secret key; the other
	// dialects' events carry the account key.
	wantKind := auth.Account
	if strings.HasPrefix(r.Function, "lago-") {
		wantKind = auth.Secret
	}
	p, ok := auth.PrincipalFromAuthorizer(authz.Lambda)
	if !ok || p.Kind != wantKind {
		t.Errorf("requestContext.authorizer.lambda %v is not the context of a %s key", authz.Lambda, wantKind)
	}
	if got, want := fmt.Sprint(authz.Lambda), fmt.Sprint(p.AuthorizerContext()); got != want {
		t.Errorf("requestContext.authorizer.lambda %s, want what the authorizer returns: %s", got, want)
	}
}
