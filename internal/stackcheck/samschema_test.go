package stackcheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/clientele/clientele/internal/samtemplate"
)

// samPrefix starts the type of every resource the SAM transform expands.
const samPrefix = "AWS::Serverless::"

// samSchema is AWS SAM's own JSON Schema (draft-04), compiled for what it checks here.
type samSchema struct {
	globals   *jsonschema.Schema
	resources map[string]*jsonschema.Schema // by AWS::Serverless::* type
	events    map[string]*jsonschema.Schema // a function's events, by type
}

// loadSAMSchema compiles ../shared/contracts/sam-schema/sam.schema.json, or skips the test
// when the contracts are not beside the clone. Where the schema takes one of many kinds by
// anyOf (a resource, a function's event), each is checked against the kind its Type names:
// one kind's errors read better than those of all of them. The anyOf's fallback for
// CloudFormation's own resources, which goformation checks, holds only a Type pattern with a
// lookahead, which Go's regexp (RE2) cannot compile: that pattern is dropped.
func loadSAMSchema(t *testing.T, root string) *samSchema {
	t.Helper()
	path := filepath.Join(root, "..", "shared", "contracts", "sam-schema", "sam.schema.json")
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("AWS SAM's schema is not beside the clone (%s): the SAM resources and Globals are not validated", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	resources := kinds(t, doc, walk(doc, "properties", "Resources"))
	fn := definition(doc, walk(definition(doc, resources[samtemplate.FunctionType]), "properties", "Properties"))
	events := kinds(t, doc, walk(fn, "properties", "Events"))

	c := jsonschema.NewCompiler()
	if err := c.AddResource(path, doc); err != nil {
		t.Fatal(err)
	}
	compile := func(refs map[string]string) map[string]*jsonschema.Schema {
		out := map[string]*jsonschema.Schema{}
		for typ, ref := range refs {
			sch, err := c.Compile(path + ref)
			if err != nil {
				t.Fatalf("%s%s: %v", path, ref, err)
			}
			out[typ] = sch
		}
		return out
	}
	s := &samSchema{resources: compile(resources), events: compile(events)}
	s.globals = compile(map[string]string{"": "#/properties/Globals"})[""]
	for _, sch := range []*jsonschema.Schema{s.resources[samtemplate.FunctionType], s.resources[samtemplate.HTTPAPIType],
		s.events["HttpApi"]} {
		if sch == nil {
			t.Fatalf("%s defines no function, HTTP API or HttpApi event", path)
		}
	}
	return s
}

// kinds returns the $ref of each kind that a map of the schema (Resources, Events) takes, by
// the Type it names; it drops the pattern of a kind that names none (the fallback).
func kinds(t *testing.T, doc, m any) map[string]string {
	t.Helper()
	refs := map[string]string{}
	anyOf, _ := walk(m, "additionalProperties", "anyOf").([]any)
	for _, k := range anyOf {
		ref, _ := walk(k, "$ref").(string)
		typ, _ := walk(definition(doc, k), "properties", "Type").(map[string]any)
		if typ == nil {
			t.Fatalf("%v is not a $ref to a definition with a Type", k)
		}
		if enum, _ := typ["enum"].([]any); len(enum) == 1 {
			refs[fmt.Sprint(enum[0])] = ref
		} else {
			delete(typ, "pattern")
		}
	}
	if len(refs) == 0 {
		t.Fatalf("%v takes no kind with a Type", m)
	}
	return refs
}

// definition returns the definition that {"$ref": "#/definitions/<name>"} (or a bare
// "#/definitions/<name>") names, or nil.
func definition(doc, ref any) any {
	if r, ok := walk(ref, "$ref").(string); ok {
		ref = r
	}
	r, _ := ref.(string)
	name, ok := strings.CutPrefix(r, "#/definitions/")
	if !ok {
		return nil
	}
	return walk(doc, "definitions", name)
}

// walk follows object keys through a decoded JSON value, or returns nil.
func walk(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// check validates the template's Globals and its AWS::Serverless::* resources, each
// function's events apart, and returns how many resources it validated and an error per part
// that fails.
func (s *samSchema) check(tmpl map[string]any) (int, []error) {
	var errs []error
	if g, ok := tmpl["Globals"]; ok {
		if err := s.globals.Validate(g); err != nil {
			errs = append(errs, fmt.Errorf("Globals: %w", err))
		}
	}
	resources, _ := tmpl["Resources"].(map[string]any)
	checked := 0
	for _, id := range sortedKeys(resources) {
		r := resources[id]
		typ, _ := walk(r, "Type").(string)
		if !strings.HasPrefix(typ, samPrefix) {
			continue // goformation's (cfn_test.go)
		}
		sch, ok := s.resources[typ]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: SAM has no resource type %s", id, typ))
			continue
		}
		checked++
		events, _ := walk(r, "Properties", "Events").(map[string]any)
		if typ == samtemplate.FunctionType && events != nil {
			r = withoutEvents(r.(map[string]any))
			for _, name := range sortedKeys(events) {
				evType, _ := walk(events[name], "Type").(string)
				ev, ok := s.events[evType]
				if !ok {
					errs = append(errs, fmt.Errorf("%s.Events.%s: SAM has no event type %q", id, name, evType))
				} else if err := ev.Validate(events[name]); err != nil {
					errs = append(errs, fmt.Errorf("%s.Events.%s: %w", id, name, err))
				}
			}
		}
		if err := sch.Validate(r); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", id, err))
		}
	}
	return checked, errs
}

