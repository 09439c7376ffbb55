package gateway

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/clientele/clientele/internal/routes"
	"github.com/clientele/clientele/internal/samtemplate"
)

// LogicalID is the template's logical id of the function in functions/<folder>:
// CamelCase(folder) + "Function" (find-customer-by-external-id ->
// FindCustomerByExternalIdFunction).
func LogicalID(folder string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(folder, "-") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]))
		b.WriteString(part[1:])
	}
	return b.String() + "Function"
}

// FromTemplate reads the HTTP API that template.yaml deploys: every HttpApi event of every
// AWS::Serverless::Function is a route (its Method, its Path, public when Auth.Authorizer is
// NONE), served by the handler internal/routes has for the function's folder; and the API's
// default authorizer, with its identity headers and ReauthorizeEvery. A route whose function
// has no HTTP handler in internal/routes is an error, as is anything the gateway could not
// serve as API Gateway would (another authorizer, an identity source other than headers,
// routes on several APIs).
func FromTemplate(t *samtemplate.Template) (API, error) {
	folders := map[string]string{} // logical id -> folder
	for _, r := range routes.All() {
		folders[LogicalID(r.Function)] = r.Function
	}
	hrs, err := t.HTTPRoutes()
	if err != nil {
		return API{}, err
	}
	var api API
	apiID := ""
	for _, hr := range hrs {
		where := hr.Function + ".Events." + hr.Event
		id, err := apiRef(hr.APIID)
		if err != nil {
			return API{}, fmt.Errorf("gateway: %s: %w", where, err)
		}
		if apiID == "" {
			apiID = id
		} else if id != apiID {
			return API{}, fmt.Errorf("gateway: %s: routes on two HTTP APIs (%s and %s); the gateway serves one",
				where, apiID, id)
		}
		folder, ok := folders[hr.Function]
		if !ok {
			return API{}, fmt.Errorf(
				"gateway: %s: function %s has an HttpApi event, but internal/routes has no HTTP function %q",
				where, hr.Function, kebab(strings.TrimSuffix(hr.Function, "Function")))
		}
		if hr.Method == "" || hr.Path == "" {
			return API{}, fmt.Errorf("gateway: %s: the $default route (no Method or Path) is not supported", where)
		}
		r, err := routes.Find(folder)
		if err != nil {
			return API{}, err
		}
		r.Method, r.Path = strings.ToUpper(hr.Method), hr.Path
		r.Public = hr.Public()
		if !r.Public && hr.Authorizer != "" {
			// Checked against the API's default below.
			if err := checkAuthorizerName(t, apiID, hr.Authorizer); err != nil {
				return API{}, fmt.Errorf("gateway: %s: %w", where, err)
			}
		}
		api.Routes = append(api.Routes, r)
	}
	if api.Timeouts, err = timeouts(t); err != nil {
		return API{}, err
	}
	if len(api.Routes) == 0 {
		return API{}, fmt.Errorf("gateway: the template declares no HttpApi route")
	}
	needsAuth := false
	for _, r := range api.Routes {
		needsAuth = needsAuth || !r.Public
	}
	if !needsAuth {
		return api, nil
	}
	if api.Authorizer, err = defaultAuthorizer(t, apiID); err != nil {
		return API{}, err
	}
	return api, nil
}

// timeouts are the Timeout of every function of the template that internal/routes knows, by folder.
func timeouts(t *samtemplate.Template) (map[string]time.Duration, error) {
	fns, err := t.Functions()
	if err != nil {
		return nil, err
	}
	out := map[string]time.Duration{}
	for _, fn := range fns {
		n := t.FunctionProperty(fn, "Timeout")
		if n == nil {
			continue
		}
		secs, err := strconv.Atoi(n.Value)
		if err != nil || secs < 1 {
			return nil, fmt.Errorf("gateway: %s: Timeout %q is not a whole number of seconds", fn.LogicalID, n.Value)
		}
		out[kebab(strings.TrimSuffix(fn.LogicalID, "Function"))] = time.Duration(secs) * time.Second
	}
	return out, nil
}

// implicitAPI stands for SAM's implicit HTTP API (events without ApiId).
const implicitAPI = "ServerlessHttpApi"

// apiRef returns the logical id an event's ApiId refers to (!Ref Api or {"Ref": "Api"}).
func apiRef(n *yaml.Node) (string, error) {
	if n == nil {
		return implicitAPI, nil
	}
	name, ok := samtemplate.Intrinsic(n)
	if !ok || name != "Ref" {
		return "", fmt.Errorf("line %d: ApiId must be a Ref to an AWS::Serverless::HttpApi", n.Line)
	}
	if n.Kind == yaml.ScalarNode {
		return n.Value, nil
	}
	if v := samtemplate.Lookup(n, "Ref"); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value, nil
	}
	return "", fmt.Errorf("line %d: ApiId must be a Ref to an AWS::Serverless::HttpApi", n.Line)
}

// apiAuth returns the Auth mapping of the HTTP API (Globals.HttpApi.Auth for the implicit
// one).
func apiAuth(t *samtemplate.Template, apiID string) (*yaml.Node, error) {
	if apiID == implicitAPI {
		return samtemplate.Lookup(t.Root, "Globals", "HttpApi", "Auth"), nil
	}
	res, err := t.Resource(apiID)
	if err != nil {
		return nil, err
	}
	if res.Type != samtemplate.HTTPAPIType {
		return nil, fmt.Errorf("gateway: %s is a %s, not an %s", apiID, res.Type, samtemplate.HTTPAPIType)
	}
	return samtemplate.Lookup(res.Properties, "Auth"), nil
}

