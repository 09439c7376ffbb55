package awsjson

import (
	"context"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// reply is one scripted answer of the fake service.
type reply struct {
	status  int
	body    string
	header  map[string]string
	crc     string // X-Amz-Crc32; "good" for the body's, "" for none
	hangUp  bool   // close the connection without answering
	onServe func() // called before answering
}

// fakeService answers requests with its replies in order, the last one for good, and
// records what it received.
type fakeService struct {
	t       *testing.T
	creds   Credentials
	service string
	region  string

	mu       sync.Mutex
	replies  []reply
	requests []*http.Request
	bodies   []string
	badSigs  []string
}

func (f *fakeService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	n := len(f.requests)
	f.requests = append(f.requests, r)
	f.bodies = append(f.bodies, string(body))
	if got, want := r.Header.Get("Authorization"), sdkAuthorization(f.t, r, body, f.creds, f.service, f.region); got != want {
		f.badSigs = append(f.badSigs, got+" != "+want)
	}
	rep := f.replies[min(n, len(f.replies)-1)]
	f.mu.Unlock()

	if rep.onServe != nil {
		rep.onServe()
	}
	if rep.hangUp {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	switch rep.crc {
	case "good":
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(rep.body))), 10))
	case "":
	default:
		w.Header().Set("X-Amz-Crc32", rep.crc)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(rep.status)
	io.WriteString(w, rep.body)
}

func (f *fakeService) attempts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// newFake starts a fake DynamoDB and returns a client of it that does not wait between
// attempts.
func newFake(t *testing.T, replies ...reply) (*fakeService, *Client) {
	t.Helper()
	creds := Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", SessionToken: "token"}
	f := &fakeService{t: t, creds: creds, service: "dynamodb", region: "eu-west-1", replies: replies}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c := &Client{
		Service: "dynamodb", Region: "eu-west-1", Endpoint: srv.URL,
		TargetPrefix: "DynamoDB_20120810", JSONVersion: "1.0", Credentials: creds,
		HTTP:    srv.Client(),
		backoff: func(int) time.Duration { return 0 },
	}
	t.Cleanup(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, s := range f.badSigs {
			t.Errorf("the server received a bad signature: %s", s)
		}
	})
	return f, c
}

func apiError(status int, typ, msg string) reply {
	return reply{status: status, body: `{"__type":"com.amazonaws.dynamodb.v20120810#` + typ + `","message":"` + msg + `"}`}
}

var ok = reply{status: 200, body: `{"Item":{"pk":{"S":"a"}}}`, crc: "good"}

type getItemOutput struct {
	Item map[string]map[string]string
}

func TestDoSendsASignedJSONRequestAndDecodesTheAnswer(t *testing.T) {
	f, c := newFake(t, ok)
	in := map[string]any{"TableName": "t", "Key": map[string]any{"pk": map[string]string{"S": "a"}}}
	var out getItemOutput
	if err := c.Do(context.Background(), "GetItem", in, &out); err != nil {
		t.Fatal(err)
	}
	if out.Item["pk"]["S"] != "a" {
		t.Errorf("out = %+v", out)
	}
	r := f.requests[0]
	checks := []struct{ what, got, want string }{
		{"method", r.Method, http.MethodPost},
		{"path", r.URL.Path, "/"},
		{"Content-Type", r.Header.Get("Content-Type"), "application/x-amz-json-1.0"},
		{"X-Amz-Target", r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.GetItem"},
		{"X-Amz-Security-Token", r.Header.Get("X-Amz-Security-Token"), "token"},
		{"Host", r.Host, strings.TrimPrefix(c.Endpoint, "http://")},
		{"body", f.bodies[0], `{"Key":{"pk":{"S":"a"}},"TableName":"t"}`},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.what, ch.got, ch.want)
		}
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") {
		t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
	}
}

func TestDoNilInputSendsEmptyObjectAndNilOutputIgnoresBody(t *testing.T) {
	f, c := newFake(t, ok)
	if err := c.Do(context.Background(), "ListTables", nil, nil); err != nil {
		t.Fatal(err)
	}
	if f.bodies[0] != "{}" {
		t.Errorf("body = %q, want {}", f.bodies[0])
	}
}

// appendingInput writes its JSON itself, and differently from what its tags would give
// encoding/json, so that the test can tell which one wrote the body.
type appendingInput struct {
	TableName string `json:"tableName"`
	calls     int
}

func (in *appendingInput) AppendJSON(b []byte) []byte {
	in.calls++
	return append(b, `{"TableName":"`+in.TableName+`"}`...)
}

