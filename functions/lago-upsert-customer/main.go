// Command lago-upsert-customer is the Lambda function of POST /api/v1/customers (Lago-compatible).
package main

import (
	// The timezone Lago customers carry is checked against the IANA database, which the
	// provided.al2023 runtime does not promise to ship: the binary carries its own (about 450 kB).
	_ "time/tzdata"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/clientele/clientele/internal/routes"
)

func main() {
	h := routes.MustHandler("lago-upsert-customer", routes.DepsFromEnv())
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
