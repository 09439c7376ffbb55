// Command publish-changes is the Lambda function that puts customer change events from the
// table's stream on the EventBridge bus.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/clientele/clientele/internal/changes"
	"github.com/clientele/clientele/internal/changes/bus"
	"github.com/clientele/clientele/internal/telemetry"
)

func main() {
	log := telemetry.NewLogger(os.Stdout, "")
	pub, name, err := bus.FromEnv()
	if err != nil {
		log.Error("configuration", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(changes.New(pub, name, log).Handle)
}
