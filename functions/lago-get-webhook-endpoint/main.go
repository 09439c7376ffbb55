// Command lago-get-webhook-endpoint is the Lambda function of GET /api/v1/webhook_endpoints/{lago_id}.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/clientele/clientele/internal/routes"
)

func main() {
	h := routes.MustHandler("lago-get-webhook-endpoint", routes.DepsFromEnv())
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
