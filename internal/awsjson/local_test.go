package awsjson

import (
	"context"
	"errors"
	"os"
	"testing"
)

// TestAgainstDynamoDBLocal talks to DynamoDB Local when DYNAMODB_ENDPOINT names one (as
// `make test` sets it): an answer decodes, and an error is an *APIError with the service's
// code. DynamoDB Local checks the request's shape, not its signature.
func TestAgainstDynamoDBLocal(t *testing.T) {
	endpoint := os.Getenv("DYNAMODB_ENDPOINT")
	if endpoint == "" {
		t.Skip("DYNAMODB_ENDPOINT is not set")
	}
	c := &Client{
		Service: "dynamodb", Region: "us-east-1", Endpoint: endpoint,
		TargetPrefix: "DynamoDB_20120810", JSONVersion: "1.0",
		Credentials: Credentials{AccessKeyID: "local", SecretAccessKey: "local"},
	}
	ctx := context.Background()
	var tables struct{ TableNames []string }
	if err := c.Do(ctx, "ListTables", map[string]int{"Limit": 1}, &tables); err != nil {
		t.Fatalf("ListTables: %v", err)
	}
	err := c.Do(ctx, "DescribeTable", map[string]string{"TableName": "awsjson-no-such-table"}, nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "ResourceNotFoundException" || ae.StatusCode != 400 || ae.Message == "" {
		t.Errorf("DescribeTable of no table: err = %v, want a ResourceNotFoundException", err)
	}
	err = c.Do(ctx, "NoSuchOperation", nil, nil)
	if !errors.As(err, &ae) || ae.StatusCode != 400 {
		t.Errorf("an unknown operation: err = %v, want a 400 *APIError", err)
	}
	t.Logf("unknown operation: %v", err)
}
