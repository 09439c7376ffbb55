package awsjson

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// APIError is an error answered by the service.
type APIError struct {
	StatusCode int
	Code       string // the part of "__type" after '#', or the X-Amzn-ErrorType header before ':'
	Message    string // "message" or "Message"
	Body       []byte // the whole error body, for callers that decode more fields (e.g. DynamoDB's CancellationReasons, Item)
	RequestID  string // x-amzn-RequestId
}

// Error is "<Code>: <Message> (HTTP <status>)", without the body.
func (e *APIError) Error() string {
	var b strings.Builder
	code := e.Code
	if code == "" {
		code = "UnknownError"
	}
	b.WriteString(code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	b.WriteString(" (HTTP ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	b.WriteString(")")
	return b.String()
}

// newAPIError reads an error answer. The code comes from the body's "__type" (or "code"),
// the shape DynamoDB and EventBridge answer, else from the X-Amzn-ErrorType header; both
// may carry a namespace before '#' and a URL after ':', which are dropped.
func newAPIError(resp *http.Response, body []byte) *APIError {
	e := &APIError{
		StatusCode: resp.StatusCode,
		Body:       body,
		RequestID:  resp.Header.Get("X-Amzn-Requestid"),
	}
	// A generic map, not a struct: encoding/json would build a struct codec by reflection
	// on the first error a Lambda function meets.
	var w map[string]any
	if json.Unmarshal(body, &w) == nil {
		text := func(keys ...string) string {
			for _, k := range keys {
				if s, ok := w[k].(string); ok && s != "" {
					return s
				}
			}
			return ""
		}
		e.Message = text("message", "Message")
		e.Code = text("__type", "code")
	}
	if e.Code == "" {
		e.Code = resp.Header.Get("X-Amzn-Errortype")
	}
	e.Code = sanitizeCode(e.Code)
	return e
}

// sanitizeCode keeps the name of an error type: "aws.protocoltests#FooError:http://..." is
// "FooError".
func sanitizeCode(code string) string {
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return strings.TrimSpace(code)
}
