package webhook

import (
	"fmt"
	"os"
)

// EnvLocal turns Policy.Local on ("true"): endpoints on http to loopback. Only `make local`
// (cmd/local) sets it; it is never inferred from anything else, DYNAMODB_ENDPOINT included.
const EnvLocal = "WEBHOOKS_LOCAL"

// PolicyFromEnv is the Policy of a function's environment: Local only when EnvLocal is "true".
func PolicyFromEnv() (Policy, error) {
	switch v := os.Getenv(EnvLocal); v {
	case "", "false":
		return Policy{}, nil
	case "true":
		return Policy{Local: true}, nil
	default:
		return Policy{}, fmt.Errorf("%s is %q: set it to true or leave it unset", EnvLocal, v)
	}
}
