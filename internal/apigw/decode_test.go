package apigw

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// eventFiles returns the sample events of every function, events/*.json.
func eventFiles(t testing.TB) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "..", "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no events/*.json")
	}
	files := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(p)] = b
	}
	return files
}

// checkDecoders decodes data with both decoders and with json.Unmarshal into the same
// types, and reports where they differ: an error on one side only, or another value.
func checkDecoders(t *testing.T, data []byte) {
	t.Helper()
	var want, got events.APIGatewayV2HTTPRequest
	checkSame(t, "APIGatewayV2HTTPRequest", json.Unmarshal(data, &want), decodeRequest(data, &got), want, got)
	var wantAuth, gotAuth events.APIGatewayV2CustomAuthorizerV2Request
	checkSame(t, "APIGatewayV2CustomAuthorizerV2Request", json.Unmarshal(data, &wantAuth), decodeAuthorizerRequest(data, &gotAuth), wantAuth, gotAuth)
}

func checkSame(t *testing.T, typ string, wantErr, gotErr error, want, got any) {
	t.Helper()
	switch {
	case wantErr != nil && gotErr == nil:
		t.Errorf("%s: json.Unmarshal fails (%v), decoding does not", typ, wantErr)
	case wantErr == nil && gotErr != nil:
		t.Errorf("%s: decoding fails (%v), json.Unmarshal does not", typ, gotErr)
	case gotErr != nil && !strings.HasPrefix(gotErr.Error(), "apigw: "):
		t.Errorf("%s: error %q does not say where it comes from", typ, gotErr)
	case wantErr == nil && !reflect.DeepEqual(got, want):
		t.Errorf("%s: decoded\n%#v\njson.Unmarshal gives\n%#v", typ, got, want)
	}
}

func TestDecodeEventFilesAsJSONUnmarshal(t *testing.T) {
	for name, data := range eventFiles(t) {
		t.Run(name, func(t *testing.T) {
			checkDecoders(t, data)
			var probe map[string]any
			if err := json.Unmarshal(data, &probe); err != nil {
				t.Fatal(err)
			}
			if probe["version"] != "2.0" {
				return // an SQS or DynamoDB Streams event
			}
			if probe["type"] == "REQUEST" {
				var r events.APIGatewayV2CustomAuthorizerV2Request
				if err := decodeAuthorizerRequest(data, &r); err != nil || len(r.IdentitySource) == 0 || r.RequestContext.TimeEpoch == 0 {
					t.Errorf("authorizer request decoded as %+v, %v", r, err)
				}
				return
			}
			var r events.APIGatewayV2HTTPRequest
			if err := decodeRequest(data, &r); err != nil || r.RawPath == "" || len(r.Headers) == 0 || r.RequestContext.HTTP.Method == "" {
				t.Errorf("HTTP event decoded as %+v, %v", r, err)
			}
		})
	}
}

