package deliver_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/middleware"

	"github.com/clientele/clientele/internal/appsapi"
	"github.com/clientele/clientele/internal/changes"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/deliver"
	"github.com/clientele/clientele/internal/dynamotest"
	"github.com/clientele/clientele/internal/lago"
	"github.com/clientele/clientele/internal/lukittu"
	"github.com/clientele/clientele/internal/routes"
	"github.com/clientele/clientele/internal/seal"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/tenant"
	"github.com/clientele/clientele/internal/webhook"
	"github.com/clientele/clientele/internal/webhook/webhooktest"
)

// clock is a fake clock the test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// sent is one SendMessage call the SQS stand-in took.
type sent struct {
	Body  string
	Delay int32
}

// standInSQS answers SendMessage as SQS's JSON protocol does, and keeps what it was sent.
type standInSQS struct {
	mu   sync.Mutex
	sent []sent
}

func (q *standInSQS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in struct {
		MessageBody  string
		DelaySeconds int32
	}
	if r.Header.Get("X-Amz-Target") != "AmazonSQS.SendMessage" || json.NewDecoder(r.Body).Decode(&in) != nil {
		http.Error(w, `{"__type":"InvalidAction"}`, http.StatusBadRequest)
		return
	}
	q.mu.Lock()
	q.sent = append(q.sent, sent{Body: in.MessageBody, Delay: in.DelaySeconds})
	q.mu.Unlock()
	sum := md5.Sum([]byte(in.MessageBody))
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": "m", "MD5OfMessageBody": hex.EncodeToString(sum[:])})
}

// take returns and forgets what was sent.
func (q *standInSQS) take() []sent {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.sent
	q.sent = nil
	return out
}

// delivery is one request a receiver got.
type delivery struct {
	Header http.Header
	Body   []byte
}

// calls records the DynamoDB operations the handler makes, and the indexes it queries.
type calls struct {
	mu      sync.Mutex
	on      bool
	ops     map[string]bool
	indexes map[string]bool
}

func (c *calls) option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("calls",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
				middleware.InitializeOutput, middleware.Metadata, error,
			) {
				c.mu.Lock()
				if c.on {
					c.ops[awsmiddleware.GetOperationName(ctx)] = true
					if q, ok := in.Parameters.(*dynamodb.QueryInput); ok && q.IndexName != nil {
						c.indexes[*q.IndexName] = true
					}
				}
				c.mu.Unlock()
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
}

func (c *calls) record(on bool) { c.mu.Lock(); defer c.mu.Unlock(); c.on = on }

// fixture is a store on DynamoDB Local with one app, an SQS stand-in and a handler over them.
type fixture struct {
	store      *store.Store
	webhooks   *store.Webhooks
	app        tenant.App
	queue      *standInSQS
	clock      *clock
	handler    *deliver.Handler
	calls      *calls
	endpointID string // the last endpoint made
}

