// Package apitest runs Clientele's stack in miniature for HTTP tests: a table of its own on
// DynamoDB Local, the local gateway (internal/gateway) in front of every function of
// internal/routes, each with its own store and DynamoDB client, behind the real authorizer,
// and an account key. Every round trip is held to docs/openapi.yaml, and every DynamoDB call
// of a function to the access its route grants (routes.Access); [Main] checks that a
// package's tests use every grant of its dialect's functions (docs/development.md, "HTTP
// tests").
//
// It is imported only by tests, never linked into a function (internal/stackcheck checks).
package apitest

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/docs"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/authorizer"
	"github.com/clientele/clientele/internal/dynamotest"
	"github.com/clientele/clientele/internal/gateway"
	"github.com/clientele/clientele/internal/routes"
	"github.com/clientele/clientele/internal/samtemplate"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/webhook"
)

// Env is the deployed stack in miniature: a table, the gateway in front of every function,
// and an account key.
type Env struct {
	URL        string
	AccountKey string       // manages apps and their keys, and reaches every app
	Clock      *Clock       // the gateway's: its authorizer cache
	StoreClock *Clock       // the functions' stores': idempotency records expire on it
	Faults     *Faults      // injected into every function's DynamoDB client
	Admin      *store.Store // outside the gateway: the operator's and the purge worker's access
	Table      *dynamotest.Table
	RouteKeys  []string // every route the gateway serves, as "METHOD /path"
	// Hosts resolves the names of webhook URLs for the functions' checks, without a query.
	Hosts *Hosts

	iam    *recorder
	served *routeLog
}

// Option changes how New builds the stack.
type Option func(*settings)

type settings struct {
	gateway       gateway.Options
	log           func(function string) *slog.Logger
	missingTable  bool
	localWebhooks bool
}

// LocalWebhooks gives the functions the local setting of webhook URLs (webhook.Policy.Local,
// which `make local` sets): http to loopback is allowed.
func LocalWebhooks() Option {
	return func(s *settings) { s.localWebhooks = true }
}

// IntegrationTimeout sets how long the gateway waits for a function (gateway.Options).
func IntegrationTimeout(d time.Duration) Option {
	return func(s *settings) { s.gateway.IntegrationTimeout = d }
}

// FunctionLog gives each function its logger; by default warnings and errors go to stderr,
// which go test shows on failure.
func FunctionLog(log func(function string) *slog.Logger) Option {
	return func(s *settings) { s.log = log }
}

// MissingTable makes every function read and write a table that does not exist, as when
// DynamoDB is out of reach; Admin keeps the real one.
func MissingTable() Option {
	return func(s *settings) { s.missingTable = true }
}

