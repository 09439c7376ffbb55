package apigw

import (
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
	if err != nil {
		return fmt.Errorf("apigw: %w", jsontext.DecodeError(data, err, "the event"))
	}
	return nil
}

var requestFields = []string{
	"version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
	"queryStringParameters", "pathParameters", "requestContext", "stageVariables", "body",
	"isBase64Encoded",
}

func (d *decoder) request(r *events.APIGatewayV2HTTPRequest) error {
	return d.StructInto("events.APIGatewayV2HTTPRequest", requestFields, func(field string) error {
		switch field {
		case "version":
			return d.StringInto(&r.Version)
		case "routeKey":
			return d.StringInto(&r.RouteKey)
		case "rawPath":
			return d.StringInto(&r.RawPath)
		case "rawQueryString":
			return d.StringInto(&r.RawQueryString)
		case "cookies":
			return d.StringsInto(&r.Cookies)
		case "headers":
			return d.StringMapInto(&r.Headers)
		case "queryStringParameters":
			return d.StringMapInto(&r.QueryStringParameters)
		case "pathParameters":
			return d.StringMapInto(&r.PathParameters)
		case "requestContext":
			return d.requestContext(&r.RequestContext)
		case "stageVariables":
			return d.StringMapInto(&r.StageVariables)
		case "body":
			return d.StringInto(&r.Body)
		case "isBase64Encoded":
			return d.BoolInto(&r.IsBase64Encoded)
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
	return d.StructInto("events.APIGatewayV2CustomAuthorizerV2Request", authorizerRequestFields, func(field string) error {
		switch field {
		case "version":
			return d.StringInto(&r.Version)
		case "type":
			return d.StringInto(&r.Type)
		case "routeArn":
			return d.StringInto(&r.RouteArn)
		case "identitySource":
			return d.StringsInto(&r.IdentitySource)
		case "routeKey":
			return d.StringInto(&r.RouteKey)
		case "rawPath":
			return d.StringInto(&r.RawPath)
		case "rawQueryString":
			return d.StringInto(&r.RawQueryString)
		case "cookies":
			return d.StringsInto(&r.Cookies)
		case "headers":
			return d.StringMapInto(&r.Headers)
		case "queryStringParameters":
			return d.StringMapInto(&r.QueryStringParameters)
		case "requestContext":
			return d.requestContext(&r.RequestContext)
		case "pathParameters":
			return d.StringMapInto(&r.PathParameters)
		case "stageVariables":
			return d.StringMapInto(&r.StageVariables)
		}
		return nil
	})
}

var requestContextFields = []string{
	"routeKey", "accountId", "stage", "requestId", "authorizer", "apiId", "domainName",
	"domainPrefix", "time", "timeEpoch", "http", "authentication",
}

func (d *decoder) requestContext(c *events.APIGatewayV2HTTPRequestContext) error {
	return d.StructInto("events.APIGatewayV2HTTPRequestContext", requestContextFields, func(field string) error {
		switch field {
		case "routeKey":
			return d.StringInto(&c.RouteKey)
		case "accountId":
			return d.StringInto(&c.AccountID)
		case "stage":
			return d.StringInto(&c.Stage)
		case "requestId":
			return d.StringInto(&c.RequestID)
		case "authorizer":
			return jsontext.PointerInto(&d.Decoder, &c.Authorizer, d.authorizer)
		case "apiId":
			return d.StringInto(&c.APIID)
		case "domainName":
			return d.StringInto(&c.DomainName)
		case "domainPrefix":
			return d.StringInto(&c.DomainPrefix)
		case "time":
			return d.StringInto(&c.Time)
		case "timeEpoch":
			return d.Int64Into(&c.TimeEpoch)
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
	return d.StructInto("events.APIGatewayV2HTTPRequestContextAuthorizerDescription", authorizerFields, func(field string) error {
		switch field {
		case "jwt":
			return jsontext.PointerInto(&d.Decoder, &a.JWT, d.jwt)
		case "lambda":
			return d.ValueMapInto(&a.Lambda)
		case "iam":
			return jsontext.PointerInto(&d.Decoder, &a.IAM, d.iam)
		}
		return nil
	})
}

var jwtFields = []string{"claims", "scopes"}

func (d *decoder) jwt(j *events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription) error {
	return d.StructInto("events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription", jwtFields, func(field string) error {
		switch field {
		case "claims":
			return d.StringMapInto(&j.Claims)
		case "scopes":
			return d.StringsInto(&j.Scopes)
		}
		return nil
	})
}

var iamFields = []string{
	"accessKey", "accountId", "callerId", "cognitoIdentity", "principalOrgId", "userArn", "userId",
}

func (d *decoder) iam(i *events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription) error {
	return d.StructInto("events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription", iamFields, func(field string) error {
		switch field {
		case "accessKey":
			return d.StringInto(&i.AccessKey)
		case "accountId":
			return d.StringInto(&i.AccountID)
		case "callerId":
			return d.StringInto(&i.CallerID)
		case "cognitoIdentity":
			return d.cognitoIdentity(&i.CognitoIdentity)
		case "principalOrgId":
			return d.StringInto(&i.PrincipalOrgID)
		case "userArn":
			return d.StringInto(&i.UserARN)
		case "userId":
			return d.StringInto(&i.UserID)
		}
		return nil
	})
}

var cognitoIdentityFields = []string{"amr", "identityId", "identityPoolId"}

func (d *decoder) cognitoIdentity(c *events.APIGatewayV2HTTPRequestContextAuthorizerCognitoIdentity) error {
	return d.StructInto("events.APIGatewayV2HTTPRequestContextAuthorizerCognitoIdentity", cognitoIdentityFields, func(field string) error {
		switch field {
		case "amr":
			return d.StringsInto(&c.AMR)
		case "identityId":
			return d.StringInto(&c.IdentityID)
		case "identityPoolId":
			return d.StringInto(&c.IdentityPoolID)
		}
		return nil
	})
}

var httpFields = []string{"method", "path", "protocol", "sourceIp", "userAgent"}

func (d *decoder) http(h *events.APIGatewayV2HTTPRequestContextHTTPDescription) error {
	return d.StructInto("events.APIGatewayV2HTTPRequestContextHTTPDescription", httpFields, func(field string) error {
		switch field {
		case "method":
			return d.StringInto(&h.Method)
		case "path":
			return d.StringInto(&h.Path)
		case "protocol":
			return d.StringInto(&h.Protocol)
		case "sourceIp":
			return d.StringInto(&h.SourceIP)
		case "userAgent":
			return d.StringInto(&h.UserAgent)
		}
		return nil
	})
}

var authenticationFields = []string{"clientCert"}

func (d *decoder) authentication(a *events.APIGatewayV2HTTPRequestContextAuthentication) error {
	return d.StructInto("events.APIGatewayV2HTTPRequestContextAuthentication", authenticationFields, func(string) error {
		return d.clientCert(&a.ClientCert)
	})
}

var clientCertFields = []string{"clientCertPem", "issuerDN", "serialNumber", "subjectDN", "validity"}

func (d *decoder) clientCert(c *events.APIGatewayV2HTTPRequestContextAuthenticationClientCert) error {
	return d.StructInto("events.APIGatewayV2HTTPRequestContextAuthenticationClientCert", clientCertFields, func(field string) error {
		switch field {
		case "clientCertPem":
			return d.StringInto(&c.ClientCertPem)
		case "issuerDN":
			return d.StringInto(&c.IssuerDN)
		case "serialNumber":
			return d.StringInto(&c.SerialNumber)
		case "subjectDN":
			return d.StringInto(&c.SubjectDN)
		case "validity":
			return d.validity(&c.Validity)
		}
		return nil
	})
}

var validityFields = []string{"notAfter", "notBefore"}

func (d *decoder) validity(v *events.APIGatewayV2HTTPRequestContextAuthenticationClientCertValidity) error {
	return d.StructInto("events.APIGatewayV2HTTPRequestContextAuthenticationClientCertValidity", validityFields, func(field string) error {
		switch field {
		case "notAfter":
			return d.StringInto(&v.NotAfter)
		case "notBefore":
			return d.StringInto(&v.NotBefore)
		}
		return nil
	})
}