// newFixture builds a handler of test renders on a fresh table, as each option changes it.
func newFixture(t *testing.T, opts ...func(*deliver.Deps)) *fixture {
	t.Helper()
	rec := &calls{ops: map[string]bool{}, indexes: map[string]bool{}}
	tbl := dynamotest.New(t, rec.option)
	s := store.New(tbl.Client, tbl.Name)
	sealer, err := seal.NewLocal(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	app, err := s.CreateApp(context.Background(), tenant.App{Slug: "my-app", Name: "My App"})
	if err != nil {
		t.Fatal(err)
	}
	q := &standInSQS{}
	srv := httptest.NewServer(q)
	t.Cleanup(srv.Close)
	sqsClient := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	f := &fixture{store: s, webhooks: s.Webhooks(sealer), app: app, queue: q, calls: rec,
		clock: &clock{now: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}}
	deps := deliver.Deps{
		Apps:      s,
		Endpoints: f.webhooks,
		Renders:   map[webhook.Format]webhook.Render{webhook.Apps: testRender},
		Convert:   testConvert,
		Client:    webhook.NewClient(webhook.Options{Policy: webhook.Policy{Local: true}, Timeout: 20 * time.Second}),
		Queue:     sqsClient,
		QueueURL:  srv.URL + "/000000000000/deliveries",
		Issuer:    "http://127.0.0.1/api",
		Log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:       f.clock.Now,
	}
	for _, o := range opts {
		o(&deps)
	}
	f.handler = deliver.New(deps)
	return f
}

// testConvert converts what the test renders: the ids and the version.
func testConvert(d changes.Detail, app webhook.App, at time.Time) (webhook.Change, error) {
	c := webhook.Change{App: app, CustomerID: strings.TrimPrefix(d.CustomerID, "cus_"), Version: d.Version, At: at}
	if d.Before != nil {
		c.Before = &customer.Customer{ID: c.CustomerID}
	}
	if d.After != nil {
		c.After = &customer.Customer{ID: c.CustomerID}
	}
	return c, nil
}

// testRender renders a change as a small native-looking body.
func testRender(c webhook.Change) (webhook.Message, bool, error) {
	body, err := json.Marshal(map[string]any{"id": c.EventID(), "type": c.Kind(), "customer": c.CustomerID,
		"version": c.Version})
	return webhook.Message{ID: c.EventID(), Type: c.Kind(), Body: body}, true, err
}

// endpoint registers a native endpoint of the app that a receiver serves, and returns its secret.
func (f *fixture) endpoint(t *testing.T, handler http.HandlerFunc) []byte {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	s, err := f.webhooks.CreateEndpoint(context.Background(), f.app.ID,
		webhook.Endpoint{Format: webhook.Apps, URL: srv.URL + "/hook"})
	if err != nil {
		t.Fatal(err)
	}
	f.endpointID = s.Endpoint.ID
	return s.Secrets[0].Key
}

// changeEvent is the SQS message of a customer.created event of the app, as the rule sends it.
func (f *fixture) changeEvent(t *testing.T) events.SQSEvent {
	t.Helper()
	detail, err := json.Marshal(changes.Detail{AppID: "app_" + f.app.ID,
		CustomerID: "cus_" + customer.NewID(), Version: 1, After: &changes.Customer{}})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := json.Marshal(events.EventBridgeEvent{Version: "0", ID: "e1", DetailType: changes.EventCreated,
		Source: changes.Source, Time: f.clock.Now(), Detail: detail})
	if err != nil {
		t.Fatal(err)
	}
	return events.SQSEvent{Records: []events.SQSMessage{{MessageId: "change", Body: string(ev)}}}
}

func (f *fixture) handle(t *testing.T, ev events.SQSEvent) {
	t.Helper()
	f.calls.record(true)
	resp, err := f.handler.Handle(context.Background(), ev)
	f.calls.record(false)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle: %v, failures %v", err, resp.BatchItemFailures)
	}
}

// recorder is a receiver that answers the statuses given, in turn, and keeps each request.
func recorder(statuses ...int) (http.HandlerFunc, func() []delivery) {
	var mu sync.Mutex
	var got []delivery
	return func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			n := len(got)
			got = append(got, delivery{Header: r.Header.Clone(), Body: body})
			mu.Unlock()
			w.WriteHeader(statuses[min(n, len(statuses)-1)])
		}, func() []delivery {
			mu.Lock()
			defer mu.Unlock()
			return append([]delivery(nil), got...)
		}
}

func TestAReceiverFailingTwiceGetsTheEventThreeTimesWithOneID(t *testing.T) {
	f := newFixture(t)
	h, got := recorder(http.StatusInternalServerError, http.StatusInternalServerError, http.StatusOK)
	secret := f.endpoint(t, h)

	f.handle(t, f.changeEvent(t))
	waits := []int32{300, 600} // the native schedule: 5, then 10 minutes
	for i, want := range waits {
		q := f.queue.take()
		if len(q) != 1 || q[0].Delay != want {
			t.Fatalf("after attempt %d: sent %+v, want one retry delayed %d s", i+1, q, want)
		}
		// Received early, a retry is delayed again for what is left, and attempts nothing.
		f.clock.advance(time.Duration(want/2) * time.Second)
		f.handle(t, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "early", Body: q[0].Body}}})
		again := f.queue.take()
		if len(again) != 1 || again[0].Delay != want-want/2 || len(got()) != i+1 {
			t.Fatalf("early retry: sent %+v, %d deliveries; want one re-delayed %d s, %d deliveries",
				again, len(got()), want-want/2, i+1)
		}
		f.clock.advance(time.Duration(want-want/2) * time.Second)
		f.handle(t, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "retry", Body: again[0].Body}}})
	}
	if q := f.queue.take(); len(q) != 0 {
		t.Errorf("after the delivery: sent %+v, want nothing", q)
	}
	ds := got()
	if len(ds) != 3 {
		t.Fatalf("the receiver got %d requests, want 3", len(ds))
	}
	var ids []string
	for _, d := range ds {
		var b struct{ ID string }
		if err := json.Unmarshal(d.Body, &b); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, b.ID)
		// Each attempt is verified as its receiver did, at the time it was signed.
		sig := d.Header.Get(webhook.AppsSignatureHeader)
		ts, _ := strconv.ParseInt(strings.TrimPrefix(strings.Split(sig, ",")[0], "t="), 10, 64)
		if err := webhooktest.VerifyApps(sig, d.Body, secret, time.Unix(ts, 0)); err != nil {
			t.Errorf("delivery of %s: %v", b.ID, err)
		}
	}
	if ids[0] == "" || ids[0] != ids[1] || ids[1] != ids[2] {
		t.Errorf("event ids %q, want one", ids)
	}
	recs, err := f.webhooks.Deliveries(context.Background(), f.app.ID, f.endpointID)
	if err != nil || len(recs) != 1 || recs[0].EventID != ids[0] || recs[0].Attempts != 3 ||
		recs[0].Class != webhook.ClassDelivered || recs[0].Status != http.StatusOK {
		t.Errorf("recorded deliveries %+v, %v; want %s delivered at attempt 3 with 200", recs, err, ids[0])
	}
	// A change and its retries use exactly what the function's policy grants.
	access := routes.EventAccess()[routes.DeliverFunction]
	var ops []string
	for op := range f.calls.ops {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	if want := slices.Sorted(slices.Values(access.Actions)); !slices.Equal(ops, want) || len(f.calls.indexes) != 0 {
		t.Errorf("DynamoDB calls %q on indexes %v, the policy grants %q on none", ops, f.calls.indexes, want)
	}
}

