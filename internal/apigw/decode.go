package apigw

import (
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/clientele/clientele/internal/jsontext"
)

// The decoder reads what encoding/json's Unmarshal accepts and fills the events types as
// it fills them: keys match field names exactly, else case-insensitively; unknown keys are
// skipped; null leaves a string, number, bool or struct as it is and sets a map, slice or
// pointer to nil; a key given twice decodes twice into the same field (so maps merge);
// strings are unescaped as encoding/json unescapes them (invalid UTF-8 and lone surrogates
// become U+FFFD); values of interface{} type are map[string]interface{}, []interface{},
// string, float64, bool or nil.
//
// It is not a port of encoding/json, which validates the whole input before decoding:
// it stops at the first error, syntax or type. Errors never come with a usable value.

type decoder struct {
	jsontext.Decoder
}

// decodeRequest decodes an HTTP API event (payload format 2.0) into r.
func decodeRequest(data []byte, r *events.APIGatewayV2HTTPRequest) error {
	var d decoder
	d.Reset(data)
	return decodeError(data, d.end(d.request(r)))
}

// decodeAuthorizerRequest decodes a Lambda authorizer's request (payload format 2.0) into r.
func decodeAuthorizerRequest(data []byte, r *events.APIGatewayV2CustomAuthorizerV2Request) error {
	var d decoder
	d.Reset(data)
	return decodeError(data, d.end(d.authorizerRequest(r)))
}

// end returns err, the error of reading the top-level value, or else the error of anything
// but whitespace after it.
func (d *decoder) end(err error) error {
	if err != nil {
		return err
	}
	return d.End()
}

// decodeError words an error of decoding data as encoding/json would, a type error naming
// the field by its path of JSON keys (requestContext.timeEpoch).
func decodeError(data []byte, err error) error {
	switch e := err.(type) {
	case nil:
		return nil
	case *jsontext.TypeError:
		value := e.Found.String()
		if e.Number != "" {
			value = "number " + e.Number
		}
		at := e.Path
		if at == "" {
			at = "the event"
		}
		return fmt.Errorf("apigw: cannot decode JSON %s into %s of type %s", value, at, e.Want)
	case *jsontext.SyntaxError:
		if e.Offset >= len(data) {
			return errors.New("apigw: unexpected end of JSON input")
		}
		return fmt.Errorf("apigw: invalid character %q %s at offset %d", data[e.Offset], e.Context, e.Offset)
	}
	return fmt.Errorf("apigw: %w", err)
}

var requestFields = []string{
	"version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
	"queryStringParameters", "pathParameters", "requestContext", "stageVariables", "body",
	"isBase64Encoded",
}

func (d *decoder) request(r *events.APIGatewayV2HTTPRequest) error {
	return d.members("events.APIGatewayV2HTTPRequest", requestFields, func(field string) error {
		switch field {
		case "version":
			return d.str(&r.Version)
		case "routeKey":
			return d.str(&r.RouteKey)
		case "rawPath":
			return d.str(&r.RawPath)
		case "rawQueryString":
			return d.str(&r.RawQueryString)
		case "cookies":
			return d.stringSlice(&r.Cookies)
		case "headers":
			return d.stringMap(&r.Headers)
		case "queryStringParameters":
			return d.stringMap(&r.QueryStringParameters)
		case "pathParameters":
			return d.stringMap(&r.PathParameters)
		case "requestContext":
			return d.requestContext(&r.RequestContext)
		case "stageVariables":
			return d.stringMap(&r.StageVariables)
		case "body":
			return d.str(&r.Body)
		case "isBase64Encoded":
			return d.boolean(&r.IsBase64Encoded)
		}
		return nil
	})
}

var authorizerRequestFields = []string{
	"version", "type", "routeArn", "identitySource", "routeKey", "rawPath", "rawQueryString",
	"cookies", "headers", "queryStringParameters", "requestContext", "pathParameters",
	"stageVariables",
}

func (d *decoder) authorizerRequest(r *events.APIGatewayV2CustomAuthorizerV2Request) error {
	return d.members("events.APIGatewayV2CustomAuthorizerV2Request", authorizerRequestFields, func(field string) error {
		switch field {
		case "version":
			return d.str(&r.Version)
		case "type":
			return d.str(&r.Type)
		case "routeArn":
			return d.str(&r.RouteArn)
		case "identitySource":
			return d.stringSlice(&r.IdentitySource)
		case "routeKey":
			return d.str(&r.RouteKey)
		case "rawPath":
			return d.str(&r.RawPath)
		case "rawQueryString":
			return d.str(&r.RawQueryString)
		case "cookies":
			return d.stringSlice(&r.Cookies)
		case "headers":
			return d.stringMap(&r.Headers)
		case "queryStringParameters":
			return d.stringMap(&r.QueryStringParameters)
		case "requestContext":
			return d.requestContext(&r.RequestContext)
		case "pathParameters":
			return d.stringMap(&r.PathParameters)
		case "stageVariables":
			return d.stringMap(&r.StageVariables)
		}
		return nil
	})
}

