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
	var w struct {
		Type     string `json:"__type"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		MessageC string `json:"Message"`
	}
	if json.Unmarshal(body, &w) == nil {
		e.Message = w.Message
		if e.Message == "" {
			e.Message = w.MessageC
		}
		e.Code = w.Type
		if e.Code == "" {
			e.Code = w.Code
		}
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
