package apigw

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// lambdaJSON is what aws-lambda-go's handler writes for v: encoding/json without HTML
// escaping, without the encoder's newline.
func lambdaJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// checkEncoding checks that got, the JSON written for v, is what aws-lambda-go writes,
// byte for byte, and decodes as json.Marshal's JSON of v does, into v's type and into any.
func checkEncoding[T any](t *testing.T, v T, got []byte) {
	t.Helper()
	if want := lambdaJSON(t, v); !bytes.Equal(got, want) {
		t.Errorf("wrote\n%s\naws-lambda-go writes\n%s", got, want)
	}
	marshaled, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var gotValue, wantValue T
	if err := json.Unmarshal(got, &gotValue); err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	if err := json.Unmarshal(marshaled, &wantValue); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotValue, wantValue) {
		t.Errorf("decodes to %#v, json.Marshal's JSON to %#v", gotValue, wantValue)
	}
	var gotAny, wantAny any
	if err := json.Unmarshal(got, &gotAny); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(marshaled, &wantAny); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotAny, wantAny) {
		t.Errorf("decodes to %#v, json.Marshal's JSON to %#v", gotAny, wantAny)
	}
}

// awkward holds what a string can hold that JSON must escape or that encoding/json
// escapes anyway.
const awkward = "\"quotes\" \\ / \b\f\n\r\t \x00\x01\x1f\x7f <html>&amp; é 日本 😀 \u2028\u2029 \xff\xc3( \ufffd"

func TestAppendResponseAsLambda(t *testing.T) {
	for _, c := range []struct {
		name string
		resp events.APIGatewayV2HTTPResponse
	}{
		{"zero", events.APIGatewayV2HTTPResponse{}},
		{"typical JSON answer", events.APIGatewayV2HTTPResponse{
			StatusCode: 200,
			Headers:    map[string]string{"Content-Type": "application/json", "X-Request-Id": "abc", "Cache-Control": "no-store"},
			Body:       `{"id":"cus_123","email":"ada@example.com","metadata":{"plan":"pro"}}`,
			Cookies:    []string{},
		}},
		{"empty maps and slices", events.APIGatewayV2HTTPResponse{
			StatusCode: 204, Headers: map[string]string{}, MultiValueHeaders: map[string][]string{}, Cookies: []string{},
		}},
		{"multi-value headers, cookies and a base64 body", events.APIGatewayV2HTTPResponse{
			StatusCode:        201,
			Headers:           map[string]string{"b": "2", "a": "1", "": "empty key"},
			MultiValueHeaders: map[string][]string{"Vary": {"Origin", "Accept"}, "X-Nil": nil, "X-Empty": {}},
			Body:              "AAECAwQ=",
			IsBase64Encoded:   true,
			Cookies:           []string{"session=abc; Path=/; HttpOnly", "theme=dark"},
		}},
		{"strings to escape", events.APIGatewayV2HTTPResponse{
			StatusCode:        -1,
			Headers:           map[string]string{awkward: awkward},
			MultiValueHeaders: map[string][]string{awkward: {awkward, ""}},
			Body:              awkward,
			Cookies:           []string{awkward},
		}},
		{"status codes at the limits of int", events.APIGatewayV2HTTPResponse{StatusCode: math.MinInt}},
		{"the largest int", events.APIGatewayV2HTTPResponse{StatusCode: math.MaxInt}},
	} {
		t.Run(c.name, func(t *testing.T) {
			checkEncoding(t, c.resp, appendResponse(nil, c.resp))
		})
	}
}

type kind string

type marshaler struct{}

func (marshaler) MarshalJSON() ([]byte, error) { return []byte(`{"custom":true}`), nil }

func TestAppendSimpleResponseAsLambda(t *testing.T) {
	deep := any("bottom")
	for range maxNesting + 5 {
		deep = []any{deep}
	}
	for _, c := range []struct {
		name string
		resp events.APIGatewayV2CustomAuthorizerSimpleResponse
	}{
		{"denied", events.APIGatewayV2CustomAuthorizerSimpleResponse{}},
		{"empty context is left out", events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{}}},
		{"principal", events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{
			"key_id": "5b8f0d4e-2c7a-4e91-a3b6-7d0c9e1f2a84", "app_id": "", "app_slug": "my-app", "kind": "secret",
		}}},
		{"strings, bools and nil", events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{
			"s": awkward, awkward: "key to escape", "t": true, "f": false, "nil": nil,
		}}},
		{"numbers", events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{
			"zero": 0.0, "minus zero": math.Copysign(0, -1), "one": 1.0, "fraction": 0.1, "third": 1.0 / 3,
			"1e20": 1e20, "1e21": 1e21, "1e-6": 1e-6, "1e-7": 1e-7, "-1.5e-7": -1.5e-7, "1e-10": 1e-10, "1e100": 1e100,
			"max": math.MaxFloat64, "smallest": math.SmallestNonzeroFloat64, "big int": 12345678901234567890.0,
			"float32": float32(0.1), "float32 tiny": float32(1e-7), "float32 big": float32(1e21), "float32 max": float32(math.MaxFloat32),
			"int": 42, "int8": int8(-8), "int16": int16(-16), "int32": int32(-32), "int64": int64(math.MinInt64),
			"uint": uint(7), "uint8": uint8(255), "uint16": uint16(16), "uint32": uint32(32), "uint64": uint64(math.MaxUint64),
		}}},
		{"nested maps and slices", events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{
			"map":         map[string]any{"b": 1.0, "a": []any{"x", 2.0, nil, true, map[string]any{}}, "c": map[string]any{"d": []any{}}},
			"nil map":     map[string]any(nil),
			"nil slice":   []any(nil),
			"strings":     []string{"a", awkward},
			"nil strings": []string(nil),
			"string map":  map[string]string{"z": "1", "y": awkward},
		}}},
		{"other types as encoding/json writes them", events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{
			"named string": kind("secret"), "time": time.Date(2025, 11, 22, 10, 0, 0, 0, time.UTC), "number": json.Number("1.50"),
			"bytes": []byte("hi"), "marshaler": marshaler{}, "pointer": new(int), "ints": []int{1, 2}, "struct": struct{ A string }{"<a>"},
		}}},
		{"nesting deeper than appendValue goes", events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{"deep": deep}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := appendSimpleResponse(nil, c.resp)
			if err != nil {
				t.Fatal(err)
			}
			checkEncoding(t, c.resp, got)
		})
	}
}

func TestAppendSimpleResponseRejectsWhatJSONRejects(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	for name, v := range map[string]any{
		"NaN":            math.NaN(),
		"infinity":       math.Inf(1),
		"float32 -inf":   float32(math.Inf(-1)),
		"NaN in a slice": []any{1.0, math.NaN()},
		"a channel":      make(chan int),
		"a cycle":        cyclic,
	} {
		t.Run(name, func(t *testing.T) {
			resp := events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{"v": v}}
			if _, err := json.Marshal(resp); err == nil {
				t.Fatal("not a valid case: json.Marshal accepts it")
			}
			if _, err := appendSimpleResponse(nil, resp); err == nil || !strings.HasPrefix(err.Error(), "apigw: ") {
				t.Errorf("error %v, want one from apigw", err)
			}
		})
	}
}
