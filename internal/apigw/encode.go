package apigw

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/clientele/clientele/internal/jsontext"
)

// The encoders write what aws-lambda-go's handler writes for the same value: encoding/json's
// output with HTML escaping off and no trailing newline.

// appendResponse appends the JSON of an HTTP API function's answer to b.
func appendResponse(b []byte, r events.APIGatewayV2HTTPResponse) []byte {
	b = append(b, `{"statusCode":`...)
	b = strconv.AppendInt(b, int64(r.StatusCode), 10)
	b = append(b, `,"headers":`...)
	b = jsontext.AppendObject(b, r.Headers, false, appendString)
	b = append(b, `,"multiValueHeaders":`...)
	b = jsontext.AppendObject(b, r.MultiValueHeaders, false, appendStrings)
	b = append(b, `,"body":`...)
	b = appendString(b, r.Body)
	if r.IsBase64Encoded {
		b = append(b, `,"isBase64Encoded":true`...)
	}
	b = append(b, `,"cookies":`...)
	b = appendStrings(b, r.Cookies)
	return append(b, '}')
}

// appendSimpleResponse appends the JSON of an authorizer's simple response to b.
func appendSimpleResponse(b []byte, r events.APIGatewayV2CustomAuthorizerSimpleResponse) ([]byte, error) {
	b = append(b, `{"isAuthorized":`...)
	b = strconv.AppendBool(b, r.IsAuthorized)
	if len(r.Context) > 0 {
		b = append(b, `,"context":`...)
		var err error
		if b, err = appendValue(b, r.Context, 0); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// maxNesting is how deep appendValue goes itself; deeper values, and cyclic ones, are left
// to encoding/json, which tells them apart.
const maxNesting = 1000

// appendValue appends the JSON of v to b as encoding/json would write it. It writes the
// types a Lambda authorizer's context is made of itself and leaves any other to
// encoding/json.
func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxNesting {
		return appendMarshal(b, v)
	}
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case float64:
		return appendFloat(b, v, 64)
	case float32:
		return appendFloat(b, float64(v), 32)
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int8:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case uint:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint64:
		return strconv.AppendUint(b, v, 10), nil
	case []string:
		return appendStrings(b, v), nil
	case map[string]string:
		return jsontext.AppendObject(b, v, false, appendString), nil
	case []any:
		a := nested{depth: depth + 1}
		b = jsontext.AppendArray(b, v, a.append)
		return b, a.err
	case map[string]any:
		a := nested{depth: depth + 1}
		b = jsontext.AppendObject(b, v, false, a.append)
		return b, a.err
	}
	return appendMarshal(b, v)
}

// nested appends the values in an array or object, at depth, as appendValue does, up to
// the first error, which it keeps.
type nested struct {
	depth int
	err   error
}

func (n *nested) append(b []byte, v any) []byte {
	if n.err == nil {
		b, n.err = appendValue(b, v, n.depth)
	}
	return b
}

// appendMarshal appends the JSON of v as encoding/json writes it, by reflection.
func appendMarshal(b []byte, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("apigw: encode %T: %w", v, err)
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
}

// appendFloat appends f as encoding/json writes a float of the given size: like
// JavaScript, in exponent form only below 1e-6 and from 1e21 on.
func appendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("apigw: unsupported value: %s", strconv.FormatFloat(f, 'g', -1, bits))
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

func appendStrings(b []byte, s []string) []byte {
	return jsontext.AppendArray(b, s, appendString)
}

// appendString appends s as a JSON string, escaped as aws-lambda-go escapes it: without
// HTML escaping.
func appendString(b []byte, s string) []byte {
	return jsontext.AppendString(b, s, false)
}
