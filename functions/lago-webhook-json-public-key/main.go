// Command lago-webhook-json-public-key is the Lambda function of GET
// /api/v1/webhooks/json_public_key. It seals webhook secrets with the stack's KMS key
// (KMS_KEY_ID), and stops at start without one.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/clientele/clientele/internal/routes"
	"github.com/clientele/clientele/internal/seal/awskms"
)

func main() {
	d := routes.DepsFromEnv()
	d.Sealer = awskms.MustFromEnv(d.Log)
	h := routes.MustHandler("lago-webhook-json-public-key", d)
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