// withoutEvents returns a copy of a function resource without its Properties.Events.
func withoutEvents(r map[string]any) map[string]any {
	props := maps.Clone(r["Properties"].(map[string]any))
	delete(props, "Events")
	out := maps.Clone(r)
	out["Properties"] = props
	return out
}

// longForm returns the JSON value CloudFormation reads from a YAML node: a short-form
// intrinsic function (a "!Name" tag) becomes its long form, {"Ref": …}, {"Condition": …} or
// {"Fn::Name": …}, and !GetAtt "A.B" becomes ["A", "B"]; a timestamp stays a string.
func longForm(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		return longForm(n.Content[0])
	case yaml.AliasNode:
		return longForm(n.Alias)
	}
	if fn, ok := strings.CutPrefix(n.Tag, "!"); ok && !strings.HasPrefix(fn, "!") {
		var arg any = n.Value // a tagged scalar is a string
		if n.Kind != yaml.ScalarNode {
			plain := *n
			plain.Tag = ""
			var err error
			if arg, err = longForm(&plain); err != nil {
				return nil, err
			}
		}
		switch fn {
		case "Ref", "Condition":
			return map[string]any{fn: arg}, nil
		case "GetAtt":
			if s, ok := arg.(string); ok {
				resource, attr, _ := strings.Cut(s, ".")
				arg = []any{resource, attr}
			}
		}
		return map[string]any{"Fn::" + fn: arg}, nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := longForm(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			out[n.Content[i].Value] = v
		}
		return out, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := longForm(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	switch n.ShortTag() {
	case "!!int", "!!float", "!!bool", "!!null":
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
	return n.Value, nil
}

// templateJSON parses a template's text and returns it in long form.
func templateJSON(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	tmpl, err := samtemplate.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	v, err := longForm(tmpl.Root)
	if err != nil {
		t.Fatal(err)
	}
	return v.(map[string]any)
}

func TestLongFormOfIntrinsics(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{`!Ref Table`, `{"Ref":"Table"}`},
		{`!GetAtt Table.StreamArn`, `{"Fn::GetAtt":["Table","StreamArn"]}`},
		{`!GetAtt Db.Endpoint.Address`, `{"Fn::GetAtt":["Db","Endpoint.Address"]}`},
		{`!GetAtt [Table, Arn]`, `{"Fn::GetAtt":["Table","Arn"]}`},
		{`!Sub "${Table.Arn}/index/gsi2"`, `{"Fn::Sub":"${Table.Arn}/index/gsi2"}`},
		{`!Sub ["${A}-x", {A: !Ref B}]`, `{"Fn::Sub":["${A}-x",{"A":{"Ref":"B"}}]}`},
		{`!Not [!Equals [!Ref Topic, ""]]`, `{"Fn::Not":[{"Fn::Equals":[{"Ref":"Topic"},""]}]}`},
		{`!If [HasTopic, [!Ref Topic], !Ref AWS::NoValue]`,
			`{"Fn::If":["HasTopic",[{"Ref":"Topic"}],{"Ref":"AWS::NoValue"}]}`},
		{`!Condition HasTopic`, `{"Condition":"HasTopic"}`},
		{`!Ref 10`, `{"Ref":"10"}`},
		{`{"Fn::GetAtt": [Table, Arn]}`, `{"Fn::GetAtt":["Table","Arn"]}`},
		{`{a: 1, b: 2.5, c: true, d: null, e: "2.0", f: 2010-09-09, g: !!str 3}`,
			`{"a":1,"b":2.5,"c":true,"d":null,"e":"2.0","f":"2010-09-09","g":"3"}`},
		{"x: &a [1]\ny: *a", `{"x":[1],"y":[1]}`},
	} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(c.yaml), &n); err != nil {
			t.Fatalf("%s: %v", c.yaml, err)
		}
		v, err := longForm(&n)
		if err != nil {
			t.Errorf("%s: %v", c.yaml, err)
			continue
		}
		if got, err := json.Marshal(v); err != nil || string(got) != c.want {
			t.Errorf("%s: got %s (%v), want %s", c.yaml, got, err, c.want)
		}
	}
}

