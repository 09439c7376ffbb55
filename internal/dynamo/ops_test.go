package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/awsjson"
)

// answer serves one canned DynamoDB answer and records the request's target and body.
func answer(t *testing.T, status int, body string) (*Client, *http.Request, *string) {
	t.Helper()
	var got http.Request
	var sent string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = *r
		b, _ := io.ReadAll(r.Body)
		sent = string(b)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	c := New(Options{Region: "us-east-1", Endpoint: srv.URL, HTTP: srv.Client(),
		Credentials: awsjson.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}})
	return c, &got, &sent
}

func TestCancelledTransactionGivesItsReasonsAndOldItems(t *testing.T) {
	c, req, sent := answer(t, 400, `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
		"Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]",
		"CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"The conditional request failed","Item":{"pk":{"S":"APP#1"},"status":{"S":"DELETING"}}}]}`)
	_, err := c.TransactWriteItems(context.Background(), &TransactWriteItemsInput{TransactItems: []TransactWriteItem{
		{ConditionCheck: &ConditionCheck{TableName: "t", Key: Item{"pk": &AttributeValueMemberS{Value: "APP#1"}}, ConditionExpression: "attribute_exists(pk)"}},
		{Put: &Put{TableName: "t", Item: Item{"pk": &AttributeValueMemberS{Value: "APP#1"}}}},
	}})
	var tce *TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("err = %v, want a TransactionCanceledException", err)
	}
	if len(tce.CancellationReasons) != 2 || tce.CancellationReasons[0].Code != "None" || tce.CancellationReasons[1].Code != "ConditionalCheckFailed" {
		t.Fatalf("reasons = %+v", tce.CancellationReasons)
	}
	if s, _ := tce.CancellationReasons[1].Item["status"].(*AttributeValueMemberS); s == nil || s.Value != "DELETING" {
		t.Errorf("old item = %v", tce.CancellationReasons[1].Item)
	}
	if target := req.Header.Get("X-Amz-Target"); target != "DynamoDB_20120810.TransactWriteItems" {
		t.Errorf("X-Amz-Target = %q", target)
	}
	if !strings.Contains(*sent, `"ConditionCheck":{"TableName":"t"`) || strings.Contains(*sent, `"Update"`) {
		t.Errorf("request body = %s", *sent)
	}
}

func TestCancelledTransactionWithoutReasonsOrWithUndecodableOnes(t *testing.T) {
	tests := []struct {
		name         string
		body         string
		wantTCE      bool
		wantAPIError bool // as with any other error
	}{
		{"no reasons", `{"__type":"#TransactionCanceledException","Message":"cancelled"}`, true, false},
		{"reasons of the wrong type", `{"__type":"#TransactionCanceledException","CancellationReasons":{}}`, false, true},
		{"a reason's item of no known type", `{"__type":"#TransactionCanceledException","CancellationReasons":[{"Code":"x","Item":{"a":{}}}]}`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := answer(t, 400, tt.body)
			_, err := c.TransactWriteItems(context.Background(), &TransactWriteItemsInput{})
			if err == nil {
				t.Fatal("a cancelled transaction gave no error")
			}
			var tce *TransactionCanceledException
			var ae *awsjson.APIError
			if errors.As(err, &tce) != tt.wantTCE || errors.As(err, &ae) != tt.wantAPIError {
				t.Errorf("err = %v; want a TransactionCanceledException: %v, an APIError: %v", err, tt.wantTCE, tt.wantAPIError)
			}
		})
	}
}

func TestOtherErrorsAreAPIErrors(t *testing.T) {
	c, _, _ := answer(t, 400, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`)
	_, err := c.Query(context.Background(), &QueryInput{TableName: "missing"})
	var ae *awsjson.APIError
	if !errors.As(err, &ae) || ae.Code != "ResourceNotFoundException" {
		t.Fatalf("err = %v, want an APIError ResourceNotFoundException", err)
	}
}

func TestEachTransactionCallGetsItsOwnIdempotencyToken(t *testing.T) {
	c, _, sent := answer(t, 200, `{}`)
	in := &TransactWriteItemsInput{TransactItems: []TransactWriteItem{{Put: &Put{TableName: "t", Item: Item{"pk": &AttributeValueMemberS{Value: "a"}}}}}}
	var tokens []string
	for range 2 {
		if _, err := c.TransactWriteItems(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		var body struct{ ClientRequestToken string }
		if err := json.Unmarshal([]byte(*sent), &body); err != nil {
			t.Fatal(err)
		}
		if n := len(body.ClientRequestToken); n == 0 || n > 36 {
			t.Fatalf("ClientRequestToken %q: want 1 to 36 characters", body.ClientRequestToken)
		}
		tokens = append(tokens, body.ClientRequestToken)
	}
	if tokens[0] == tokens[1] || in.ClientRequestToken != "" {
		t.Errorf("tokens %q, input's %q: want two different tokens and the input untouched", tokens, in.ClientRequestToken)
	}
	in.ClientRequestToken = "mine"
	if _, err := c.TransactWriteItems(context.Background(), in); err != nil || !strings.Contains(*sent, `"ClientRequestToken":"mine"`) {
		t.Errorf("a caller's token was not sent as is: %v, %s", err, *sent)
	}
}
