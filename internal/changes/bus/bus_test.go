package bus

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/clientele/clientele/internal/changes"
)

const bus = "clientele-test-bus"

// fakeEventBridge answers PutEvents: calls listed in callErr fail as a whole; an entry whose
// detail is in failing fails that many times, then goes through.
type fakeEventBridge struct {
	mu      sync.Mutex
	calls   [][]string // details of each call
	callErr map[int]error
	failing map[string]int
}

func (f *fakeEventBridge) PutEvents(
	_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options),
) (*eventbridge.PutEventsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var details []string
	for _, e := range in.Entries {
		details = append(details, aws.ToString(e.Detail))
	}
	f.calls = append(f.calls, details)
	if err := f.callErr[len(f.calls)-1]; err != nil {
		return nil, err
	}
	out := &eventbridge.PutEventsOutput{}
	for _, d := range details {
		if f.failing[d] > 0 {
			f.failing[d]--
			out.FailedEntryCount++
			out.Entries = append(out.Entries, types.PutEventsResultEntry{
				ErrorCode:    aws.String("InternalFailure"),
				ErrorMessage: aws.String("injected"),
			})
			continue
		}
		out.Entries = append(out.Entries, types.PutEventsResultEntry{EventId: aws.String("ev-" + d)})
	}
	return out, nil
}

func entriesOf(n, size int) []types.PutEventsRequestEntry {
	es := make([]types.PutEventsRequestEntry, n)
	for i := range es {
		d := strconv.Itoa(i)
		if size > 0 {
			d += strings.Repeat(" ", size-len(d))
		}
		es[i] = types.PutEventsRequestEntry{
			Source:       aws.String(changes.Source),
			DetailType:   aws.String(changes.EventCreated),
			Detail:       aws.String(d),
			EventBusName: aws.String(bus),
		}
	}
	return es
}

func callSizes(calls [][]string) []int {
	var n []int
	for _, c := range calls {
		n = append(n, len(c))
	}
	return n
}

func TestEventBridgePublish(t *testing.T) {
	tests := []struct {
		name       string
		entries    []types.PutEventsRequestEntry
		fake       *fakeEventBridge
		wantFailed []int
		wantErr    bool
		wantCalls  []int // entries per call
	}{
		{"chunks of ten", entriesOf(23, 0), &fakeEventBridge{}, nil, false, []int{10, 10, 3}},
		{"chunks of 256 KiB", entriesOf(5, 100*1024), &fakeEventBridge{}, nil, false, []int{2, 2, 1}},
		{"an entry failing once is retried", entriesOf(12, 0), &fakeEventBridge{failing: map[string]int{"3": 1, "11": 2}},
			nil, false, []int{10, 1, 2, 1, 1}},
		{"an entry failing for good is reported", entriesOf(12, 0),
			&fakeEventBridge{failing: map[string]int{"4": 99, "5": 99}},
			[]int{4, 5}, false, []int{10, 2, 2, 2}},
		{"a failed call reports its entries", entriesOf(25, 0),
			&fakeEventBridge{callErr: map[int]error{1: errors.New("boom")}},
			[]int{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, true, []int{10, 10, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewEventBridge(tt.fake)
			p.backoff = 0
			failed, err := p.Publish(context.Background(), tt.entries)
			if !reflect.DeepEqual(failed, tt.wantFailed) {
				t.Errorf("failed = %v, want %v", failed, tt.wantFailed)
			}
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want an error: %v", err, tt.wantErr)
			}
			if got := callSizes(tt.fake.calls); !reflect.DeepEqual(got, tt.wantCalls) {
				t.Errorf("calls of %v entries, want %v", got, tt.wantCalls)
			}
		})
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv(EnvEventBus, "")
	if _, _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), EnvEventBus) {
		t.Errorf("without a bus: err = %v", err)
	}
	t.Setenv(EnvEventBus, "clientele-events")
	t.Setenv("AWS_REGION", "eu-central-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	_, name, err := FromEnv()
	if err != nil || name != "clientele-events" {
		t.Errorf("FromEnv = %q, %v", name, err)
	}
}

// TestFromEnvPublishesThroughTheSDK: the publisher FromEnv builds puts events with the SDK's
// EventBridge client, signed with the environment's credentials, on the endpoint
// EVENTBRIDGE_ENDPOINT names, carrying the invocation's X-Ray trace header; and an entry
// EventBridge fails is tried again alone.
func TestFromEnvPublishesThroughTheSDK(t *testing.T) {
	var (
		mu    sync.Mutex
		calls []int // entries per PutEvents call
	)
	const traceID = "Root=1-65a1b2c3-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
	// As in Lambda: aws-lambda-go sets _X_AMZN_TRACE_ID for each invocation.
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "publish-changes")
	t.Setenv("_X_AMZN_TRACE_ID", traceID)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Entries []struct{ Detail, DetailType, Source, EventBusName string }
		}
		if got := r.Header.Get("X-Amzn-Trace-Id"); got != traceID {
			t.Errorf("X-Amzn-Trace-Id %q, want the invocation's %q", got, traceID)
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || r.Header.Get("X-Amz-Target") != "AWSEvents.PutEvents" ||
			!strings.Contains(r.Header.Get("Authorization"), "Credential=AKIDEXAMPLE/") {
			http.Error(w, `{"__type":"ValidationException","message":"unexpected request"}`, http.StatusBadRequest)
			return
		}
		mu.Lock()
		calls = append(calls, len(in.Entries))
		first := len(calls) == 1
		mu.Unlock()
		type result struct {
			EventId   string `json:",omitempty"`
			ErrorCode string `json:",omitempty"`
		}
		out := struct {
			FailedEntryCount int
			Entries          []result
		}{}
		for i, e := range in.Entries {
			if e.EventBusName != bus || e.Source != changes.Source {
				t.Errorf("entry %+v", e)
			}
			if first && i == 0 {
				out.FailedEntryCount++
				out.Entries = append(out.Entries, result{ErrorCode: "InternalFailure"})
				continue
			}
			out.Entries = append(out.Entries, result{EventId: "ev-" + strconv.Itoa(i)})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	}))
	defer srv.Close()
	t.Setenv(EnvEventBus, "clientele-events")
	t.Setenv(EnvEventBridgeEndpoint, srv.URL)
	t.Setenv("AWS_REGION", "eu-central-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	pub, _, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	failed, err := pub.Publish(context.Background(), entriesOf(3, 0))
	if err != nil || len(failed) != 0 {
		t.Fatalf("publish: failed %v, %v", failed, err)
	}
	if !reflect.DeepEqual(calls, []int{3, 1}) {
		t.Errorf("calls of %v entries, want [3 1]: the failed entry alone again", calls)
	}
}
