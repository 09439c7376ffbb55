// Command find-customer-by-external-id is the Lambda function of GET /api/v1/apps/{slug}/customers/by-external-id.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/clientele/clientele/internal/routes"
)

func main() {
	h := routes.FindCustomerByExternalID().Handler(routes.DepsFromEnv())
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
