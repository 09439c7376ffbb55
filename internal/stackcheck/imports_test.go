package stackcheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The libraries the design names, by import path.
const (
	pkgLambda         = "github.com/aws/aws-lambda-go/lambda"
	pkgEvents         = "github.com/aws/aws-lambda-go/events"
	pkgHTTPAdapter    = "github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	pkgDynamoDB       = "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	pkgAttributeValue = "github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	pkgEventBridge    = "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	pkgKMS            = "github.com/aws/aws-sdk-go-v2/service/kms"
	pkgSQS            = "github.com/aws/aws-sdk-go-v2/service/sqs"
	pkgConfig         = "github.com/aws/aws-sdk-go-v2/config"
	pkgJSON           = "encoding/json"
)

// testOnly are the project's packages that hold test harnesses: they are imported by tests
// only, never linked into a function.
var testOnly = []string{
	"github.com/clientele/clientele/internal/apitest",
	"github.com/clientele/clientele/internal/dynamotest",
	"github.com/clientele/clientele/internal/store/storetest",
	"github.com/clientele/clientele/internal/webhook/webhooktest",
}

// TestFunctionsLinkTheDesignsLibraries holds each function's import graph (go list -deps) to
// the design: every function runs on aws-lambda-go; the HTTP ones through api-proxy's
// httpadapter, the event ones on aws-lambda-go's events types; every function that calls
// DynamoDB does so through the SDK's service/dynamodb with items mapped by attributevalue;
// the publisher calls EventBridge through service/eventbridge. None links the SDK's config
// package (config.LoadDefaultConfig doubles a function's init), and the DynamoDB functions
// do not link the EventBridge client, whose package initialisation every cold start would pay;
// only the functions that seal webhook secrets link service/kms.
// No function links a test harness (testOnly).
func TestFunctionsLinkTheDesignsLibraries(t *testing.T) {
	p := loadProject(t)
	funcs := expectedFunctions(t)
	for _, folder := range p.folders(t) {
		t.Run(folder, func(t *testing.T) {
			c := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}",
				"./"+functionsDir+"/"+folder)
			c.Dir = p.root
			out, err := c.Output()
			if err != nil {
				t.Fatalf("go list -deps: %v", err)
			}
			deps := map[string]bool{pkgJSON: true} // the standard library is left out of the list
			for line := range strings.Lines(string(out)) {
				deps[strings.TrimSpace(line)] = true
			}
			fn, known := funcs[folder]
			if !known {
				t.Fatalf("internal/routes does not know the function")
			}
			want := []string{pkgLambda}
			if fn.route != nil {
				want = append(want, pkgHTTPAdapter)
			} else {
				want = append(want, pkgEvents)
			}
			if len(fn.access.Actions) > 0 {
				want = append(want, pkgDynamoDB, pkgAttributeValue)
			}
			if fn.access.PutEvents {
				want = append(want, pkgEventBridge)
			}
			if len(fn.access.KMS) > 0 {
				want = append(want, pkgKMS)
			}
			if fn.access.Enqueue {
				want = append(want, pkgSQS)
			}
			for _, pkg := range want {
				if !deps[pkg] {
					t.Errorf("does not link %s", pkg)
				}
			}
			if deps[pkgConfig] {
				t.Errorf("links %s: the functions build their clients from Lambda's environment (internal/awsclient)", pkgConfig)
			}
			if !fn.access.PutEvents && deps[pkgEventBridge] {
				t.Errorf("links %s without publishing events", pkgEventBridge)
			}
			if len(fn.access.KMS) == 0 && deps[pkgKMS] {
				t.Errorf("links %s without sealing webhook secrets", pkgKMS)
			}
			if !fn.access.Enqueue && deps[pkgSQS] {
				t.Errorf("links %s without sending deliveries", pkgSQS)
			}
			for _, pkg := range testOnly {
				if deps[pkg] {
					t.Errorf("links %s, a harness for tests", pkg)
				}
			}
		})
	}
}

// handWritten lists what only code that replaces a library the design names would write:
// string constants of AWS's request signing and JSON protocol, and methods that code JSON
// by hand.
var (
	protocolStrings = []string{"AWS4-HMAC-SHA256", "aws4_request", "X-Amz-Target", "x-amz-json-1", "X-Amz-Date"}
	codecMethods    = []string{"MarshalJSON", "UnmarshalJSON", "AppendJSON", "UnmarshalText", "MarshalText"}
)

// TestNoHandWrittenLibraries reads every non-test Go file of the project: none signs AWS
// requests or speaks AWS's JSON protocol (the SDK does), none codes JSON by hand
// (encoding/json does), and none but internal/store, the one package that knows item
// shapes, builds or reads DynamoDB attribute values, which it maps to its item types with
// attributevalue.
func TestNoHandWrittenLibraries(t *testing.T) {
	p := loadProject(t)
	fset := token.NewFileSet()
	files := 0
	storeUsesAttributeValue := false
	err := filepath.WalkDir(p.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(p.root, path)
		if d.IsDir() {
			if name := d.Name(); rel != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		inStore := filepath.ToSlash(filepath.Dir(rel)) == "internal/store"
		yardstick := strings.HasPrefix(filepath.ToSlash(rel), "cmd/coldstart/") // the benchmark's GetItem of one key
		for _, imp := range f.Imports {
			if v, _ := strconv.Unquote(imp.Path.Value); v == pkgAttributeValue && inStore {
				storeUsesAttributeValue = true
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if n.Kind != token.STRING {
					break
				}
				for _, s := range protocolStrings {
					if strings.Contains(strings.ToLower(n.Value), strings.ToLower(s)) {
						t.Errorf("%s: %q: AWS's signing or JSON protocol, written by hand", fset.Position(n.Pos()), s)
					}
				}
			case *ast.FuncDecl:
				for _, m := range codecMethods {
					if n.Recv != nil && n.Name.Name == m {
						t.Errorf("%s: method %s: JSON coded by hand", fset.Position(n.Pos()), m)
					}
				}
			case *ast.SelectorExpr:
				if strings.HasPrefix(n.Sel.Name, "AttributeValueMember") && !inStore && !yardstick {
					t.Errorf("%s: %s outside internal/store", fset.Position(n.Pos()), n.Sel.Name)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("read %d Go files, fewer than the project has", files)
	}
	if !storeUsesAttributeValue {
		t.Errorf("internal/store does not import %s", pkgAttributeValue)
	}
}