// fullRequest sets every field of an HTTP API event, and fullAuthorizerRequest every field
// of an authorizer's request, with strings that need escaping and non-ASCII text.
const (
	fullRequestContext = `{
		"routeKey": "POST /api/v1/apps/{slug}/customers",
		"accountId": "123456789012",
		"stage": "$default",
		"requestId": "JKJaXmPLvHcESHA=",
		"authorizer": {
			"jwt": {
				"claims": {"sub": "user-1", "name": "Zoë \"Z\" O'Brien", "emoji": "😀"},
				"scopes": ["read", "write"]
			},
			"lambda": {
				"key_id": "k-1", "count": 3, "ratio": 0.25, "big": 1e21, "small": -1.5e-7,
				"ok": true, "none": null, "list": [1, "two", false, null, {"x": []}],
				"nested": {"a": {"b": {"c": "déjà vu"}}}
			},
			"iam": {
				"accessKey": "AKIAEXAMPLE",
				"accountId": "123456789012",
				"callerId": "AIDAEXAMPLE",
				"cognitoIdentity": {"amr": ["authenticated", "cognito-idp"], "identityId": "us-east-1:abc", "identityPoolId": "us-east-1:pool"},
				"principalOrgId": "o-abc",
				"userArn": "arn:aws:iam::123456789012:user/ada",
				"userId": "AIDAEXAMPLE"
			}
		},
		"apiId": "a1b2c3d4e5",
		"domainName": "api.example.com",
		"domainPrefix": "api",
		"time": "22/Nov/2025:10:00:00 +0000",
		"timeEpoch": 1763805600000,
		"http": {"method": "POST", "path": "/api/v1/apps/my-app/customers", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.10", "userAgent": "curl/8.5.0 \u00e9"},
		"authentication": {
			"clientCert": {
				"clientCertPem": "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n",
				"issuerDN": "CN=Example CA,O=Example",
				"serialNumber": "a1:b2:c3",
				"subjectDN": "CN=client",
				"validity": {"notAfter": "Aug  5 00:28:21 2120 GMT", "notBefore": "Aug 29 00:28:21 2020 GMT"}
			}
		}
	}`
	fullRequest = `{
		"version": "2.0",
		"routeKey": "POST /api/v1/apps/{slug}/customers",
		"rawPath": "/api/v1/apps/my-app/customers",
		"rawQueryString": "a=1&b=%C3%A9&c=x%26y",
		"cookies": ["session=abc", "theme=dark; lang=fr"],
		"headers": {"content-type": "application/json", "x-quote": "\"\\\/\b\f\n\r\t\u0001", "x-unicode": "日本語"},
		"queryStringParameters": {"a": "1", "b": "é", "c": "x&y"},
		"pathParameters": {"slug": "my-app"},
		"requestContext": ` + fullRequestContext + `,
		"stageVariables": {"env": "prod"},
		"body": "eyJlbWFpbCI6ImFkYUBleGFtcGxlLmNvbSJ9",
		"isBase64Encoded": true
	}`
	fullAuthorizerRequest = `{
		"version": "2.0",
		"type": "REQUEST",
		"routeArn": "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/$default/POST/api/v1/apps/my-app/customers",
		"identitySource": ["Bearer sk_live_x", "other"],
		"routeKey": "POST /api/v1/apps/{slug}/customers",
		"rawPath": "/api/v1/apps/my-app/customers",
		"rawQueryString": "a=1",
		"cookies": ["session=abc"],
		"headers": {"authorization": "Bearer sk_live_x"},
		"queryStringParameters": {"a": "1"},
		"requestContext": ` + fullRequestContext + `,
		"pathParameters": {"slug": "my-app"},
		"stageVariables": {"env": "prod"}
	}`
)

// zeroFields returns the paths of the fields of v left at their zero value, or empty.
func zeroFields(v reflect.Value, path string) []string {
	switch v.Kind() {
	case reflect.Struct:
		var zero []string
		for i := range v.NumField() {
			zero = append(zero, zeroFields(v.Field(i), path+"."+v.Type().Field(i).Name)...)
		}
		return zero
	case reflect.Pointer:
		if v.IsNil() {
			return []string{path}
		}
		return zeroFields(v.Elem(), path)
	case reflect.Map, reflect.Slice:
		if v.Len() == 0 {
			return []string{path}
		}
		return nil
	}
	if v.IsZero() {
		return []string{path}
	}
	return nil
}

func TestDecodeEventsThatSetEveryField(t *testing.T) {
	for _, c := range []struct {
		name string
		data string
		into any
	}{
		{"HTTP event", fullRequest, &events.APIGatewayV2HTTPRequest{}},
		{"authorizer request", fullAuthorizerRequest, &events.APIGatewayV2CustomAuthorizerV2Request{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The event must set every field the events type has, so that a field added to
			// aws-lambda-go and not decoded here shows.
			if err := json.Unmarshal([]byte(c.data), c.into); err != nil {
				t.Fatal(err)
			}
			if zero := zeroFields(reflect.ValueOf(c.into).Elem(), "event"); len(zero) > 0 {
				t.Errorf("the event leaves fields unset: %v", zero)
			}
			checkDecoders(t, []byte(c.data))
		})
	}
}

