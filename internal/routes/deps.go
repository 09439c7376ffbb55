package routes

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/clientele/clientele/internal/awsjson"
	"github.com/clientele/clientele/internal/dynamo"
	"github.com/clientele/clientele/internal/store"
)

// Environment variables a function reads.
const (
	EnvTable    = "TABLE_NAME"
	EnvEndpoint = "DYNAMODB_ENDPOINT" // set only to reach DynamoDB Local; never in AWS
)

// DepsFromEnv builds the dependencies of a function from the environment Lambda provides
// (AWS_REGION and the function role's credentials) without the AWS SDK, whose package
// initialisation costs a third of an empty function's cold start (see internal/dynamo).
// It exits the process when the environment is unusable: a function cannot serve without
// its table.
func DepsFromEnv() Deps {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	db, table, err := DynamoDBFromEnv()
	if err != nil {
		log.Error("configuration", "error", err.Error())
		os.Exit(1)
	}
	return Deps{Store: store.New(db, table), Log: log}
}

// DynamoDBFromEnv returns a DynamoDB client and the table name from the environment: the
// region and credentials Lambda provides, or DynamoDB Local at DYNAMODB_ENDPOINT (which
// checks no signature, so any credentials do).
func DynamoDBFromEnv() (*dynamo.Client, string, error) {
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
	creds := awsjson.CredentialsFromEnv()
	if creds.AccessKeyID == "" {
		if endpoint == "" {
			return nil, "", fmt.Errorf("AWS_ACCESS_KEY_ID is not set")
		}
		creds = awsjson.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}
	}
	return dynamo.New(dynamo.Options{
		Region:      region,
		Endpoint:    endpoint,
		Credentials: creds,
		HTTP:        awsjson.NewHTTPClient(10 * time.Second),
	}), table, nil
}
