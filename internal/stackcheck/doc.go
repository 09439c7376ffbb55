// Package stackcheck holds the tests that hold the stack together: template.yaml against
// AWS SAM's own schema (its SAM part) and goformation (its CloudFormation part), and
// template.yaml, functions/, events/ and the Makefile's build against internal/routes (one
// function folder per resource and per route, the routes and their authorization, each
// function's least-privilege DynamoDB policy, the build flags `sam build` and `make build`
// share, and an event per function that its real Lambda handler answers as expected); and
// the docs against what they describe. It has no code of its own.
package stackcheck