// decodeCases are events that json.Unmarshal accepts, each holding something to get right.
var decodeCases = []struct{ name, data string }{
	{"top-level null", `null`},
	{"empty object", `{}`},
	{"white space everywhere", " \n\t{ \"version\" : \"2.0\" ,\r\n \"headers\" : { \"a\" : \"b\" } , \"cookies\" : [ \"c\" , \"d\" ] }\t\n "},
	{"null leaves strings, numbers, bools and structs as they are", `{"version":null,"body":null,"isBase64Encoded":null,"requestContext":null}`},
	{"null clears maps, slices and pointers", `{"cookies":null,"headers":null,"queryStringParameters":null,"pathParameters":null,"stageVariables":null,"identitySource":null,
		"requestContext":{"authorizer":null,"timeEpoch":null,"http":null,"authentication":null}}`},
	{"null after a value", `{"version":"2.0","version":null,"isBase64Encoded":true,"isBase64Encoded":null,"headers":{"a":"b"},"headers":null,
		"cookies":["a"],"cookies":null,"requestContext":{"timeEpoch":5,"authorizer":{"lambda":{"a":1}}},"requestContext":{"timeEpoch":null,"authorizer":null}}`},
	{"null inside authorizers", `{"requestContext":{"authorizer":{"jwt":null,"lambda":null,"iam":null}}}`},
	{"null inside structs", `{"requestContext":{"authorizer":{"jwt":{"claims":null,"scopes":null},"iam":{"cognitoIdentity":null,"userId":null}},
		"authentication":{"clientCert":null}}}`},
	{"null values in maps and arrays", `{"headers":{"a":null,"b":"c"},"cookies":[null,"b",null],"identitySource":[null],
		"requestContext":{"authorizer":{"lambda":{"n":null,"list":[null,null]},"jwt":{"claims":{"x":null}}}}}`},
	{"empty maps and arrays", `{"cookies":[],"headers":{},"queryStringParameters":{},"pathParameters":{},"stageVariables":{},"identitySource":[],
		"requestContext":{"authorizer":{"jwt":{"claims":{},"scopes":[]},"lambda":{},"iam":{"cognitoIdentity":{"amr":[]}}}}}`},
	{"empty objects for structs and pointers", `{"requestContext":{"authorizer":{"jwt":{},"iam":{}},"http":{},"authentication":{"clientCert":{"validity":{}}}}}`},
	{"a key given twice merges maps and overwrites the rest", `{"headers":{"a":"1","b":"2"},"headers":{"b":"3","c":"4"},"body":"x","body":"y",
		"requestContext":{"stage":"a","authorizer":{"lambda":{"a":1},"jwt":{"claims":{"x":"1"}}}},
		"requestContext":{"authorizer":{"lambda":{"b":2},"jwt":{"scopes":["s"]}}}}`},
	{"a key given twice decodes into the slice there is", `{"cookies":["a","b"],"cookies":[null]}`},
	{"a slice shortened then lengthened shows its old elements", `{"cookies":["a","b","c"],"cookies":["x"],"cookies":[null,null,"z"]}`},
	{"an empty array in between makes a new slice", `{"cookies":["a","b"],"cookies":[],"cookies":[null,null]}`},
	{"keys match fields case-insensitively", `{"VERSION":"2.0","rawpath":"/x","RawQueryString":"q","HEADERS":{"Keep-Case":"v"},
		"RequestContext":{"HTTP":{"METHOD":"GET","SourceIP":"1.2.3.4"},"TIMEEPOCH":5,"Authorizer":{"JWT":{"Scopes":["s"]},"LAMBDA":{"Key":"v"}}}}`},
	{"the last of an exact and a case-insensitive key wins", `{"version":"exact","Version":"folded","rawPath":"folded","RAWPATH":"x","rawPath":"exact"}`},
	{"keys fold as Unicode case folding", `{"requestContext":{"ſtage":"long s","authorizer":{"iam":{"acceſſ\u212aey":"kelvin","userıd":"dotless i"}}}}`},
	{"escaped keys", `{"ver\u0073ion":"2.0","head\u0065rs":{"x-\u00e9":"\u00e9","a\"b":"q"},"\u0062ody":"b"}`},
	{"keys no field matches are skipped", `{"extra":{"a":[1,2,{"b":null}],"c":"\"}"},"more":[[],[{}],"]"],"n":-1.5e-3,"t":true,"f":false,"z":null,"version":"2.0",
		"requestContext":{"extra":{"x":1},"http":{"extra":[1],"method":"GET"},"authorizer":{"other":{}}},"versio":"no"}`},
	{"escapes in strings", `{"body":"\" \\ \/ \b \f \n \r \t \u0000 \u001f \u007f \u00e9 \u20ac \ud83d\ude00 \uFFFF \uD83D\uDE00"}`},
	{"raw UTF-8 in strings", `{"body":"héllo wörld 😀 日本語 \u2028\u2029","headers":{"ключ":"значение"}}`},
	{"invalid UTF-8 becomes U+FFFD", "{\"body\":\"a\xffb\xc3\xe2\x82c\xed\xa0\x80\xf4\x90\x80\x80\",\"headers\":{\"\xff\":\"\xfe\"}}"},
	{"lone surrogates become U+FFFD", `{"body":"\ud800 \ud800x \udc00\ud800 \ud800\u0041 \ud800\ud800\udc00 \udbff\udfff \ud800\\u0041 \ud800"}`},
	{"a lone surrogate ends a string", `{"body":"\ud800","version":"\udfff"}`},
	{"timeEpoch at the limits of int64", `{"requestContext":{"timeEpoch":-9223372036854775808},"requestContext":{"timeEpoch":9223372036854775807}}`},
	{"timeEpoch zero", `{"requestContext":{"timeEpoch":0}}`},
	{"timeEpoch minus zero", `{"requestContext":{"timeEpoch":-0}}`},
	{"numbers in the lambda authorizer context", `{"requestContext":{"authorizer":{"lambda":{"i":1,"neg":-2,"f":1.5,"e":1e3,"E":2E-2,"plus":1e+2,
		"big":12345678901234567890,"huge":1.7976931348623157e308,"tiny":5e-324,"under":1e-400,"zero":-0,"frac":0.1,"long":3.141592653589793238462643383279}}}}`},
	{"values of every kind in the lambda authorizer context", `{"requestContext":{"authorizer":{"lambda":{"t":true,"f":false,"n":null,"s":"x\"y",
		"nested":{"a":[1,"b",{"c":null,"d":[[]]}],"e":{}},"list":[],"dup":1,"dup":"two"}}}}`},
	{"booleans", `{"isBase64Encoded":true}`},
	{"isBase64Encoded false after true", `{"isBase64Encoded":true,"isBase64Encoded":false}`},
	{"nesting as deep as encoding/json allows", `{"extra":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`},
}

