package samtemplate

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Types of the SAM resources read here.
const (
	FunctionType = "AWS::Serverless::Function"
	HTTPAPIType  = "AWS::Serverless::HttpApi"
)

// Functions returns the template's AWS::Serverless::Function resources in
// document order.
func (t *Template) Functions() ([]*Resource, error) {
	all, err := t.Resources()
	if err != nil {
		return nil, err
	}
	var out []*Resource
	for _, r := range all {
		if r.Type == FunctionType {
			out = append(out, r)
		}
	}
	return out, nil
}

// FunctionProperty returns the property key of a function as SAM deploys it:
// the function's own value, else the one in Globals.Function, else nil. It
// does not merge a mapping found in both (SAM does, for Environment for
// example): read [Template.GlobalFunctionProperty] for the global part.
func (t *Template) FunctionProperty(fn *Resource, key string) *yaml.Node {
	if v := Lookup(fn.Properties, key); v != nil {
		return v
	}
	return t.GlobalFunctionProperty(key)
}

// GlobalFunctionProperty returns Globals.Function.<key>, or nil.
func (t *Template) GlobalFunctionProperty(key string) *yaml.Node {
	return Lookup(t.Root, "Globals", "Function", key)
}

// Event is one entry of a function's Events.
type Event struct {
	Name       string
	Type       string     // HttpApi, DynamoDB, SQS, ...
	Properties *yaml.Node // nil when it has none
}

// FunctionEvents returns the events of a function in document order.
func FunctionEvents(fn *Resource) ([]Event, error) {
	events := Lookup(fn.Properties, "Events")
	if events == nil {
		return nil, nil
	}
	if events.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("samtemplate: line %d: %s.Events is not a mapping", events.Line, fn.LogicalID)
	}
	var out []Event
	for i := 0; i+1 < len(events.Content); i += 2 {
		name := events.Content[i].Value
		n := resolve(events.Content[i+1])
		typ := Lookup(n, "Type")
		if typ == nil || typ.Kind != yaml.ScalarNode || typ.Value == "" {
			return nil, fmt.Errorf("samtemplate: line %d: event %s.%s has no Type", n.Line, fn.LogicalID, name)
		}
		out = append(out, Event{Name: name, Type: typ.Value, Properties: Lookup(n, "Properties")})
	}
	return out, nil
}

// HTTPRoute is an HttpApi event of a function: a route of an HTTP API.
type HTTPRoute struct {
	Function string // logical id of the function
	Event    string // name of the event
	// Method and Path are as written (GET, ..., ANY; /api/v1/apps/{slug},
	// /{proxy+}); both are empty for an event that serves the API's $default
	// route.
	Method string
	Path   string
	// Authorizer is the event's Auth.Authorizer: "" for the API's default
	// authorizer, "NONE" for a public route, else an authorizer's name.
	Authorizer string
	// APIID is the event's ApiId (for example !Ref Api), nil for SAM's
	// implicit API.
	APIID *yaml.Node
}

// Public reports whether the route is served without an authorizer.
func (r HTTPRoute) Public() bool { return r.Authorizer == "NONE" }

// HTTPRoutes returns every HttpApi event of every function, in document order.
func (t *Template) HTTPRoutes() ([]HTTPRoute, error) {
	fns, err := t.Functions()
	if err != nil {
		return nil, err
	}
	var out []HTTPRoute
	for _, fn := range fns {
		events, err := FunctionEvents(fn)
		if err != nil {
			return nil, err
		}
		for _, ev := range events {
			if ev.Type != "HttpApi" {
				continue
			}
			r := HTTPRoute{Function: fn.LogicalID, Event: ev.Name, APIID: Lookup(ev.Properties, "ApiId")}
			where := fn.LogicalID + ".Events." + ev.Name
			if r.Method, err = literalString(ev.Properties, where, "Method"); err != nil {
				return nil, err
			}
			if r.Path, err = literalString(ev.Properties, where, "Path"); err != nil {
				return nil, err
			}
			if r.Authorizer, err = literalString(ev.Properties, where, "Auth", "Authorizer"); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// literalString returns the string at path under n, "" when it is absent, or
// an error when it is not a literal string (an intrinsic function, a list).
func literalString(n *yaml.Node, where string, path ...string) (string, error) {
	v := Lookup(n, path...)
	if v == nil {
		return "", nil
	}
	if _, ok := Intrinsic(v); ok || v.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("samtemplate: line %d: %s.%s must be a literal string", v.Line, where, strings.Join(path, "."))
	}
	return v.Value, nil
}
