// Package awsclient builds a Lambda function's AWS SDK clients, once, in main, from what
// Lambda's environment gives it: the region, the role's credentials, the retry settings, and
// an endpoint only where one is set for local use. It uses the SDK's own constructors with
// explicit options rather than config.LoadDefaultConfig, whose shared-file, SSO, STS and
// IMDS machinery slows a function's init and has nothing to find in Lambda. The EventBridge
// client is built beside its one user (package changes) from the same Env, so that the
// DynamoDB functions do not link it.
package awsclient

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// EnvDynamoDBEndpoint points the DynamoDB client at DynamoDB Local; it is never set in AWS.
const EnvDynamoDBEndpoint = "DYNAMODB_ENDPOINT"

// Env is what a client is built from, read from the process environment by FromEnv.
type Env struct {
	Region      string
	Credentials aws.CredentialsProvider
	RetryMode   aws.RetryMode // "" for the SDK's default (standard)
	MaxAttempts int           // 0 for the SDK's default
}

// FromEnv reads the region, the credentials and the retry settings the SDK's shared config
// would read from the environment (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, AWS_RETRY_MODE, AWS_MAX_ATTEMPTS). Without a key and its secret it fails,
// unless local is set: DynamoDB Local and the benchmark's stand-ins check no signature.
func FromEnv(local bool) (Env, error) {
	env := Env{Region: os.Getenv("AWS_REGION")}
	if env.Region == "" {
		env.Region = os.Getenv("AWS_DEFAULT_REGION")
	}
	if env.Region == "" && local {
		env.Region = "us-east-1"
	}
	if env.Region == "" {
		return Env{}, fmt.Errorf("AWS_REGION is not set")
	}
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	switch {
	case id != "" && secret != "":
		static := credentials.NewStaticCredentialsProvider(id, secret, os.Getenv("AWS_SESSION_TOKEN"))
		env.Credentials = aws.NewCredentialsCache(static)
	case local && id == "" && secret == "":
		env.Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")
	default:
		return Env{}, fmt.Errorf("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set")
	}
	if s := os.Getenv("AWS_RETRY_MODE"); s != "" {
		mode, err := aws.ParseRetryMode(s)
		if err != nil {
			return Env{}, fmt.Errorf("AWS_RETRY_MODE: %w", err)
		}
		env.RetryMode = mode
	}
	if s := os.Getenv("AWS_MAX_ATTEMPTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return Env{}, fmt.Errorf("AWS_MAX_ATTEMPTS is not a positive integer: %q", s)
		}
		env.MaxAttempts = n
	}
	return env, nil
}

// DynamoDB returns a DynamoDB client with the standard retryer; endpoint, when not empty,
// overrides the service's.
func DynamoDB(env Env, endpoint string, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	opts := dynamodb.Options{
		Region:           env.Region,
		Credentials:      env.Credentials,
		RetryMode:        env.RetryMode,
		RetryMaxAttempts: env.MaxAttempts,
		HTTPClient:       HTTPClient(),
	}
	if endpoint != "" {
		opts.BaseEndpoint = aws.String(endpoint)
	}
	return dynamodb.New(opts, optFns...)
}

// HTTPClient is the SDK's buildable client, kept alive between invocations and on HTTP/1.1:
// DynamoDB and EventBridge answer HTTP/1.1, and setting HTTP/2 up costs every cold start.
func HTTPClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().
		WithTimeout(10 * time.Second).
		WithTransportOptions(func(t *http.Transport) {
			t.ForceAttemptHTTP2 = false
			t.MaxIdleConns = 16
			t.MaxIdleConnsPerHost = 16
			t.IdleConnTimeout = 90 * time.Second
		})
}
