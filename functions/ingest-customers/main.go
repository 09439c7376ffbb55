// Command ingest-customers is the Lambda function that applies queued customer commands
// (SQS, fed directly or by an EventBridge rule).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/clientele/clientele/internal/ingest"
	"github.com/clientele/clientele/internal/routes"
)

func main() {
	d := routes.DepsFromEnv()
	lambda.Start(ingest.New(d.Store, d.Log).Handle)
}
