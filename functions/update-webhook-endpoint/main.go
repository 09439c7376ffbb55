// Command update-webhook-endpoint is the Lambda function of PUT /api/v1/apps/{slug}/webhook-endpoints/{id}.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/clientele/clientele/internal/routes"
)

func main() {
	h := routes.MustHandler("update-webhook-endpoint", routes.DepsFromEnv())
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