func TestLagoWaitsGetLagosJitter(t *testing.T) {
	for _, tc := range []struct {
		r     float64
		waits []int32 // seconds, rounded up: n⁴ + 2 s + r × 15 % of n⁴
	}{
		{0, []int32{3, 18}},
		{0.99, []int32{4, 21}}, // 3.1485 s, then 20.376 s
	} {
		f := newFixture(t, func(d *deliver.Deps) {
			d.Renders = map[webhook.Format]webhook.Render{webhook.Lago: testRender}
			d.Rand = func() float64 { return tc.r }
		})
		h, _ := recorder(http.StatusInternalServerError)
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		_, err := f.webhooks.CreateEndpoint(context.Background(), f.app.ID,
			webhook.Endpoint{Format: webhook.Lago, Algorithm: webhook.LagoHMAC, URL: srv.URL + "/hook"})
		if err != nil {
			t.Fatal(err)
		}
		f.handle(t, f.changeEvent(t))
		var got []int32
		for q := f.queue.take(); len(q) == 1 && len(got) < 10; q = f.queue.take() {
			got = append(got, q[0].Delay)
			f.clock.advance(time.Duration(q[0].Delay) * time.Second)
			f.handle(t, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "retry", Body: q[0].Body}}})
		}
		if !slices.Equal(got, tc.waits) {
			t.Errorf("r %v: waits %v s, want %v", tc.r, got, tc.waits)
		}
	}
}

func TestAChangedBodyFailsTheReceiversVerification(t *testing.T) {
	f := newFixture(t)
	h, got := recorder(http.StatusOK)
	secret := f.endpoint(t, h)
	f.handle(t, f.changeEvent(t))
	ds := got()
	if len(ds) != 1 {
		t.Fatalf("the receiver got %d requests, want 1", len(ds))
	}
	sig := ds[0].Header.Get(webhook.AppsSignatureHeader)
	if err := webhooktest.VerifyApps(sig, ds[0].Body, secret, f.clock.Now()); err != nil {
		t.Fatalf("the body as sent: %v", err)
	}
	changed := []byte(strings.Replace(string(ds[0].Body), `"version":1`, `"version":2`, 1))
	if string(changed) == string(ds[0].Body) {
		t.Fatalf("the body %s has no version to change", ds[0].Body)
	}
	if err := webhooktest.VerifyApps(sig, changed, secret, f.clock.Now()); err == nil {
		t.Error("a changed body verifies")
	}
}

func TestADeletedAppSendsNothing(t *testing.T) {
	f := newFixture(t)
	h, got := recorder(http.StatusInternalServerError)
	f.endpoint(t, h)
	ev := f.changeEvent(t)
	// A retry made while the app was active is dropped once it is deleted.
	f.handle(t, ev)
	retry := f.queue.take()
	if len(retry) != 1 {
		t.Fatalf("sent %+v, want one retry", retry)
	}
	if err := f.store.DeleteApp(context.Background(), f.app.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.advance(time.Hour)
	f.handle(t, ev)
	f.handle(t, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "retry", Body: retry[0].Body}}})
	if n := len(got()); n != 1 {
		t.Errorf("the receiver got %d requests, want only the one before the delete", n)
	}
	if q := f.queue.take(); len(q) != 0 {
		t.Errorf("sent %+v after the delete, want nothing", q)
	}
}