func TestDecodeAsJSONUnmarshal(t *testing.T) {
	for _, c := range decodeCases {
		t.Run(c.name, func(t *testing.T) {
			var r events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal([]byte(c.data), &r); err != nil {
				t.Fatalf("not a valid case: json.Unmarshal fails: %v", err)
			}
			checkDecoders(t, []byte(c.data))
		})
	}
}

// rejectCases are events json.Unmarshal rejects for the HTTP event type.
var rejectCases = []struct{ name, data string }{
	{"number for a string", `{"version":1}`},
	{"bool for a string", `{"body":true}`},
	{"object for a string", `{"rawPath":{}}`},
	{"array for a string", `{"requestContext":{"http":{"method":[]}}}`},
	{"array for a map", `{"headers":[]}`},
	{"string for a map", `{"queryStringParameters":"a=1"}`},
	{"number in a map of strings", `{"headers":{"content-length":100}}`},
	{"object in a map of strings", `{"requestContext":{"authorizer":{"jwt":{"claims":{"a":{}}}}}}`},
	{"string for a slice", `{"cookies":"a=1"}`},
	{"number in a slice of strings", `{"cookies":["a",1]}`},
	{"object for a slice", `{"cookies":{}}`},
	{"string for a struct", `{"requestContext":"x"}`},
	{"array for a struct", `{"requestContext":{"http":[]}}`},
	{"number for a pointer", `{"requestContext":{"authorizer":1}}`},
	{"array for a pointer", `{"requestContext":{"authorizer":{"iam":[]}}}`},
	{"string for timeEpoch", `{"requestContext":{"timeEpoch":"1763805600000"}}`},
	{"fraction for timeEpoch", `{"requestContext":{"timeEpoch":1.5}}`},
	{"exponent for timeEpoch", `{"requestContext":{"timeEpoch":1e3}}`},
	{"timeEpoch over int64", `{"requestContext":{"timeEpoch":9223372036854775808}}`},
	{"string for a bool", `{"isBase64Encoded":"true"}`},
	{"number for a bool", `{"isBase64Encoded":1}`},
	{"array for the lambda context", `{"requestContext":{"authorizer":{"lambda":[]}}}`},
	{"string for the lambda context", `{"requestContext":{"authorizer":{"lambda":"x"}}}`},
	{"number over float64 in the lambda context", `{"requestContext":{"authorizer":{"lambda":{"big":1e400}}}}`},
	{"array for the event", `[]`},
	{"string for the event", `"x"`},
	{"number for the event", `1`},
	{"bool for the event", `true`},
	{"a type error then malformed JSON", `{"version":1,`},
	{"empty", ``},
	{"white space only", " \n"},
	{"unclosed object", `{`},
	{"key without value", `{"version"`},
	{"colon without value", `{"version":`},
	{"unclosed after a member", `{"version":"2.0"`},
	{"trailing comma in an object", `{"version":"2.0",}`},
	{"trailing comma in an array", `{"cookies":["a",]}`},
	{"leading comma", `{,"version":"2.0"}`},
	{"missing colon", `{"version" "2.0"}`},
	{"missing comma", `{"version":"2.0" "body":""}`},
	{"missing comma in an array", `{"cookies":["a" "b"]}`},
	{"single quotes", `{'version':'2.0'}`},
	{"unquoted key", `{version:"2.0"}`},
	{"unclosed string", `{"version":"2.0`},
	{"control character in a string", "{\"body\":\"a\x01b\"}"},
	{"newline in a string", "{\"body\":\"a\nb\"}"},
	{"control character in a key", "{\"a\tb\":1}"},
	{"unknown escape", `{"body":"\q"}`},
	{"escaped single quote", `{"body":"\'"}`},
	{"short \\u escape", `{"body":"\u12"}`},
	{"bad hex in \\u escape", `{"body":"\u12g4"}`},
	{"bad second escape of a surrogate pair", `{"body":"\ud83d\ude0g"}`},
	{"backslash at the end", `{"body":"\`},
	{"leading zero", `{"extra":01}`},
	{"dot without digits", `{"extra":1.}`},
	{"dot first", `{"extra":.1}`},
	{"minus alone", `{"extra":-}`},
	{"exponent without digits", `{"extra":1e}`},
	{"exponent sign without digits", `{"extra":1e+}`},
	{"plus sign", `{"extra":+1}`},
	{"hexadecimal number", `{"extra":0x10}`},
	{"NaN", `{"extra":NaN}`},
	{"truncated true", `{"isBase64Encoded":tru}`},
	{"truncated null", `{"version":nul}`},
	{"null with more letters", `{"version":nullx}`},
	{"capitalized literal", `{"isBase64Encoded":True}`},
	{"two values", `{} {}`},
	{"garbage after the event", `{}x`},
	{"byte order mark", "\xef\xbb\xbf{}"},
	{"NUL byte", "{\x00}"},
	{"unclosed array in an unknown field", `{"extra":[1,2`},
	{"nesting deeper than encoding/json allows", `{"extra":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`},
	{"malformed JSON in an unknown field", `{"extra":{"a":}}`},
}

func TestDecodeRejectsWhatJSONUnmarshalRejects(t *testing.T) {
	for _, c := range rejectCases {
		t.Run(c.name, func(t *testing.T) {
			var r events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal([]byte(c.data), &r); err == nil {
				t.Fatal("not a valid case: json.Unmarshal accepts it")
			}
			checkDecoders(t, []byte(c.data))
		})
	}
}

func TestDecodeTypeErrorNamesTheField(t *testing.T) {
	for _, c := range []struct{ data, want string }{
		{`{"requestContext":{"timeEpoch":"1"}}`, "JSON string into requestContext.timeEpoch of type int64"},
		{`{"requestContext":{"timeEpoch":1.5}}`, "JSON number 1.5 into requestContext.timeEpoch of type int64"},
		{`{"cookies":["a",{}]}`, "JSON object into cookies[1] of type string"},
		{`{"headers":{"x-n":1}}`, "JSON number into headers.x-n of type string"},
		{`{"requestContext":{"authorizer":{"lambda":{"a":[1e999]}}}}`, "JSON number 1e999 into requestContext.authorizer.lambda.a[0] of type float64"},
		{`[1]`, "JSON array into the event of type events.APIGatewayV2HTTPRequest"},
	} {
		var r events.APIGatewayV2HTTPRequest
		err := decodeRequest([]byte(c.data), &r)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.data, err, c.want)
		}
	}
}

// FuzzDecode holds both decoders to json.Unmarshal on any input: the same error or not,
// and the same value.
func FuzzDecode(f *testing.F) {
	for _, data := range eventFiles(f) {
		f.Add(data)
	}
	f.Add([]byte(fullRequest))
	f.Add([]byte(fullAuthorizerRequest))
	for _, c := range decodeCases {
		f.Add([]byte(c.data))
	}
	for _, c := range rejectCases {
		f.Add([]byte(c.data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecoders(t, data)
	})
}
