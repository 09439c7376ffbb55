package routes

import (
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/clientele/clientele/internal/awsclient"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/telemetry"
	"github.com/clientele/clientele/internal/webhook"
)

// EnvTable names the table a function reads and writes.
const EnvTable = "TABLE_NAME"

// DepsFromEnv builds the dependencies of a function from the environment Lambda provides
// (awsclient), and the rules of webhook URLs (webhook.PolicyFromEnv). It exits the process
// when the environment is unusable: a function cannot serve without its table.
func DepsFromEnv() Deps {
	log := telemetry.NewLogger(os.Stdout, "")
	db, table, err := DynamoDBFromEnv()
	if err == nil {
		var policy webhook.Policy
		if policy, err = webhook.PolicyFromEnv(); err == nil {
			return Deps{Store: store.New(db, table), Log: log, Webhooks: policy}
		}
	}
	log.Error("configuration", "error", err.Error())
	os.Exit(1)
	return Deps{}
}

// DepsWithoutTable builds the dependencies of a function whose route reads no table (its
// Access is empty, as openapi's): the logger alone, without the DynamoDB client that
// DepsFromEnv would build in its init for nothing. Its handler must not use Deps.Store.
func DepsWithoutTable() Deps {
	return Deps{Log: telemetry.NewLogger(os.Stdout, "")}
}

// DynamoDBFromEnv returns a DynamoDB client and the table name from the environment.
func DynamoDBFromEnv() (*dynamodb.Client, string, error) {
	table := os.Getenv(EnvTable)
	if table == "" {
		return nil, "", fmt.Errorf("%s is not set", EnvTable)
	}
	endpoint := os.Getenv(awsclient.EnvDynamoDBEndpoint)
	env, err := awsclient.FromEnv(endpoint != "")
	if err != nil {
		return nil, "", err
	}
	return awsclient.DynamoDB(env, endpoint), table, nil
}