func checkAuthorizerName(t *samtemplate.Template, apiID, name string) error {
	auth, err := apiAuth(t, apiID)
	if err != nil {
		return err
	}
	def := samtemplate.Lookup(auth, "DefaultAuthorizer")
	if def == nil || def.Value != name {
		return fmt.Errorf("route authorizer %q is not the API's default authorizer: the gateway runs only that one", name)
	}
	return nil
}

// defaultAuthorizer reads the API's default Lambda authorizer.
func defaultAuthorizer(t *samtemplate.Template, apiID string) (Authorizer, error) {
	auth, err := apiAuth(t, apiID)
	if err != nil {
		return Authorizer{}, err
	}
	def := samtemplate.Lookup(auth, "DefaultAuthorizer")
	if def == nil || def.Kind != yaml.ScalarNode || def.Value == "" {
		return Authorizer{}, fmt.Errorf("gateway: API %s has routes with an authorizer but no Auth.DefaultAuthorizer", apiID)
	}
	a := samtemplate.Lookup(auth, "Authorizers", def.Value)
	if a == nil {
		return Authorizer{}, fmt.Errorf("gateway: API %s: authorizer %s is not declared in Auth.Authorizers",
			apiID, def.Value)
	}
	where := apiID + ".Auth.Authorizers." + def.Value
	fnArn := samtemplate.Lookup(a, "FunctionArn")
	fnID, err := getAttArn(fnArn)
	if err != nil {
		return Authorizer{}, fmt.Errorf("gateway: %s.FunctionArn: %w", where, err)
	}
	if v := samtemplate.Lookup(a, "AuthorizerPayloadFormatVersion"); v == nil || v.Value != "2.0" {
		return Authorizer{}, fmt.Errorf("gateway: %s: AuthorizerPayloadFormatVersion must be \"2.0\"", where)
	}
	if v := samtemplate.Lookup(a, "EnableSimpleResponses"); v == nil || v.Value != "true" {
		return Authorizer{}, fmt.Errorf("gateway: %s: EnableSimpleResponses must be true", where)
	}
	out := Authorizer{Function: kebab(strings.TrimSuffix(fnID, "Function"))}
	identity := samtemplate.Lookup(a, "Identity")
	for _, other := range []string{"QueryStrings", "StageVariables", "Context"} {
		if samtemplate.Lookup(identity, other) != nil {
			return Authorizer{}, fmt.Errorf("gateway: %s.Identity.%s: only header identity sources are supported", where, other)
		}
	}
	if hs := samtemplate.Lookup(identity, "Headers"); hs != nil {
		if hs.Kind != yaml.SequenceNode {
			return Authorizer{}, fmt.Errorf("gateway: line %d: %s.Identity.Headers must be a list", hs.Line, where)
		}
		for _, h := range hs.Content {
			if h.Kind != yaml.ScalarNode || h.Value == "" {
				return Authorizer{}, fmt.Errorf("gateway: line %d: %s.Identity.Headers must list header names", h.Line, where)
			}
			out.IdentityHeaders = append(out.IdentityHeaders, h.Value)
		}
	}
	if len(out.IdentityHeaders) == 0 {
		return Authorizer{}, fmt.Errorf("gateway: %s: Identity.Headers is empty: the gateway needs an identity header", where)
	}
	if v := samtemplate.Lookup(identity, "ReauthorizeEvery"); v != nil {
		n, err := strconv.Atoi(v.Value)
		if err != nil || n < 0 || n > 3600 {
			return Authorizer{}, fmt.Errorf("gateway: line %d: %s.Identity.ReauthorizeEvery must be 0 to 3600 seconds",
				v.Line, where)
		}
		out.ReauthorizeEvery = time.Duration(n) * time.Second
	}
	return out, nil
}

// getAttArn returns X of !GetAtt X.Arn (or {"Fn::GetAtt": [X, Arn]}).
func getAttArn(n *yaml.Node) (string, error) {
	if name, ok := samtemplate.Intrinsic(n); !ok || name != "GetAtt" {
		return "", fmt.Errorf("must be !GetAtt <Function>.Arn")
	}
	switch {
	case n.Kind == yaml.ScalarNode:
		if id, ok := strings.CutSuffix(n.Value, ".Arn"); ok {
			return id, nil
		}
	case n.Kind == yaml.SequenceNode && len(n.Content) == 2:
		if n.Content[1].Value == "Arn" {
			return n.Content[0].Value, nil
		}
	case n.Kind == yaml.MappingNode:
		if v := samtemplate.Lookup(n, "Fn::GetAtt"); v != nil && v.Kind == yaml.SequenceNode &&
			len(v.Content) == 2 && v.Content[1].Value == "Arn" {
			return v.Content[0].Value, nil
		}
		if v := samtemplate.Lookup(n, "Fn::GetAtt"); v != nil && v.Kind == yaml.ScalarNode {
			if id, ok := strings.CutSuffix(v.Value, ".Arn"); ok {
				return id, nil
			}
		}
	}
	return "", fmt.Errorf("must be !GetAtt <Function>.Arn")
}

// kebab turns a CamelCase name into the folder's kebab-case (PurgeApp -> purge-app).
func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		if 'A' <= r && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