// New builds the stack for a test, on a table of its own, and stops it when the test ends;
// it then fails the test for a DynamoDB call that a function's policy does not grant.
func New(t *testing.T, opts ...Option) *Env {
	t.Helper()
	warnings := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := settings{log: func(fn string) *slog.Logger { return warnings.With("function", fn) }}
	for _, o := range opts {
		o(&s)
	}
	tbl := dynamotest.New(t)
	api := templateAPI(t)
	e := &Env{
		Clock: &Clock{}, StoreClock: &Clock{}, Faults: &Faults{},
		Admin: store.New(tbl.Client, tbl.Name), Table: tbl, Hosts: newHosts(),
		iam: newRecorder(), served: &routeLog{seen: map[string]bool{}},
	}
	kms := newStandInKMS(t)
	table := tbl.Name
	if s.missingTable {
		table += "-missing"
	}
	depsFor := func(fn string) routes.Deps {
		db := dynamodb.New(tbl.Client.Options(), e.iam.option(fn), e.Faults.option)
		st := store.New(db, table)
		st.SetClock(func() time.Time { return e.StoreClock.Now().UTC() })
		return routes.Deps{Store: st, Log: s.log(fn), Document: docs.OpenAPIJSON, Sealer: kms.sealer(fn, e.iam),
			Webhooks: webhook.Policy{Local: s.localWebhooks, Resolver: e.Hosts}}
	}
	for _, r := range api.Routes {
		e.RouteKeys = append(e.RouteKeys, r.Method+" "+r.Path)
	}
	authz := depsFor(api.Authorizer.Function)
	gwOpts := s.gateway
	gwOpts.Now, gwOpts.Log = e.Clock.Now, slog.New(e.served)
	gw, err := gateway.New(api, authorizer.New(authz.Store, authz.Log).Handle, depsFor, gwOpts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	e.URL = srv.URL
	t.Cleanup(func() {
		srv.Close()
		e.iam.checkGranted(t)
		thisRun.add(e.iam, e.served)
	})

	secret, hash := auth.Generate(auth.Account)
	key := auth.Key{Kind: auth.Account, Hint: auth.Hint(secret)}
	if _, err := e.Admin.CreateKey(context.Background(), hash, key); err != nil {
		t.Fatal(err)
	}
	e.AccountKey = secret
	return e
}

// templateAPI is the API that template.yaml declares.
func templateAPI(t *testing.T) gateway.API {
	t.Helper()
	path, err := samtemplate.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	api, err := gateway.FromTemplate(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// Clock is the real clock plus an offset that tests move forward, to expire the
// authorizer's cache or idempotency records without waiting.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the time on the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// CheckInvariants fails the test for every broken invariant of an app (store.Verify).
func (e *Env) CheckInvariants(t *testing.T, appUUID string) {
	t.Helper()
	problems, err := e.Admin.Verify(t.Context(), appUUID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// Partition reads every item of an app's partition, consistently, to show that a request
// wrote nothing.
func (e *Env) Partition(t *testing.T, appUUID string) []map[string]any {
	t.Helper()
	values, err := attributevalue.MarshalMap(map[string]string{":pk": "APP#" + appUUID})
	if err != nil {
		t.Fatal(err)
	}
	pages := dynamodb.NewQueryPaginator(e.Table.Client, &dynamodb.QueryInput{
		TableName: aws.String(e.Table.Name), KeyConditionExpression: aws.String("pk = :pk"),
		ExpressionAttributeValues: values, ConsistentRead: aws.Bool(true),
	})
	var items []map[string]any
	for pages.HasMorePages() {
		page, err := pages.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var got []map[string]any
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &got); err != nil {
			t.Fatal(err)
		}
		items = append(items, got...)
	}
	return items
}

// Count counts the items of a type (CUSTOMER, LICENSE, IDEMPOTENCY_RECORD…) in an app's
// partition.
func (e *Env) Count(t *testing.T, appUUID, typ string) int {
	t.Helper()
	n := 0
	for _, it := range e.Partition(t, appUUID) {
		if it["type"] == typ {
			n++
		}
	}
	return n
}

// Records counts the idempotency records of an app.
func (e *Env) Records(t *testing.T, appUUID string) int {
	t.Helper()
	return e.Count(t, appUUID, "IDEMPOTENCY_RECORD")
}

// DropShards turns an app back into its shape of before the shards (internal/store's
// shards.go): no shard items, the customer counter in #META, and customers that record no
// shard; the app's invariants must hold.
func (e *Env) DropShards(t *testing.T, appUUID string) {
	t.Helper()
	db, table := e.Table.Client, aws.String(e.Table.Name)
	key := func(sk string) map[string]types.AttributeValue {
		k, err := attributevalue.MarshalMap(map[string]string{"pk": "APP#" + appUUID, "sk": sk})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	var count int64
	for _, it := range e.Partition(t, appUUID) {
		sk, _ := it["sk"].(string)
		var err error
		switch {
		case strings.HasPrefix(sk, "#SHARD#"):
			if n, ok := it["customer_count"].(float64); ok {
				count += int64(n)
			}
			_, err = db.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: table, Key: key(sk)})
		case strings.HasPrefix(sk, "CUS#"):
			_, err = db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: table, Key: key(sk),
				UpdateExpression: aws.String("REMOVE counter_shard")})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	n, err := attributevalue.MarshalMap(map[string]int64{":n": count})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: table, Key: key("#META"),
		UpdateExpression: aws.String("ADD customer_count :n"), ExpressionAttributeValues: n}); err != nil {
		t.Fatal(err)
	}
	e.CheckInvariants(t, appUUID)
}