// TestTemplateSAMPartMatchesSAMSchema validates template.yaml's Globals and every
// AWS::Serverless::* resource against AWS SAM's own JSON Schema, short-form intrinsics
// written in their long form first. The schema leaves the properties SAM passes through to
// CloudFormation untyped (Runtime, Timeout, LoggingConfig, an event's BatchSize...): the
// values the project relies on are held by TestFunctionSettings, TestAPI and TestPurgeStream.
func TestTemplateSAMPartMatchesSAMSchema(t *testing.T) {
	p := loadProject(t)
	schema := loadSAMSchema(t, p.root)
	raw, err := os.ReadFile(filepath.Join(p.root, samtemplate.FileName))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := templateJSON(t, raw)
	checked, errs := schema.check(tmpl)
	for _, err := range errs {
		t.Error(err)
	}
	resources := 0
	for _, r := range tmpl["Resources"].(map[string]any) {
		if typ, _ := walk(r, "Type").(string); strings.HasPrefix(typ, samPrefix) {
			resources++
		}
	}
	if checked != resources || checked < len(expectedFunctions(t))+1 {
		t.Errorf("%d SAM resources validated of %d, want every function and the HTTP API", checked, resources)
	}
	if tmpl["Globals"] == nil {
		t.Error("the template has no Globals to validate")
	}

	// The check can fail: each mutation must be refused, for the property it changes.
	for _, m := range []struct {
		name, old, new string
		want           string // in the error
	}{
		{"an unknown property in a Serverless::Function",
			"      MemorySize: 512\n", "      MemorySize: 512\n      MemorySizeMB: 512\n", "MemorySizeMB"},
		{"an unknown property in the HttpApi (the REST Api's Cors)",
			"      FailOnWarnings: true\n", "      FailOnWarnings: true\n      Cors: \"'*'\"\n", "Cors"},
		{"an unknown property in the authorizer",
			"            EnableSimpleResponses: true\n",
			"            EnableSimpleResponses: true\n            EnableSimpleResponse: true\n", "EnableSimpleResponse"},
		{"an unknown property in an HttpApi event",
			"            Path: /{proxy+}\n", "            Path: /{proxy+}\n            PathPrefix: /\n", "PathPrefix"},
		{"an unknown property in Globals.Function (SAM has no global Policies)",
			"    Handler: bootstrap\n", "    Handler: bootstrap\n    Policies: []\n", "Policies"},
		{"an unknown section of Globals",
			"Globals:\n  Function:\n", "Globals:\n  Functions:\n", "Functions"},
		{"an unknown event type",
			"          Type: SQS\n", "          Type: Sqs\n", `"Sqs"`},
		{"an unknown SAM resource type",
			"Type: AWS::Serverless::HttpApi\n", "Type: AWS::Serverless::HttpAPI\n", "AWS::Serverless::HttpAPI"},
		{"a string where SAM wants an integer",
			"ReauthorizeEvery: 60\n", "ReauthorizeEvery: \"60\"\n", "ReauthorizeEvery"},
		{"a string where SAM wants a boolean",
			"EnableSimpleResponses: true\n", "EnableSimpleResponses: \"true\"\n", "EnableSimpleResponses"},
		{"a value outside an enum in Globals",
			"    Tracing: Active\n", "    Tracing: Enabled\n", "Tracing"},
		{"an intrinsic where SAM wants a literal",
			"            Method: ANY\n", "            Method: !Sub ANY\n", "Method"},
		{"a required property left out",
			"            AuthorizerPayloadFormatVersion: \"2.0\"\n", "", "AuthorizerPayloadFormatVersion"},
	} {
		t.Run(m.name, func(t *testing.T) {
			bad := strings.Replace(string(raw), m.old, m.new, 1)
			if bad == string(raw) {
				t.Fatal("the mutation changed nothing")
			}
			_, errs := schema.check(templateJSON(t, []byte(bad)))
			if len(errs) == 0 {
				t.Fatal("SAM's schema accepted it")
			}
			if msg := errors.Join(errs...).Error(); !strings.Contains(msg, m.want) {
				t.Errorf("refused, but the error does not name %s:\n%s", m.want, msg)
			}
		})
	}
}