var requestContextFields = []string{
	"routeKey", "accountId", "stage", "requestId", "authorizer", "apiId", "domainName",
	"domainPrefix", "time", "timeEpoch", "http", "authentication",
}

func (d *decoder) requestContext(c *events.APIGatewayV2HTTPRequestContext) error {
	return d.members("events.APIGatewayV2HTTPRequestContext", requestContextFields, func(field string) error {
		switch field {
		case "routeKey":
			return d.str(&c.RouteKey)
		case "accountId":
			return d.str(&c.AccountID)
		case "stage":
			return d.str(&c.Stage)
		case "requestId":
			return d.str(&c.RequestID)
		case "authorizer":
			return pointer(d, &c.Authorizer, d.authorizer)
		case "apiId":
			return d.str(&c.APIID)
		case "domainName":
			return d.str(&c.DomainName)
		case "domainPrefix":
			return d.str(&c.DomainPrefix)
		case "time":
			return d.str(&c.Time)
		case "timeEpoch":
			return d.integer(&c.TimeEpoch)
		case "http":
			return d.http(&c.HTTP)
		case "authentication":
			return d.authentication(&c.Authentication)
		}
		return nil
	})
}

var authorizerFields = []string{"jwt", "lambda", "iam"}

func (d *decoder) authorizer(a *events.APIGatewayV2HTTPRequestContextAuthorizerDescription) error {
	return d.members("events.APIGatewayV2HTTPRequestContextAuthorizerDescription", authorizerFields, func(field string) error {
		switch field {
		case "jwt":
			return pointer(d, &a.JWT, d.jwt)
		case "lambda":
			return d.valueMap(&a.Lambda)
		case "iam":
			return pointer(d, &a.IAM, d.iam)
		}
		return nil
	})
}

var jwtFields = []string{"claims", "scopes"}

func (d *decoder) jwt(j *events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription) error {
	return d.members("events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription", jwtFields, func(field string) error {
		switch field {
		case "claims":
			return d.stringMap(&j.Claims)
		case "scopes":
			return d.stringSlice(&j.Scopes)
		}
		return nil
	})
}

var iamFields = []string{
	"accessKey", "accountId", "callerId", "cognitoIdentity", "principalOrgId", "userArn", "userId",
}

func (d *decoder) iam(i *events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription) error {
	return d.members("events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription", iamFields, func(field string) error {
		switch field {
		case "accessKey":
			return d.str(&i.AccessKey)
		case "accountId":
			return d.str(&i.AccountID)
		case "callerId":
			return d.str(&i.CallerID)
		case "cognitoIdentity":
			return d.cognitoIdentity(&i.CognitoIdentity)
		case "principalOrgId":
			return d.str(&i.PrincipalOrgID)
		case "userArn":
			return d.str(&i.UserARN)
		case "userId":
			return d.str(&i.UserID)
		}
		return nil
	})
}

var cognitoIdentityFields = []string{"amr", "identityId", "identityPoolId"}

func (d *decoder) cognitoIdentity(c *events.APIGatewayV2HTTPRequestContextAuthorizerCognitoIdentity) error {
	return d.members("events.APIGatewayV2HTTPRequestContextAuthorizerCognitoIdentity", cognitoIdentityFields, func(field string) error {
		switch field {
		case "amr":
			return d.stringSlice(&c.AMR)
		case "identityId":
			return d.str(&c.IdentityID)
		case "identityPoolId":
			return d.str(&c.IdentityPoolID)
		}
		return nil
	})
}

var httpFields = []string{"method", "path", "protocol", "sourceIp", "userAgent"}

func (d *decoder) http(h *events.APIGatewayV2HTTPRequestContextHTTPDescription) error {
	return d.members("events.APIGatewayV2HTTPRequestContextHTTPDescription", httpFields, func(field string) error {
		switch field {
		case "method":
			return d.str(&h.Method)
		case "path":
			return d.str(&h.Path)
		case "protocol":
			return d.str(&h.Protocol)
		case "sourceIp":
			return d.str(&h.SourceIP)
		case "userAgent":
			return d.str(&h.UserAgent)
		}
		return nil
	})
}

var authenticationFields = []string{"clientCert"}

func (d *decoder) authentication(a *events.APIGatewayV2HTTPRequestContextAuthentication) error {
	return d.members("events.APIGatewayV2HTTPRequestContextAuthentication", authenticationFields, func(string) error {
		return d.clientCert(&a.ClientCert)
	})
}

var clientCertFields = []string{"clientCertPem", "issuerDN", "serialNumber", "subjectDN", "validity"}

