package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/dynamotest"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/tenant"
)

// Triggers of the injected faults: a message whose customer carries one of these external
// ids meets a failing DynamoDB while faults are on.
const (
	flakyWrite = "flaky-write" // TransactWriteItems fails with ThrottlingException (store busy)
	flakyRead  = "flaky-read"  // BatchGetItem fails with InternalServerError (store unavailable)
)

// faults fails the DynamoDB requests that touch the trigger external ids, before they leave
// the client, while on. It sits in the Initialize step, ahead of the SDK's retryer, so that
// each failing request fails once, as the store sees a failure that outlasted the retries.
type faults struct {
	on  atomic.Bool
	hit atomic.Int64
}

func (f *faults) install(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("inject-faults",
			func(
				ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
			) (middleware.InitializeOutput, middleware.Metadata, error) {
				if f.on.Load() {
					if err := fault(in.Parameters); err != nil {
						f.hit.Add(1)
						return middleware.InitializeOutput{}, middleware.Metadata{}, err
					}
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	})
}

func fault(params any) error {
	switch in := params.(type) {
	case *dynamodb.TransactWriteItemsInput:
		for _, it := range in.TransactItems {
			if it.Put != nil && attr(it.Put.Item, "external_id") == flakyWrite {
				return &smithy.GenericAPIError{Code: "ThrottlingException", Message: "injected: rate exceeded"}
			}
		}
	case *dynamodb.BatchGetItemInput:
		for _, ka := range in.RequestItems {
			for _, k := range ka.Keys {
				if attr(k, "sk") == "EXT#"+flakyRead {
					return &smithy.GenericAPIError{Code: "InternalServerError", Message: "injected: internal server error"}
				}
			}
		}
	}
	return nil
}

func attr(m map[string]types.AttributeValue, name string) string {
	if v, ok := m[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// fixture is a fresh table with two apps: "acme", with seeded customers, and "gone", deleted.
type fixture struct {
	t      *testing.T
	table  *dynamotest.Table
	store  *store.Store
	in     *Ingester
	faults *faults
	logs   *syncBuffer
	acme   string // app ids
	gone   string
	seeds  map[string]customer.Customer // by external id, or email when it has none
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, faults: &faults{}, logs: &syncBuffer{}, seeds: map[string]customer.Customer{}}
	f.table = dynamotest.New(t, f.faults.install)
	f.store = store.New(f.table.Client, f.table.Name)
	log := slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.in = New(f.store, log)
	ctx := context.Background()
	acme, err := f.store.CreateApp(ctx, tenant.App{Slug: "acme", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := f.store.CreateApp(ctx, tenant.App{Slug: "gone", Name: "Gone"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.DeleteApp(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	f.acme, f.gone = acme.ID, gone.ID
	for _, c := range []customer.Customer{
		{ExternalID: "seed-1", Email: "seed1@example.com", Name: "Seed One"},
		{ExternalID: "seed-2", Email: "taken@example.com", Name: "Seed Two"},
		{ExternalID: "seed-3", Email: "seed3@example.com"},
		{Email: "delete-me@example.com"},
	} {
		got, err := f.store.CreateCustomer(ctx, f.acme, c)
		if err != nil {
			t.Fatal(err)
		}
		key := c.ExternalID
		if key == "" {
			key = c.Email
		}
		f.seeds[key] = got
	}
	return f
}

// expand fills the placeholders of a message body: {acme} and {gone} (app ids) and
// {id:<seed>} (a seeded customer's id).
func (f *fixture) expand(body string) string {
	r := []string{"{acme}", f.acme, "{gone}", f.gone}
	for k, c := range f.seeds {
		r = append(r, "{id:"+k+"}", c.ID)
	}
	return strings.NewReplacer(r...).Replace(body)
}

type message struct{ id, body string }

func (f *fixture) batch(msgs []message) events.SQSEvent {
	var ev events.SQSEvent
	for _, m := range msgs {
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId:      m.id,
			Body:           f.expand(m.body),
			EventSource:    "aws:sqs",
			EventSourceARN: "arn:aws:sqs:us-east-1:123456789012:clientele-ingest",
			Attributes:     map[string]string{"ApproximateReceiveCount": "1"},
		})
	}
	return ev
}

// delivery is what one invocation answered and logged: its batch item failures, and for
// each message id what the log says became of it ("created", "rejected:<reason>", "retry").
type delivery struct {
	failures []string
	outcomes map[string]string
}

func (f *fixture) deliver(ev events.SQSEvent) delivery {
	f.t.Helper()
	f.logs.Reset()
	resp, err := f.in.Handle(context.Background(), ev)
	if err != nil {
		f.t.Fatalf("Handle: %v", err)
	}
	d := delivery{failures: []string{}, outcomes: map[string]string{}}
	for _, bf := range resp.BatchItemFailures {
		d.failures = append(d.failures, bf.ItemIdentifier)
	}
	sc := bufio.NewScanner(bytes.NewReader(f.logs.Bytes()))
	for sc.Scan() {
		var rec struct {
			Level     string `json:"level"`
			Msg       string `json:"msg"`
			MessageID string `json:"message_id"`
			Outcome   string `json:"outcome"`
			Reason    string `json:"reason"`
			Error     string `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			f.t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		if rec.MessageID == "" {
			continue
		}
		if _, dup := d.outcomes[rec.MessageID]; dup {
			f.t.Errorf("message %s logged twice", rec.MessageID)
		}
		switch {
		case rec.Level == "DEBUG" && rec.Outcome != "":
			d.outcomes[rec.MessageID] = rec.Outcome
		case rec.Level == "ERROR" && rec.Reason != "" && rec.Error != "":
			d.outcomes[rec.MessageID] = "rejected:" + rec.Reason
		case rec.Level == "WARN" && rec.Error != "":
			d.outcomes[rec.MessageID] = "retry"
		default:
			f.t.Errorf("unexpected log record %s", sc.Text())
		}
	}
	return d
}

// snapshot reads the whole table, every item by its key.
func (f *fixture) snapshot() map[string]map[string]types.AttributeValue {
	f.t.Helper()
	items := map[string]map[string]types.AttributeValue{}
	in := &dynamodb.ScanInput{TableName: aws.String(f.table.Name), ConsistentRead: aws.Bool(true)}
	for {
		out, err := f.table.Client.Scan(context.Background(), in)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, it := range out.Items {
			items[attr(it, "pk")+"|"+attr(it, "sk")] = it
		}
		if out.LastEvaluatedKey == nil {
			return items
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// diffSnapshots lists the keys whose items differ.
func diffSnapshots(a, b map[string]map[string]types.AttributeValue) []string {
	var diff []string
	for k, v := range a {
		if w, ok := b[k]; !ok || !reflect.DeepEqual(v, w) {
			diff = append(diff, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			diff = append(diff, k)
		}
	}
	slices.Sort(diff)
	return diff
}

func (f *fixture) customer(ext string) customer.Customer {
	f.t.Helper()
	c, err := f.store.FindByExternalID(context.Background(), f.acme, ext)
	if err != nil {
		f.t.Fatalf("find %s: %v", ext, err)
	}
	return c
}

// syncBuffer is a bytes.Buffer for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.b.Bytes())
}

func (s *syncBuffer) Reset() {
	s.mu.Lock()
	s.b.Reset()
	s.mu.Unlock()
}

func cmd(app, action, customerJSON string) string {
	return fmt.Sprintf(`{"app":%q,"action":%q,"customer":%s}`, app, action, customerJSON)
}
