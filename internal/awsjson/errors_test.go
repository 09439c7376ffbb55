package awsjson

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestAPIErrorDecoding(t *testing.T) {
	tests := []struct {
		name      string
		reply     reply
		wantCode  string
		wantMsg   string
		wantError string // APIError.Error()
	}{
		{"__type with a namespace, lower-case message",
			reply{status: 400, body: `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`},
			"ConditionalCheckFailedException", "The conditional request failed",
			"ConditionalCheckFailedException: The conditional request failed (HTTP 400)"},
		{"__type without a namespace, capitalised Message",
			reply{status: 400, body: `{"__type":"ResourceNotFoundException","Message":"Event bus x does not exist."}`},
			"ResourceNotFoundException", "Event bus x does not exist.",
			"ResourceNotFoundException: Event bus x does not exist. (HTTP 400)"},
		{"message preferred to Message",
			reply{status: 400, body: `{"__type":"ValidationException","message":"lower","Message":"upper"}`},
			"ValidationException", "lower", "ValidationException: lower (HTTP 400)"},
		{"header only, its URL part dropped",
			reply{status: 400, body: ``, header: map[string]string{"X-Amzn-ErrorType": "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/"}},
			"AccessDeniedException", "", "AccessDeniedException (HTTP 400)"},
		{"header with a JSON body lacking __type",
			reply{status: 400, body: `{"message":"not authorized"}`, header: map[string]string{"X-Amzn-ErrorType": "UnrecognizedClientException"}},
			"UnrecognizedClientException", "not authorized", "UnrecognizedClientException: not authorized (HTTP 400)"},
		{"body code field",
			reply{status: 400, body: `{"code":"aws.protocoltests#SerializationException","message":"m"}`},
			"SerializationException", "m", "SerializationException: m (HTTP 400)"},
		{"body that is no JSON",
			reply{status: 403, body: `<html>Forbidden</html>`},
			"", "", "UnknownError (HTTP 403)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.reply.header = withRequestID(tt.reply.header)
			_, c := newFake(t, tt.reply)
			err := c.Do(context.Background(), "PutItem", nil, nil)
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v (%T), want an *APIError inside", err, err)
			}
			if ae.Code != tt.wantCode || ae.Message != tt.wantMsg || ae.StatusCode != tt.reply.status {
				t.Errorf("APIError = code %q, message %q, status %d; want %q, %q, %d",
					ae.Code, ae.Message, ae.StatusCode, tt.wantCode, tt.wantMsg, tt.reply.status)
			}
			if string(ae.Body) != tt.reply.body {
				t.Errorf("Body = %q, want the whole body %q", ae.Body, tt.reply.body)
			}
			if ae.RequestID != "REQ123" {
				t.Errorf("RequestID = %q", ae.RequestID)
			}
			if ae.Error() != tt.wantError {
				t.Errorf("Error() = %q, want %q", ae.Error(), tt.wantError)
			}
			if want := "awsjson: dynamodb PutItem: " + tt.wantError; err.Error() != want {
				t.Errorf("err = %q, want %q", err, want)
			}
		})
	}
}

func withRequestID(h map[string]string) map[string]string {
	out := map[string]string{"x-amzn-RequestId": "REQ123"}
	for k, v := range h {
		out[k] = v
	}
	return out
}

func TestAPIErrorBodyIsKeptForCallers(t *testing.T) {
	body := `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled",` +
		`"CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Item":{"pk":{"S":"a"}}}]}`
	_, c := newFake(t, reply{status: 400, body: body})
	err := c.Do(context.Background(), "TransactWriteItems", nil, nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "TransactionCanceledException" || string(ae.Body) != body {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "CancellationReasons") {
		t.Errorf("the error dumps the body: %v", err)
	}
}

func TestErrorBodyIsLimited(t *testing.T) {
	big := `{"__type":"ValidationException","message":"` + strings.Repeat("x", 2*maxErrorBody) + `"}`
	_, c := newFake(t, reply{status: 400, body: big})
	err := c.Do(context.Background(), "PutItem", nil, nil)
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v", err)
	}
	if len(ae.Body) != maxErrorBody {
		t.Errorf("kept %d bytes of the body, want %d", len(ae.Body), maxErrorBody)
	}
}
