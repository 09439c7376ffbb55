package apitest

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/routes"
)

// TestRecorderNamesTheActionsACallNeeds: a transaction needs the action of each of its items,
// a query its index, any other call its own operation.
func TestRecorderNamesTheActionsACallNeeds(t *testing.T) {
	r := newRecorder()
	r.record("fn", "TransactWriteItems", &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{}}, {ConditionCheck: &types.ConditionCheck{}}, {Delete: &types.Delete{}},
	}})
	r.record("fn", "Query", &dynamodb.QueryInput{IndexName: aws.String("gsi4")})
	r.record("fn", "TransactGetItems", &dynamodb.TransactGetItemsInput{})
	r.record("fn", "BatchGetItem", &dynamodb.BatchGetItemInput{})
	want := "fn: calls BatchGetItem, ConditionCheckItem, DeleteItem, GetItem, PutItem, Query; indexes gsi4"
	if got := r.calls("fn"); got != want {
		t.Errorf("recorded %q, want %q", got, want)
	}
}

// TestRecorderReportsEveryMismatch: what a function calls beyond its grant, and what it is
// granted but never calls, are each one line.
func TestRecorderReportsEveryMismatch(t *testing.T) {
	r := newRecorder()
	r.record("fn", "GetItem", &dynamodb.GetItemInput{})
	r.record("fn", "Query", &dynamodb.QueryInput{IndexName: aws.String("gsi9")})
	a := routes.Access{Actions: []string{"GetItem", "PutItem"}, Indexes: []string{"gsi4"}}
	wantLines(t, "ungranted", r.ungranted("fn", a), "calls dynamodb:Query", "queries index gsi9")
	wantLines(t, "unused", r.unused("fn", a), "granted dynamodb:PutItem", "granted index gsi4")
	full := routes.Access{Actions: []string{"GetItem", "Query"}, Indexes: []string{"gsi9"}}
	wantLines(t, "ungranted with every grant", r.ungranted("fn", full))
	wantLines(t, "unused with every grant used", r.unused("fn", full))
}

// TestCoverageOfARunThatCalledNothing: a run of a dialect's tests that reached none of its
// routes misses every route and every grant of its functions and of the authorizer.
func TestCoverageOfARunThatCalledNothing(t *testing.T) {
	run := &runRecord{iam: newRecorder(), served: map[string]bool{}}
	problems, _ := run.coverage("lago")
	var routesMissed, grantsMissed int
	for _, p := range problems {
		switch {
		case strings.HasPrefix(p, "no request"):
			routesMissed++
		case strings.Contains(p, "is granted"):
			grantsMissed++
		}
	}
	lago, grants := 0, len(routes.EventAccess()[routes.AuthorizerFunction].Actions)
	for _, r := range routes.All() {
		if r.Dialect.Name == "lago" {
			lago++
			grants += len(r.Access.Actions) + len(r.Access.Indexes) + len(r.Access.KMS)
		}
	}
	if lago == 0 || routesMissed != lago || grantsMissed != grants {
		t.Errorf("%d routes and %d grants missed, want %d and %d:\n%s", routesMissed, grantsMissed, lago, grants,
			strings.Join(problems, "\n"))
	}
	if problems, _ := run.coverage("no-such-dialect"); len(problems) != 1 {
		t.Errorf("an unknown dialect: %q, want one problem", problems)
	}
}

func wantLines(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) || !slices.EqualFunc(got, want, strings.Contains) {
		t.Errorf("%s: %q, want lines containing %q", what, got, want)
	}
}

// TestRecorderHoldsKMSCallsToTheirGrant: a KMS call beyond the grant, and a KMS grant never
// called, are each one line.
func TestRecorderHoldsKMSCallsToTheirGrant(t *testing.T) {
	r := newRecorder()
	r.recordKMS("fn", "Decrypt")
	a := routes.Access{KMS: []string{"Encrypt"}}
	wantLines(t, "ungranted", r.ungranted("fn", a), "calls kms:Decrypt")
	wantLines(t, "unused", r.unused("fn", a), "granted kms:Encrypt")
	if got := r.calls("fn"); !strings.HasSuffix(got, "; kms Decrypt") {
		t.Errorf("recorded %q", got)
	}
}
