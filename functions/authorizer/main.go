// Command authorizer is the API Gateway Lambda REQUEST authorizer (payload 2.0, simple
// responses): it turns the request's Bearer key into the principal every function reads.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/clientele/clientele/internal/authorizer"
	"github.com/clientele/clientele/internal/routes"
)

func main() {
	d := routes.DepsFromEnv()
	lambda.Start(authorizer.New(d.Store, d.Log).Handle)
}
