// Package dynamotest gives tests a fresh DynamoDB table, shaped like the
// project's own, on DynamoDB Local.
//
// Tests find DynamoDB Local through the DYNAMODB_ENDPOINT environment variable,
// which `make test` (go run ./cmd/ddblocal -- go test ./...) sets. Without it a
// test that calls [New] is skipped, or fails when CLIENTELE_REQUIRE_DYNAMODB=1,
// as it is in `make test` and CI, so that a missing DynamoDB can never turn a
// run green by skipping everything.
package dynamotest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/clientele/clientele/internal/samtemplate"
)

const (
	// EndpointEnv names the variable holding DynamoDB Local's URL.
	EndpointEnv = "DYNAMODB_ENDPOINT"
	// RequireEnv names the variable that, set to 1, turns a missing endpoint
	// from a skip into a failure.
	RequireEnv = "CLIENTELE_REQUIRE_DYNAMODB"
	// TableResource is the logical id of the table in template.yaml.
	TableResource = "Table"

	// Region is the region of every client New builds. DynamoDB Local runs
	// with -sharedDb, so neither the region nor the credentials matter.
	Region = "us-east-1"

	// maxTableName is DynamoDB's limit on a table name's length.
	maxTableName = 255
	// setupTimeout bounds creating a table and tearing it down.
	setupTimeout = 30 * time.Second
)

// Table is a table of its own for one test, created from template.yaml.
type Table struct {
	Client *dynamodb.Client
	Name   string
}

// shared is what every test of a binary shares: the parsed template and one
// HTTP client, so that the clients of many tests reuse one connection pool.
var shared struct {
	once sync.Once
	tmpl *samtemplate.Template
	err  error
	http *http.Client
}

func load() (*samtemplate.Template, *http.Client, error) {
	shared.once.Do(func() {
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.MaxIdleConnsPerHost = 64 // parallel tests all talk to one host
		shared.http = &http.Client{Transport: transport}
		path, err := samtemplate.Find(".")
		if err != nil {
			shared.err = err
			return
		}
		shared.tmpl, shared.err = samtemplate.Load(path)
	})
	return shared.tmpl, shared.http, shared.err
}

// Endpoint returns DynamoDB Local's URL from DYNAMODB_ENDPOINT, and whether
// it is set.
func Endpoint() (string, bool) {
	endpoint := os.Getenv(EndpointEnv)
	return endpoint, endpoint != ""
}

// New creates a table shaped like template.yaml's Table resource (keys,
// indexes and time to live) but for its stream, with a name of its own, and
// deletes it when the test and its subtests finish. optFns adjust the client,
// for example to add middleware that injects faults.
//
// The stream is left out because DynamoDB Local keeps the stream records of
// every table, deleted ones too, and its writes slow down as they pile up: the
// store's 1,900-write test took 10 s on a fresh DynamoDB Local, and 42 s after
// a test of 1,000 writes to a table with a stream. NewWithStream keeps it.
//
// Without DYNAMODB_ENDPOINT, New skips the test, or fails it when
// CLIENTELE_REQUIRE_DYNAMODB=1.
func New(tb testing.TB, optFns ...func(*dynamodb.Options)) *Table {
	tb.Helper()
	return newTable(tb, false, optFns...)
}

// NewWithStream is New with the template's stream, for the tests that read it.
func NewWithStream(tb testing.TB, optFns ...func(*dynamodb.Options)) *Table {
	tb.Helper()
	return newTable(tb, true, optFns...)
}

func newTable(tb testing.TB, stream bool, optFns ...func(*dynamodb.Options)) *Table {
	tb.Helper()
	endpoint, ok := Endpoint()
	if !ok {
		msg := EndpointEnv + " is not set: run `make test`, which starts DynamoDB Local " +
			"(or go run ./cmd/ddblocal -- go test ./...)"
		if os.Getenv(RequireEnv) == "1" {
			tb.Fatal(msg + "; " + RequireEnv + "=1 makes this a failure")
		}
		tb.Skip(msg)
	}
	tmpl, httpClient, err := load()
	if err != nil {
		tb.Fatalf("dynamotest: %v", err)
	}
	client := dynamodb.New(dynamodb.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		HTTPClient:   httpClient,
	}, optFns...)

	name := tableName(tb.Name())
	in, err := tmpl.CreateTableInput(TableResource, name)
	if err != nil {
		tb.Fatalf("dynamotest: %v", err)
	}
	if !stream {
		in.StreamSpecification = nil
	}
	ctx, cancel := context.WithTimeout(tb.Context(), setupTimeout)
	defer cancel()
	if _, err := client.CreateTable(ctx, in); err != nil {
		tb.Fatalf("dynamotest: create table %s on %s: %v", name, endpoint, err)
	}
	tb.Cleanup(func() {
		// tb.Context is already canceled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		_, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		if rnf := (*types.ResourceNotFoundException)(nil); err != nil && !errors.As(err, &rnf) {
			tb.Errorf("dynamotest: delete table %s: %v", name, err)
		}
	})
	if err := waitActive(ctx, client, name); err != nil {
		tb.Fatalf("dynamotest: %v", err)
	}
	if attr, ok := tmpl.TTLAttribute(TableResource); ok {
		_, err := client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
			TableName: aws.String(name),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{
				AttributeName: aws.String(attr),
				Enabled:       aws.Bool(true),
			},
		})
		// An emulator without time to live answers with an API error; the
		// table is still good for everything else.
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			tb.Logf("dynamotest: time to live not enabled on %s: %v", name, err)
		} else if err != nil {
			tb.Fatalf("dynamotest: enable time to live on %s: %v", name, err)
		}
	}
	return &Table{Client: client, Name: name}
}

// waitActive polls until the table and all its global secondary indexes are
// ACTIVE. DynamoDB Local creates them active at once; the loop keeps New
// correct against emulators that do not.
func waitActive(ctx context.Context, client *dynamodb.Client, name string) error {
	delay := 10 * time.Millisecond
	for {
		out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("describe table %s: %w", name, err)
		}
		if active(out.Table) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("table %s is still %s: %w", name, out.Table.TableStatus, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Second)
	}
}

func active(t *types.TableDescription) bool {
	if t == nil || t.TableStatus != types.TableStatusActive {
		return false
	}
	for _, x := range t.GlobalSecondaryIndexes {
		if x.IndexStatus != types.IndexStatusActive {
			return false
		}
	}
	return true
}

// tableName derives a table name from a test name: the characters DynamoDB
// does not allow in names (anything but a-z, A-Z, 0-9, '_', '-' and '.')
// become '_', and a random suffix makes it unique across tests, runs and
// packages sharing one DynamoDB Local.
func tableName(testName string) string {
	suffix := "-" + rand.Text()[:12]
	var b strings.Builder
	for _, r := range testName {
		if b.Len() == maxTableName-len(suffix) {
			break
		}
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '_', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String() + suffix
}
