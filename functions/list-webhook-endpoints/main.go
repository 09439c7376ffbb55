// Command list-webhook-endpoints is the Lambda function of GET /api/v1/apps/{slug}/webhook-endpoints.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/clientele/clientele/internal/routes"
)

func main() {
	h := routes.MustHandler("list-webhook-endpoints", routes.DepsFromEnv())
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
