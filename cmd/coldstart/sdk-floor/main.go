// Command sdk-floor is a yardstick of the cold-start benchmark: hello, plus the SDK's
// DynamoDB client built exactly as the functions build it (awsclient), plus one GetItem. It
// is the least a function that reads DynamoDB can cost.
package main

import (
	"os"

	"github.com/clientele/clientele/cmd/coldstart/getitem"
	"github.com/clientele/clientele/internal/awsclient"
)

func main() {
	endpoint := os.Getenv(awsclient.EnvDynamoDBEndpoint)
	env, err := awsclient.FromEnv(endpoint != "")
	if err != nil {
		panic(err)
	}
	getitem.Start(awsclient.DynamoDB(env, endpoint))
}
