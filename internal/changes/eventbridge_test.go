package changes

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/awsjson"
)

// fakeEventBridge answers PutEvents: calls listed in callErr fail as a whole; an entry whose
// detail is in failing fails that many times, then goes through.
type fakeEventBridge struct {
	mu      sync.Mutex
	calls   [][]string // details of each call
	callErr map[int]error
	failing map[string]int
}

func (f *fakeEventBridge) PutEvents(_ context.Context, in *PutEventsInput) (*PutEventsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var details []string
	for _, e := range in.Entries {
		details = append(details, e.Detail)
	}
	f.calls = append(f.calls, details)
	if err := f.callErr[len(f.calls)-1]; err != nil {
		return nil, err
	}
	out := &PutEventsOutput{}
	for _, d := range details {
		if f.failing[d] > 0 {
			f.failing[d]--
			out.FailedEntryCount++
			out.Entries = append(out.Entries, PutEventsResultEntry{ErrorCode: "InternalFailure", ErrorMessage: "injected"})
			continue
		}
		out.Entries = append(out.Entries, PutEventsResultEntry{EventId: "ev-" + d})
	}
	return out, nil
}

func entriesOf(n, size int) []PutEventsRequestEntry {
	es := make([]PutEventsRequestEntry, n)
	for i := range es {
		d := strconv.Itoa(i)
		if size > 0 {
			d += strings.Repeat(" ", size-len(d))
		}
		es[i] = PutEventsRequestEntry{Source: Source, DetailType: EventCreated, Detail: d, EventBusName: bus}
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
		entries    []PutEventsRequestEntry
		fake       *fakeEventBridge
		wantFailed []int
		wantErr    bool
		wantCalls  []int // entries per call
	}{
		{"chunks of ten", entriesOf(23, 0), &fakeEventBridge{}, nil, false, []int{10, 10, 3}},
		{"chunks of 256 KiB", entriesOf(5, 100*1024), &fakeEventBridge{}, nil, false, []int{2, 2, 1}},
		{"an entry failing once is retried", entriesOf(12, 0), &fakeEventBridge{failing: map[string]int{"3": 1, "11": 2}},
			nil, false, []int{10, 1, 2, 1, 1}},
		{"an entry failing for good is reported", entriesOf(12, 0), &fakeEventBridge{failing: map[string]int{"4": 99, "5": 99}},
			[]int{4, 5}, false, []int{10, 2, 2, 2}},
		{"a failed call reports its entries", entriesOf(25, 0), &fakeEventBridge{callErr: map[int]error{1: errors.New("boom")}},
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

func TestPutEventsRequestEntryJSON(t *testing.T) {
	at := time.Date(2025, 11, 22, 10, 0, 1, 0, time.UTC)
	atMillis := at.Add(250 * time.Millisecond)
	tests := []struct {
		name  string
		entry PutEventsRequestEntry
		want  string
	}{
		{"every field", PutEventsRequestEntry{Source: Source, DetailType: EventCreated, Detail: `{"a":1}`,
			EventBusName: bus, Resources: []string{"arn:a"}, Time: &at},
			`{"Source":"clientele","DetailType":"customer.created","Detail":"{\"a\":1}","EventBusName":"clientele-test-bus","Resources":["arn:a"],"Time":1763805601}`},
		{"time with milliseconds", PutEventsRequestEntry{Source: Source, Time: &atMillis},
			`{"Source":"clientele","Time":1763805601.25}`},
		{"empty fields left out", PutEventsRequestEntry{Detail: `{}`}, `{"Detail":"{}"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.entry)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("JSON:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// fakeEventsService is EventBridge's PutEvents over HTTP: it records each request and
// answers the entries whose detail is in failing with an InternalFailure, once.
type fakeEventsService struct {
	mu       sync.Mutex
	requests []*http.Request
	bodies   []map[string]any
	failing  map[string]bool
	status   int // answer this status and an error to every call, when set
}

func (f *fakeEventsService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	raw, _ := io.ReadAll(r.Body)
	var in struct{ Entries []PutEventsRequestEntry }
	var body map[string]any
	if json.Unmarshal(raw, &in) != nil || json.Unmarshal(raw, &body) != nil {
		http.Error(w, `{"__type":"SerializationException"}`, http.StatusBadRequest)
		return
	}
	f.requests = append(f.requests, r)
	f.bodies = append(f.bodies, body)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if f.status != 0 {
		w.WriteHeader(f.status)
		io.WriteString(w, `{"__type":"AccessDeniedException","Message":"not allowed"}`)
		return
	}
	out := PutEventsOutput{}
	for i, e := range in.Entries {
		if f.failing[e.Detail] {
			delete(f.failing, e.Detail)
			out.FailedEntryCount++
			out.Entries = append(out.Entries, PutEventsResultEntry{ErrorCode: "InternalFailure", ErrorMessage: "injected"})
			continue
		}
		out.Entries = append(out.Entries, PutEventsResultEntry{EventId: "ev-" + strconv.Itoa(len(f.requests)) + "-" + strconv.Itoa(i)})
	}
	json.NewEncoder(w).Encode(out)
}

func TestEventsClientPutEventsOverHTTP(t *testing.T) {
	fake := &fakeEventsService{failing: map[string]bool{"1": true}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	client := NewEventsClient("eu-central-1", srv.URL, awsjson.Credentials{AccessKeyID: "AK", SecretAccessKey: "SK", SessionToken: "TK"}, srv.Client())
	p := NewEventBridge(client)
	p.backoff = 0
	at := time.Date(2025, 11, 22, 10, 0, 1, 0, time.UTC)
	entries := entriesOf(3, 0)
	entries[0].Time = &at

	failed, err := p.Publish(context.Background(), entries)
	if err != nil || len(failed) != 0 {
		t.Fatalf("Publish = %v, %v", failed, err)
	}
	if len(fake.requests) != 2 {
		t.Fatalf("%d calls, want 2 (the failed entry again)", len(fake.requests))
	}
	r := fake.requests[0]
	for h, want := range map[string]string{
		"Content-Type":         "application/x-amz-json-1.1",
		"X-Amz-Target":         "AWSEvents.PutEvents",
		"X-Amz-Security-Token": "TK",
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if auth := r.Header.Get("Authorization"); !strings.Contains(auth, "/eu-central-1/events/aws4_request") {
		t.Errorf("Authorization = %q, want it scoped to events in eu-central-1", auth)
	}
	first, _ := json.Marshal(fake.bodies[0])
	want := `{"Entries":[` +
		`{"Detail":"0","DetailType":"customer.created","EventBusName":"clientele-test-bus","Source":"clientele","Time":1763805601},` +
		`{"Detail":"1","DetailType":"customer.created","EventBusName":"clientele-test-bus","Source":"clientele"},` +
		`{"Detail":"2","DetailType":"customer.created","EventBusName":"clientele-test-bus","Source":"clientele"}]}`
	if string(first) != want {
		t.Errorf("first call:\n got %s\nwant %s", first, want)
	}
	if again, _ := json.Marshal(fake.bodies[1]["Entries"]); !strings.Contains(string(again), `"Detail":"1"`) || strings.Count(string(again), "Detail\"") != 1 {
		t.Errorf("second call sent %s, want the failed entry alone", again)
	}
}

func TestEventsClientErrorFailsTheCall(t *testing.T) {
	fake := &fakeEventsService{status: http.StatusBadRequest}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	p := NewEventBridge(NewEventsClient("eu-central-1", srv.URL, awsjson.Credentials{AccessKeyID: "AK", SecretAccessKey: "SK"}, srv.Client()))
	failed, err := p.Publish(context.Background(), entriesOf(2, 0))
	var ae *awsjson.APIError
	if !errors.As(err, &ae) || ae.Code != "AccessDeniedException" || ae.Message != "not allowed" {
		t.Errorf("err = %v, want the service's AccessDeniedException", err)
	}
	if !reflect.DeepEqual(failed, []int{0, 1}) {
		t.Errorf("failed = %v, want both", failed)
	}
	if len(fake.requests) != 1 {
		t.Errorf("%d calls, want 1: a 400 is no throttling", len(fake.requests))
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv(EnvEventBus, "")
	if _, err := FromEnv(nil); err == nil || !strings.Contains(err.Error(), EnvEventBus) {
		t.Errorf("without a bus: err = %v", err)
	}
	t.Setenv(EnvEventBus, "clientele-events")
	t.Setenv("AWS_REGION", "eu-central-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "token")
	t.Setenv(EnvEventBridgeEndpoint, "")
	h, err := FromEnv(nil)
	if err != nil || h.bus != "clientele-events" {
		t.Fatalf("FromEnv = %+v, %v", h, err)
	}
	c := h.pub.(*EventBridge).client.(*EventsClient).Client
	if c.Endpoint != "https://events.eu-central-1.amazonaws.com" || c.Service != "events" || c.Region != "eu-central-1" ||
		c.TargetPrefix != "AWSEvents" || c.JSONVersion != "1.1" || c.HTTP == nil ||
		c.Credentials != (awsjson.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", SessionToken: "token"}) {
		t.Errorf("client = %+v", c)
	}
	t.Setenv(EnvEventBridgeEndpoint, "http://127.0.0.1:4010")
	if h, err = FromEnv(nil); err != nil {
		t.Fatal(err)
	}
	if c := h.pub.(*EventBridge).client.(*EventsClient).Client; c.Endpoint != "http://127.0.0.1:4010" {
		t.Errorf("endpoint = %q, want %s's", c.Endpoint, EnvEventBridgeEndpoint)
	}
}
