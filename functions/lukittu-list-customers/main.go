// Command lukittu-list-customers is the Lambda function of
// GET /api/v1/dev/teams/{teamId}/customers (Lukittu-compatible).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/clientele/clientele/internal/routes"
)

func main() {
	h := routes.LukittuListCustomers().Handler(routes.DepsFromEnv())
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