func (d *decoder) clientCert(c *events.APIGatewayV2HTTPRequestContextAuthenticationClientCert) error {
	return d.members("events.APIGatewayV2HTTPRequestContextAuthenticationClientCert", clientCertFields, func(field string) error {
		switch field {
		case "clientCertPem":
			return d.str(&c.ClientCertPem)
		case "issuerDN":
			return d.str(&c.IssuerDN)
		case "serialNumber":
			return d.str(&c.SerialNumber)
		case "subjectDN":
			return d.str(&c.SubjectDN)
		case "validity":
			return d.validity(&c.Validity)
		}
		return nil
	})
}

var validityFields = []string{"notAfter", "notBefore"}

func (d *decoder) validity(v *events.APIGatewayV2HTTPRequestContextAuthenticationClientCertValidity) error {
	return d.members("events.APIGatewayV2HTTPRequestContextAuthenticationClientCertValidity", validityFields, func(field string) error {
		switch field {
		case "notAfter":
			return d.str(&v.NotAfter)
		case "notBefore":
			return d.str(&v.NotBefore)
		}
		return nil
	})
}

// pointer decodes an object into **p, allocating it when *p is nil; null sets *p to nil.
func pointer[T any](d *decoder, p **T, decode func(*T) error) error {
	switch d.Kind() {
	case jsontext.Null:
		*p = nil
		return d.Null()
	case jsontext.Object:
		if *p == nil {
			*p = new(T)
		}
	}
	return decode(*p) // decode touches *p only for an object
}

// members decodes the object at the decoder into a struct of type typ and the given
// fields, with field; null leaves the struct as it is, and any other value is an error.
func (d *decoder) members(typ string, fields []string, field func(name string) error) error {
	switch d.Kind() {
	case jsontext.Object:
		return d.Struct(fields, field)
	case jsontext.Null:
		return d.Null()
	}
	return d.mismatch(typ)
}

func (d *decoder) str(p *string) error {
	switch d.Kind() {
	case jsontext.String:
		s, err := d.String()
		if err != nil {
			return err
		}
		*p = s
		return nil
	case jsontext.Null:
		return d.Null()
	}
	return d.mismatch("string")
}

func (d *decoder) boolean(p *bool) error {
	switch d.Kind() {
	case jsontext.Bool:
		v, err := d.Bool()
		*p = v
		return err
	case jsontext.Null:
		return d.Null()
	}
	return d.mismatch("bool")
}

func (d *decoder) integer(p *int64) error {
	switch d.Kind() {
	case jsontext.Number:
		n, err := d.Int(64)
		if err != nil {
			return err
		}
		*p = n
		return nil
	case jsontext.Null:
		return d.Null()
	}
	return d.mismatch("int64")
}

// stringSlice decodes an array of strings into *p as encoding/json decodes into a slice: into
// its elements in place, growing it as needed, then cutting it to the array's length.
func (d *decoder) stringSlice(p *[]string) error {
	switch d.Kind() {
	case jsontext.Array:
		s := *p
		n := 0
		err := d.Array(func(i int) error {
			if i < cap(s) {
				s = s[:i+1]
			} else {
				s = append(s, "")
			}
			n = i + 1
			return d.str(&s[i])
		})
		if err != nil {
			return err
		}
		if n == 0 {
			s = []string{}
		}
		*p = s[:n]
		return nil
	case jsontext.Null:
		*p = nil
		return d.Null()
	}
	return d.mismatch("[]string")
}

// stringMap decodes an object of strings into *p, adding to the map there is.
func (d *decoder) stringMap(p *map[string]string) error {
	return mapInto(d, p, "map[string]string", func() (s string, err error) {
		err = d.str(&s)
		return s, err
	})
}

// valueMap decodes an object of any values into *p, adding to the map there is.
func (d *decoder) valueMap(p *map[string]any) error {
	return mapInto(d, p, "map[string]interface {}", d.Value)
}

// mapInto decodes an object into *p, each value with value, adding to the map there is;
// null sets *p to nil.
func mapInto[V any](d *decoder, p *map[string]V, typ string, value func() (V, error)) error {
	switch d.Kind() {
	case jsontext.Object:
		if *p == nil {
			*p = make(map[string]V)
		}
		m := *p
		return d.Object(func(key []byte) error {
			v, err := value()
			if err != nil {
				return err
			}
			m[string(key)] = v
			return nil
		})
	case jsontext.Null:
		*p = nil
		return d.Null()
	}
	return d.mismatch(typ)
}

// mismatch reads past a value that does not fit typ and returns the error that says so,
// unless the value is malformed: encoding/json reports a syntax error first.
func (d *decoder) mismatch(typ string) error {
	err := d.Mismatch(typ)
	if serr := d.Skip(); serr != nil {
		return serr
	}
	return err
}
