// Command deliver-webhooks is the Lambda function that sends customer change events, signed,
// to the apps' webhook endpoints, from the delivery queue (change events and retries). It
// opens the endpoints' secrets with the stack's KMS key (KMS_KEY_ID).
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/clientele/clientele/internal/appsapi"
	"github.com/clientele/clientele/internal/changes"
	"github.com/clientele/clientele/internal/deliver"
	"github.com/clientele/clientele/internal/lago"
	"github.com/clientele/clientele/internal/lukittu"
	"github.com/clientele/clientele/internal/seal/awskms"
	"github.com/clientele/clientele/internal/telemetry"
	"github.com/clientele/clientele/internal/webhook"
)

func main() {
	log := telemetry.NewLogger(os.Stdout, "")
	renders := map[webhook.Format]webhook.Render{
		webhook.Apps: appsapi.RenderChange, webhook.Lago: lago.RenderChange, webhook.Lukittu: lukittu.RenderChange,
	}
	h, err := deliver.FromEnv(log, awskms.MustFromEnv(log), renders, changes.ChangeOf)
	if err != nil {
		log.Error("configuration", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
