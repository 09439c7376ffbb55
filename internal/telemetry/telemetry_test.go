package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

func invocation() context.Context {
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	return context.WithValue(ctx, "x-amzn-trace-id", "Root=1-abc")
}

// TestLinesCarryTheIDsOnce: a line logged with the invocation's context carries its ids; one
// through a logger given them already (web's per-request logger) carries them once; one
// without an invocation carries none.
func TestLinesCarryTheIDsOnce(t *testing.T) {
	tests := []struct {
		name  string
		bound bool
		ctx   context.Context
		want  int // times each id appears
	}{
		{"with the invocation's context", false, invocation(), 1},
		{"through a logger given the ids", true, invocation(), 1},
		{"outside an invocation", false, context.Background(), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("_X_AMZN_TRACE_ID", "")
			var buf bytes.Buffer
			l := NewLogger(&buf, "Test")
			if tt.bound {
				l = l.With(IDs(tt.ctx)...)
			}
			l.InfoContext(tt.ctx, "line")
			for _, key := range []string{`"` + KeyLambdaRequestID + `"`, `"` + KeyTraceID + `"`} {
				if n := strings.Count(buf.String(), key); n != tt.want {
					t.Errorf("%s appears %d times in %s, want %d", key, n, buf.String(), tt.want)
				}
			}
		})
	}
}

// TestCountWritesEMF: a metric line names its metric and dimensions in _aws and carries
// their values as members, in the logger's namespace.
func TestCountWritesEMF(t *testing.T) {
	var buf bytes.Buffer
	ctx := WithDims(WithLogger(invocation(), NewLogger(&buf, "Test")), Dim{"Dialect", "lago"})
	Count(ctx, "Writes", Dim{"Operation", "created"})
	var line struct {
		AWS struct {
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Writes    int
		Dialect   string
		Operation string
		RequestID string `json:"lambda_request_id"`
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	d := line.AWS.CloudWatchMetrics
	if len(d) != 1 || d[0].Namespace != "Test" || len(d[0].Dimensions) != 1 ||
		strings.Join(d[0].Dimensions[0], ",") != "Dialect,Operation" ||
		len(d[0].Metrics) != 1 || d[0].Metrics[0].Name != "Writes" || d[0].Metrics[0].Unit != "Count" {
		t.Errorf("_aws %+v", line.AWS)
	}
	if line.Writes != 1 || line.Dialect != "lago" || line.Operation != "created" || line.RequestID != "req-1" {
		t.Errorf("members %+v", line)
	}
}