func TestASlowReceiverDoesNotHoldUpAnotherEndpoint(t *testing.T) {
	f := newFixture(t)
	// Each receiver holds its request until the test releases it, which it does only once
	// both have theirs: sent one after the other, whichever came first would hold up the other.
	release := make(chan struct{})
	arrived := make(chan string, 2)
	for _, name := range []string{"a", "b"} {
		f.endpoint(t, func(w http.ResponseWriter, r *http.Request) {
			arrived <- name
			<-release
			w.WriteHeader(http.StatusOK)
		})
	}
	ev := f.changeEvent(t)
	done := make(chan error, 1)
	go func() {
		resp, err := f.handler.Handle(context.Background(), ev)
		if err == nil && len(resp.BatchItemFailures) != 0 {
			err = errors.New("batch item failures")
		}
		done <- err
	}()
	guard := time.After(15 * time.Second) // against a hang, shorter than the client's timeout
	for range 2 {
		select {
		case <-arrived:
		case err := <-done:
			t.Fatalf("the handler returned (%v) before both endpoints had their requests", err)
		case <-guard:
			close(release)
			t.Fatal("one endpoint got nothing while the other held its request")
		}
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("Handle: %v", err)
	}
}

// TestEachFormatGetsItsBodySignedAsItsProductVerifies: one created customer, through the real
// renders and the event's conversion, reaches a native, a Lukittu and a Lago (hmac) endpoint,
// each body verified as its product documents.
func TestEachFormatGetsItsBodySignedAsItsProductVerifies(t *testing.T) {
	f := newFixture(t, func(d *deliver.Deps) {
		d.Renders = map[webhook.Format]webhook.Render{
			webhook.Apps: appsapi.RenderChange, webhook.Lago: lago.RenderChange, webhook.Lukittu: lukittu.RenderChange,
		}
		d.Convert = changes.ChangeOf
	})
	ctx := context.Background()
	register := func(e webhook.Endpoint) (webhook.Signing, func() []delivery) {
		h, got := recorder(http.StatusOK)
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		e.URL = srv.URL + "/" + string(e.Format)
		s, err := f.webhooks.CreateEndpoint(ctx, f.app.ID, e)
		if err != nil {
			t.Fatal(err)
		}
		return s, got
	}
	apps, appsGot := register(webhook.Endpoint{Format: webhook.Apps})
	lk, lkGot := register(webhook.Endpoint{Format: webhook.Lukittu})
	_, lagoGot := register(webhook.Endpoint{Format: webhook.Lago, Algorithm: webhook.LagoHMAC})
	keys, err := f.webhooks.LagoKeys(ctx, f.app.ID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.store.CreateCustomer(ctx, f.app.ID, customer.Customer{Email: "jane@example.com", Name: "Jane Doe"})
	if err != nil {
		t.Fatal(err)
	}
	after := changes.Render(c)
	detail, err := json.Marshal(changes.Detail{AppID: "app_" + f.app.ID, CustomerID: "cus_" + c.ID,
		Version: c.Version, After: &after})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := json.Marshal(events.EventBridgeEvent{Version: "0", ID: "e1", DetailType: changes.EventCreated,
		Source: changes.Source, Time: f.clock.Now(), Detail: detail})
	if err != nil {
		t.Fatal(err)
	}
	f.handle(t, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "change", Body: string(ev)}}})

	for _, tc := range []struct {
		name   string
		got    []delivery
		verify func(d delivery) error
		want   string // a field of the body, as the format shows it
	}{
		{"native", appsGot(), func(d delivery) error {
			return webhooktest.VerifyApps(d.Header.Get(webhook.AppsSignatureHeader), d.Body, apps.Secrets[0].Key,
				f.clock.Now())
		}, `"type":"customer.created"`},
		{"Lukittu", lkGot(), func(d delivery) error {
			return webhooktest.VerifyLukittu(d.Header, d.Body, lk.Secrets[0].Key)
		}, `"email":"jane@example.com"`},
		{"Lago hmac", lagoGot(), func(d delivery) error {
			return webhooktest.VerifyLagoHMAC(d.Header, d.Body, keys.HMACKey)
		}, `"webhook_type":"customer.created"`},
	} {
		if len(tc.got) != 1 {
			t.Errorf("%s: %d deliveries, want 1", tc.name, len(tc.got))
			continue
		}
		d := tc.got[0]
		if err := tc.verify(d); err != nil || !strings.Contains(string(d.Body), tc.want) {
			t.Errorf("%s: %v; body %s, want it to hold %s", tc.name, err, d.Body, tc.want)
		}
		d.Body = append(slices.Clone(d.Body[:len(d.Body)-1]), ' ')
		if tc.verify(d) == nil {
			t.Errorf("%s: a body changed by one byte verifies", tc.name)
		}
	}
}
