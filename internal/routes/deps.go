package routes

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/clientele/clientele/internal/store"
)

// Environment variables a function reads.
const (
	EnvTable    = "TABLE_NAME"
	EnvEndpoint = "DYNAMODB_ENDPOINT" // set only to reach DynamoDB Local; never in AWS
)

// DepsFromEnv builds the dependencies of a function from the environment Lambda provides
// (AWS_REGION and the function role's credentials) without the SDK's config package, whose
// shared-file and IMDS machinery only slows a cold start down. It exits the process when
// the environment is unusable: a function cannot serve without its table.
func DepsFromEnv() Deps {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	db, table, err := DynamoDBFromEnv()
	if err != nil {
		log.Error("configuration", "error", err.Error())
		os.Exit(1)
	}
	return Deps{Store: store.New(db, table), Log: log}
}

// DynamoDBFromEnv returns a DynamoDB client and the table name from the environment.
func DynamoDBFromEnv() (*dynamodb.Client, string, error) {
	table := os.Getenv(EnvTable)
	if table == "" {
		return nil, "", fmt.Errorf("%s is not set", EnvTable)
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = os.Getenv("AWS_DEFAULT_REGION")
	}
	endpoint := os.Getenv(EnvEndpoint)
	if region == "" && endpoint != "" {
		region = "us-east-1"
	}
	if region == "" {
		return nil, "", fmt.Errorf("AWS_REGION is not set")
	}
	creds := aws.CredentialsProvider(credentials.NewStaticCredentialsProvider(
		os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")))
	if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		if endpoint == "" {
			return nil, "", fmt.Errorf("AWS_ACCESS_KEY_ID is not set")
		}
		creds = credentials.NewStaticCredentialsProvider("local", "local", "") // DynamoDB Local checks no signature
	}
	opts := dynamodb.Options{
		Region:      region,
		Credentials: aws.NewCredentialsCache(creds),
		HTTPClient:  &http.Client{Transport: transport(), Timeout: 10 * time.Second},
	}
	if endpoint != "" {
		opts.BaseEndpoint = aws.String(endpoint)
	}
	return dynamodb.New(opts), table, nil
}

// transport keeps connections to DynamoDB alive between invocations.
func transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 16
	t.MaxIdleConnsPerHost = 16
	t.IdleConnTimeout = 90 * time.Second
	return t
}
