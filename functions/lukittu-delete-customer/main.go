// Command lukittu-delete-customer is the Lambda function of
// DELETE /api/v1/dev/teams/{teamId}/customers/{customerId} (Lukittu-compatible).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/clientele/clientele/internal/routes"
)

func main() {
	h := routes.LukittuDeleteCustomer().Handler(routes.DepsFromEnv())
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
