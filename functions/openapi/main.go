// Command openapi is the Lambda function of GET /api/openapi.json: the OpenAPI document of
// every route (docs/openapi.yaml, as JSON). It reads no table, so it builds no DynamoDB client.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/clientele/clientele/docs"
	"github.com/clientele/clientele/internal/routes"
)

func main() {
	d := routes.DepsWithoutTable()
	d.Document = docs.OpenAPIJSON
	h := routes.OpenAPI().Handler(d)
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
