// Command get-or-create-customer is the Lambda function of POST /api/v1/apps/{slug}/customers/get-or-create.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/clientele/clientele/internal/routes"
)

func main() {
	h := routes.GetOrCreateCustomer().Handler(routes.DepsFromEnv())
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
