package appsapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/clientele/clientele/internal/apitest"
	"github.com/clientele/clientele/internal/ingest"
	"github.com/clientele/clientele/internal/telemetry"
)

// lockedBuffer is a log destination that functions running at once can share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the JSON log lines written so far.
func (b *lockedBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

// metric returns the first EMF line that reports the metric, checked against CloudWatch's
// embedded metric format: _aws with a millisecond Timestamp and CloudWatchMetrics
// directives, each with a Namespace, Dimensions (sets of names, each a top-level string
// member, at most 30) and Metrics (each a top-level number member, with a valid Unit).
func metric(t *testing.T, lines []map[string]any, name string) map[string]any {
	t.Helper()
	for _, l := range lines {
		if _, ok := l[name]; !ok {
			continue
		}
		aws, ok := l["_aws"].(map[string]any)
		if !ok {
			continue
		}
		if ts, ok := aws["Timestamp"].(float64); !ok || ts < 1e12 {
			t.Errorf("%s: Timestamp %v is not epoch milliseconds", name, aws["Timestamp"])
		}
		dirs, _ := aws["CloudWatchMetrics"].([]any)
		if len(dirs) == 0 {
			t.Fatalf("%s: no CloudWatchMetrics in %v", name, l)
		}
		for _, d := range dirs {
			checkDirective(t, name, l, d)
		}
		return l
	}
	t.Fatalf("no EMF line for %s", name)
	return nil
}

// checkDirective checks one CloudWatchMetrics directive of the EMF line l.
func checkDirective(t *testing.T, name string, l map[string]any, d any) {
	t.Helper()
	dir, _ := d.(map[string]any)
	if ns, _ := dir["Namespace"].(string); ns == "" {
		t.Errorf("%s: no Namespace", name)
	}
	sets, _ := dir["Dimensions"].([]any)
	for _, set := range sets {
		names, _ := set.([]any)
		if len(names) > 30 {
			t.Errorf("%s: %d dimensions", name, len(names))
		}
		for _, n := range names {
			if v, ok := l[n.(string)].(string); !ok || v == "" {
				t.Errorf("%s: dimension %v has no string value", name, n)
			}
		}
	}
	ms, _ := dir["Metrics"].([]any)
	for _, m := range ms {
		mm, _ := m.(map[string]any)
		if _, ok := l[mm["Name"].(string)].(float64); !ok {
			t.Errorf("%s: metric %v has no number value", name, mm["Name"])
		}
		if u, _ := mm["Unit"].(string); u != "Count" && u != "Milliseconds" && u != "" {
			t.Errorf("%s: unit %q", name, u)
		}
	}
}

// wantIDs checks that a log line carries a Lambda request id and an X-Ray trace id.
func wantIDs(t *testing.T, what string, l map[string]any) {
	t.Helper()
	if id, _ := l[telemetry.KeyLambdaRequestID].(string); len(id) != 36 {
		t.Errorf("%s: lambda_request_id %v", what, l[telemetry.KeyLambdaRequestID])
	}
	if id, _ := l[telemetry.KeyTraceID].(string); !strings.HasPrefix(id, "Root=1-") {
		t.Errorf("%s: trace_id %v", what, l[telemetry.KeyTraceID])
	}
}

// TestLogLinesAreEMFWithTheirIDs runs functions through the local gateway with the logger
// they have in Lambda (telemetry.NewLogger), and checks a sample of their lines: the request
// log and the metric of a write, the metric of a retried transaction conflict (injected), and
// the failure of an ingested message, each valid EMF where it is a metric and each with the
// invocation's Lambda request id and trace id.
func TestLogLinesAreEMFWithTheirIDs(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	e := apitest.New(t, apitest.FunctionLog(func(string) *slog.Logger { return telemetry.NewLogger(logs, "") }))
	app := e.CreateApp(t, "telemetry")
	sk := e.As(t, app.Secret)

	sk.Post("/api/v1/apps/telemetry/customers", M{"email": "one@example.com"}).Want(201)
	lines := logs.lines(t)
	w := metric(t, lines, "Writes")
	wantIDs(t, "the write's metric", w)
	if w["Dialect"] != "apps" || w["Operation"] != "created" || w["Resource"] != "customer" {
		t.Errorf("the write's dimensions: %v", w)
	}
	var request map[string]any
	for _, l := range lines {
		if l["msg"] == "request" && l["lambda_request_id"] == w["lambda_request_id"] {
			request = l
		}
	}
	if request == nil {
		t.Fatal("no request line of the write's invocation")
	}
	wantIDs(t, "the request line", request)
	if request["trace_id"] != w["trace_id"] || request["request_id"] == "" {
		t.Errorf("the request line %v and its metric %v disagree", request, w)
	}

	e.Faults.ConflictNext("TransactWriteItems", 1)
	sk.Post("/api/v1/apps/telemetry/customers", M{"email": "two@example.com"}).Want(201)
	wantIDs(t, "the conflict's metric", metric(t, logs.lines(t), "ConflictsRetried"))

	lc := &lambdacontext.LambdaContext{AwsRequestID: "8f6c3b1e-0000-4000-8000-000000000001"}
	ctx := lambdacontext.NewContext(context.Background(), lc)
	ctx = context.WithValue(ctx, "x-amzn-trace-id", "Root=1-65a1b2c3-0123456789abcdef01234567;Sampled=1")
	in := ingest.New(e.Admin, telemetry.NewLogger(logs, ""))
	msg := events.SQSMessage{MessageId: "m1", Body: `{"app":"telemetry"`}
	if _, err := in.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{msg}}); err != nil {
		t.Fatal(err)
	}
	fail := metric(t, logs.lines(t), "IngestFailures")
	wantIDs(t, "the ingest failure's metric", fail)
	if fail["Reason"] != "rejected" || fail["Dialect"] != "ingest" {
		t.Errorf("the ingest failure's dimensions: %v", fail)
	}
}
