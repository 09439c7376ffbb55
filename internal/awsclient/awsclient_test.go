package awsclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name        string
		env         map[string]string
		local       bool
		wantErr     bool
		wantRegion  string
		wantKey     string
		wantMode    aws.RetryMode
		wantAttempt int
	}{
		{name: "Lambda's environment", env: map[string]string{
			"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t",
		}, wantRegion: "eu-west-1", wantKey: "AKID"},
		{name: "AWS_DEFAULT_REGION when AWS_REGION is unset", env: map[string]string{
			"AWS_DEFAULT_REGION": "us-west-2", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s",
		}, wantRegion: "us-west-2", wantKey: "AKID"},
		{name: "no region", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s"}, wantErr: true},
		{name: "no credentials", env: map[string]string{"AWS_REGION": "eu-west-1"}, wantErr: true},
		{name: "a key without its secret", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID"},
			wantErr: true},
		{name: "a key without its secret, locally", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKID"},
			local: true, wantErr: true},
		{name: "local stand-in without region or credentials", local: true, wantRegion: "us-east-1", wantKey: "local"},
		{name: "retry settings", env: map[string]string{
			"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s",
			"AWS_RETRY_MODE": "adaptive", "AWS_MAX_ATTEMPTS": "5",
		}, wantRegion: "eu-west-1", wantKey: "AKID", wantMode: aws.RetryModeAdaptive, wantAttempt: 5},
		{name: "unknown retry mode", env: map[string]string{
			"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_RETRY_MODE": "eager",
		}, wantErr: true},
		{name: "max attempts not a number", env: map[string]string{
			"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_MAX_ATTEMPTS": "many",
		}, wantErr: true},
		{name: "max attempts zero", env: map[string]string{
			"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_MAX_ATTEMPTS": "0",
		}, wantErr: true},
	}
	vars := []string{
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range vars {
				t.Setenv(v, tt.env[v])
			}
			env, err := FromEnv(tt.local)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("no error, got %+v", env)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if env.Region != tt.wantRegion || env.RetryMode != tt.wantMode || env.MaxAttempts != tt.wantAttempt {
				t.Errorf("got region %q, retry mode %q, max attempts %d", env.Region, env.RetryMode, env.MaxAttempts)
			}
			creds, err := env.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if creds.AccessKeyID != tt.wantKey {
				t.Errorf("access key %q, want %q", creds.AccessKeyID, tt.wantKey)
			}
		})
	}
}

// TestDynamoDB: the client carries the environment and overrides the endpoint only when one
// is given.
func TestDynamoDB(t *testing.T) {
	env := Env{Region: "eu-west-1", Credentials: aws.AnonymousCredentials{}, MaxAttempts: 4}
	for _, endpoint := range []string{"", "http://127.0.0.1:8000"} {
		o := DynamoDB(env, endpoint).Options()
		if o.Region != "eu-west-1" || o.RetryMaxAttempts != 4 || o.HTTPClient == nil {
			t.Errorf("options %+v", o)
		}
		if got := aws.ToString(o.BaseEndpoint); got != endpoint {
			t.Errorf("endpoint %q, want %q", got, endpoint)
		}
	}
}

// TestDynamoDBSendsTheTraceHeader: in a Lambda invocation (AWS_LAMBDA_FUNCTION_NAME and the
// _X_AMZN_TRACE_ID that aws-lambda-go sets), every DynamoDB call carries the invocation's
// X-Ray trace header, so that X-Ray links the call to the function's trace.
func TestDynamoDBSendsTheTraceHeader(t *testing.T) {
	const traceID = "Root=1-65a1b2c3-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "get-customer")
	t.Setenv("_X_AMZN_TRACE_ID", traceID)
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("X-Amzn-Trace-Id")
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	env := Env{Region: "eu-west-1", Credentials: aws.AnonymousCredentials{}, MaxAttempts: 1}
	if _, err := DynamoDB(env, srv.URL).GetItem(t.Context(), &dynamodb.GetItemInput{
		TableName: aws.String("t"), Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "x"}},
	}); err != nil {
		t.Fatal(err)
	}
	if h := <-got; h != traceID {
		t.Errorf("X-Amzn-Trace-Id %q, want %q", h, traceID)
	}
}
