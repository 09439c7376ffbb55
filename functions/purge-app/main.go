// Command purge-app is the worker that empties a deleted app's partition, fed by the table's
// DynamoDB stream (app items turning DELETING); it reports each failed record back so that
// only those are retried.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/clientele/clientele/internal/purger"
	"github.com/clientele/clientele/internal/routes"
)

func main() {
	d := routes.DepsFromEnv()
	lambda.Start(purger.New(d.Store, d.Log).Handle)
}
