package apitest

import (
	"encoding/json"
	"testing"
)

// Answer is an answer of the stack with the request it answers, for an AnswerCheck.
type Answer struct {
	Method string
	Path   string // escaped, as sent, without the query
	Status int
	Body   []byte
}

// FromGateway reports whether the answer is one of API Gateway's own, {"message": …}, which
// no function of the stack wrote.
func (a Answer) FromGateway() bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(a.Body, &m) != nil || len(m) != 1 {
		return false
	}
	_, ok := m["message"]
	return ok
}

// AnswerCheck holds every answer that a package's tests get (through Caller and SendHostile)
// to more than docs/openapi.yaml: a dialect's tests give Main the check of its product's own
// document (internal/lago holds its answers to Lago's).
type AnswerCheck func(t *testing.T, a Answer)

// answerChecks are the checks Main was given; it sets them before any test runs.
var answerChecks []AnswerCheck

func checkAnswer(t *testing.T, a Answer) {
	t.Helper()
	for _, check := range answerChecks {
		check(t, a)
	}
}
