// Command not-found is the Lambda function of the catch-all route, ANY /{proxy+}: it answers
// every request no other route matches with a 404 in the format of the dialect its path
// belongs to. It reads no table, so it builds no DynamoDB client.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/clientele/clientele/internal/routes"
)

func main() {
	h := routes.NotFound().Handler(routes.DepsWithoutTable())
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