func TestDoEncodesAnAppenderWithItsAppendJSONAndOthersWithEncodingJSON(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"an Appender", &appendingInput{TableName: "t"}, `{"TableName":"t"}`},
		{"a struct", struct {
			TableName string `json:"tableName"`
		}{"t"}, `{"tableName":"t"}`},
		{"a map", map[string]string{"TableName": "t"}, `{"TableName":"t"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, ok)
			c.MaxAttempts = 2
			f.replies = []reply{apiError(500, "InternalServerError", ""), ok}
			if err := c.Do(context.Background(), "GetItem", tt.in, nil); err != nil {
				t.Fatal(err)
			}
			for i, body := range f.bodies {
				if body != tt.want {
					t.Errorf("attempt %d sent %s, want %s", i+1, body, tt.want)
				}
			}
			if a, ok := tt.in.(*appendingInput); ok && a.calls != 1 {
				t.Errorf("AppendJSON called %d times for 2 attempts, want once", a.calls)
			}
		})
	}
}

// recordingOutput is a json.Unmarshaler that keeps what it was handed.
type recordingOutput struct {
	body  string
	calls int
	err   error
}

func (o *recordingOutput) UnmarshalJSON(b []byte) error {
	o.body, o.calls = string(b), o.calls+1
	return o.err
}

func TestDoHandsTheBodyToAnUnmarshalerAndReturnsItsError(t *testing.T) {
	const body = `{"Item":{"pk":{"S":"a"}}}`
	refusal := errors.New("not an item")
	tests := []struct {
		name    string
		out     *recordingOutput
		wantErr error
	}{
		{"decoded", &recordingOutput{}, nil},
		{"refused", &recordingOutput{err: refusal}, refusal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, ok)
			f.replies = []reply{{status: 200, body: body}}
			err := c.Do(context.Background(), "GetItem", nil, tt.out)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr != nil && !strings.Contains(err.Error(), "decode response")) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.out.calls != 1 || tt.out.body != body {
				t.Errorf("UnmarshalJSON called %d times with %s, want once with %s", tt.out.calls, tt.out.body, body)
			}
		})
	}
}

func TestDoRetries(t *testing.T) {
	tests := []struct {
		name        string
		maxAttempts int
		replies     []reply
		wantErr     string // "" for success; else the APIError code, or a part of the error
		wantAttempt int
	}{
		{"throttling then success", 0, []reply{apiError(400, "ThrottlingException", "slow down"),
			apiError(400, "ProvisionedThroughputExceededException", "too fast"), ok}, "", 3},
		{"RequestLimitExceeded then success", 0, []reply{apiError(400, "RequestLimitExceeded", "account limit"), ok}, "", 2},
		{"ThrottledException then success", 0, []reply{apiError(400, "ThrottledException", ""), ok}, "", 2},
		{"TooManyRequestsException then success", 0, []reply{apiError(429, "TooManyRequestsException", ""), ok}, "", 2},
		{"LimitExceededException then success", 0, []reply{apiError(400, "LimitExceededException", ""), ok}, "", 2},
		{"InternalServerError then success", 0, []reply{apiError(500, "InternalServerError", ""), ok}, "", 2},
		{"ServiceUnavailable then success", 0, []reply{apiError(503, "ServiceUnavailable", ""), ok}, "", 2},
		{"a 502 without a body then success", 0, []reply{{status: 502, body: "<html>bad gateway</html>"}, ok}, "", 2},
		{"a hang-up then success", 0, []reply{{hangUp: true}, ok}, "", 2},
		{"CRC mismatch then success", 0, []reply{{status: 200, body: `{"Item":{"pk":{"S":"a"}}}`, crc: "12345"}, ok}, "", 2},
		{"CRC of an error body checked too", 0, []reply{{status: 400, body: `{"__type":"ValidationException"}`, crc: "1"}, ok}, "", 2},
		{"ValidationException is not retried", 0, []reply{apiError(400, "ValidationException", "bad key"), ok}, "ValidationException", 1},
		{"ConditionalCheckFailedException is not retried", 0, []reply{apiError(400, "ConditionalCheckFailedException", "no"), ok}, "ConditionalCheckFailedException", 1},
		{"500 up to the default 3 attempts", 0, []reply{apiError(500, "InternalServerError", "oops")}, "InternalServerError", 3},
		{"any 5xx up to MaxAttempts", 5, []reply{{status: 500, body: `{"__type":"InternalFailure"}`}}, "InternalFailure", 5},
		{"throttling up to MaxAttempts", 2, []reply{apiError(400, "ThrottlingException", "")}, "ThrottlingException", 2},
		{"CRC mismatch every time", 0, []reply{{status: 200, body: `{}`, crc: "7"}}, "CRC32", 3},
		{"a single attempt", 1, []reply{apiError(503, "ServiceUnavailable", "")}, "ServiceUnavailable", 1},
		{"an undecodable answer is not retried", 0, []reply{{status: 200, body: `{"Item":`}}, "decode response", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, tt.replies...)
			c.MaxAttempts = tt.maxAttempts
			var out getItemOutput
			err := c.Do(context.Background(), "GetItem", map[string]string{"TableName": "t"}, &out)
			if got := f.attempts(); got != tt.wantAttempt {
				t.Errorf("%d attempts, want %d", got, tt.wantAttempt)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if out.Item["pk"]["S"] != "a" {
					t.Errorf("out = %+v, want the successful answer's", out)
				}
				for i, b := range f.bodies {
					if b != f.bodies[0] {
						t.Errorf("attempt %d sent %q, the first %q", i+1, b, f.bodies[0])
					}
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %s", tt.wantErr)
			}
			var ae *APIError
			if errors.As(err, &ae) {
				if ae.Code != tt.wantErr {
					t.Errorf("code %q, want %q (%v)", ae.Code, tt.wantErr, err)
				}
			} else if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one about %s", err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "awsjson: dynamodb GetItem: ") {
				t.Errorf("err = %q, want it to name the service and op", err)
			}
		})
	}
}

func TestDoReSignsEachAttempt(t *testing.T) {
	f, c := newFake(t, apiError(400, "ThrottlingException", ""), ok)
	clock := time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC)
	c.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
	if err := c.Do(context.Background(), "GetItem", nil, nil); err != nil {
		t.Fatal(err)
	}
	d1, d2 := f.requests[0].Header.Get("X-Amz-Date"), f.requests[1].Header.Get("X-Amz-Date")
	if d1 != "20260101T000000Z" || d2 != "20260101T000001Z" {
		t.Errorf("X-Amz-Date of the attempts = %s, %s", d1, d2)
	}
	// The fake checked both signatures with the SDK's signer.
}

func TestDoContextCancelledDuringBackoffReturnsPromptly(t *testing.T) {
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, apiError(400, "ThrottlingException", "slow down"))
			c.backoff = func(int) time.Duration { return time.Hour }
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			err := c.Do(ctx, "GetItem", nil, nil)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("Do took %v to notice", took)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if ae := (*APIError)(nil); !errors.As(err, &ae) || ae.Code != "ThrottlingException" {
				t.Errorf("err = %v, want the last attempt's *APIError inside too", err)
			}
			if got := f.attempts(); got != 1 {
				t.Errorf("%d attempts, want 1", got)
			}
		})
	}
}

func TestDoContextDoneStopsRetriesOfTransportErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, c := newFake(t, reply{hangUp: true, onServe: cancel})
	err := c.Do(ctx, "GetItem", nil, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if got := f.attempts(); got != 1 {
		t.Errorf("%d attempts, want 1", got)
	}
}

func TestBackoffIsFullJitterUnderCap(t *testing.T) {
	c := &Client{}
	for attempt, ceiling := range map[int]time.Duration{1: 25 * time.Millisecond, 2: 50 * time.Millisecond,
		3: 100 * time.Millisecond, 7: 1600 * time.Millisecond, 8: 2 * time.Second, 40: 2 * time.Second} {
		var maxSeen time.Duration
		for range 2000 {
			d := c.delay(attempt)
			if d < 0 || d >= ceiling {
				t.Fatalf("attempt %d: delay %v outside [0, %v)", attempt, d, ceiling)
			}
			maxSeen = max(maxSeen, d)
		}
		if maxSeen < ceiling/2 {
			t.Errorf("attempt %d: delays up to %v only, want them spread up to %v", attempt, maxSeen, ceiling)
		}
	}
}

func TestIntercept(t *testing.T) {
	injected := errors.New("injected fault")
	passThrough := func(ctx context.Context, call func(context.Context) error) error { return call(ctx) }
	tests := []struct {
		name         string
		replies      []reply
		intercept    func(ctx context.Context, call func(context.Context) error) error
		check        func(err error) bool
		wantAttempts int
	}{
		{"sees the call once for all its attempts", []reply{apiError(400, "ThrottlingException", ""), ok},
			passThrough, func(err error) bool { return err == nil }, 2},
		{"returns the call's error", []reply{apiError(400, "ValidationException", "")},
			passThrough, func(err error) bool {
				var ae *APIError
				return errors.As(err, &ae) && ae.Code == "ValidationException"
			}, 1},
		{"injects an error without any request", []reply{ok},
			func(context.Context, func(context.Context) error) error { return injected },
			func(err error) bool { return errors.Is(err, injected) }, 0},
		{"injects a service error without any request", []reply{ok},
			func(context.Context, func(context.Context) error) error {
				return &APIError{StatusCode: 400, Code: "ConditionalCheckFailedException"}
			},
			func(err error) bool {
				var ae *APIError
				return errors.As(err, &ae) && ae.Code == "ConditionalCheckFailedException"
			}, 0},
	}
	type seen struct {
		op string
		in any
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, tt.replies...)
			var calls []seen
			c.Intercept = func(ctx context.Context, op string, in any, call func(context.Context) error) error {
				calls = append(calls, seen{op, in})
				return tt.intercept(ctx, call)
			}
			in := map[string]string{"TableName": "t"}
			err := c.Do(context.Background(), "GetItem", in, nil)
			if want := []seen{{"GetItem", in}}; !reflect.DeepEqual(calls, want) {
				t.Errorf("Intercept saw %v, want %v", calls, want)
			}
			if got := f.attempts(); got != tt.wantAttempts {
				t.Errorf("%d requests, want %d", got, tt.wantAttempts)
			}
			if !tt.check(err) {
				t.Errorf("err = %v", err)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "awsjson: dynamodb GetItem: ") {
				t.Errorf("err = %q, want it to name the service and op", err)
			}
		})
	}
}

func TestDoRefusesAnIncompleteClientWithoutARequest(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Client)
		want   string
	}{
		{"no JSON version", func(c *Client) { c.JSONVersion = "" }, "JSONVersion"},
		{"no credentials", func(c *Client) { c.Credentials = Credentials{} }, "credentials"},
		{"no region", func(c *Client) { c.Region = "" }, "Region"},
		{"relative endpoint", func(c *Client) { c.Endpoint = "dynamodb.eu-west-1.amazonaws.com" }, "endpoint"},
		{"endpoint with a query", func(c *Client) { c.Endpoint += "/?x=1" }, "endpoint"},
		{"input that does not encode", func(c *Client) {}, "encode input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, ok)
			tt.change(c)
			var in any
			if tt.want == "encode input" {
				in = map[string]any{"f": func() {}}
			}
			err := c.Do(context.Background(), "GetItem", in, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one about %s", err, tt.want)
			}
			if f.attempts() != 0 {
				t.Errorf("%d requests sent", f.attempts())
			}
		})
	}
}

func TestNilHTTPBuildsOneKeepAliveClientPerClient(t *testing.T) {
	f, c := newFake(t, ok)
	c.HTTP = nil
	for range 3 {
		if err := c.Do(context.Background(), "GetItem", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	first := c.httpClient()
	if first == nil || first != c.httpClient() {
		t.Error("the client's HTTP client is not built once")
	}
	other := &Client{}
	if other.httpClient() == first {
		t.Error("two Clients share an HTTP client")
	}
	conns := map[string]bool{}
	for _, r := range f.requests {
		conns[r.RemoteAddr] = true
	}
	if len(conns) != 1 {
		t.Errorf("3 sequential calls used %d connections, want 1 (keep-alive)", len(conns))
	}
}

func TestEndpoint(t *testing.T) {
	tests := []struct{ service, region, want string }{
		{"dynamodb", "eu-west-1", "https://dynamodb.eu-west-1.amazonaws.com"},
		{"events", "us-east-1", "https://events.us-east-1.amazonaws.com"},
		{"dynamodb", "cn-north-1", "https://dynamodb.cn-north-1.amazonaws.com.cn"},
		{"events", "cn-northwest-1", "https://events.cn-northwest-1.amazonaws.com.cn"},
	}
	for _, tt := range tests {
		if got := Endpoint(tt.service, tt.region); got != tt.want {
			t.Errorf("Endpoint(%q, %q) = %q, want %q", tt.service, tt.region, got, tt.want)
		}
	}
}

func TestCredentialsFromEnv(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "SECRET")
	t.Setenv("AWS_SESSION_TOKEN", "TOKEN")
	if got, want := CredentialsFromEnv(), (Credentials{"AKID", "SECRET", "TOKEN"}); got != want {
		t.Errorf("CredentialsFromEnv() = %+v, want %+v", got, want)
	}
}
