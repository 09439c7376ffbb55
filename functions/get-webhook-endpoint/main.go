// Command get-webhook-endpoint is the Lambda function of GET
// /api/v1/apps/{slug}/webhook-endpoints/{id}. It seals webhook secrets with the stack's KMS
// key (KMS_KEY_ID), and stops at start without one.
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
	h := routes.MustHandler("get-webhook-endpoint", d)
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
