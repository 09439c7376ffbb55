package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/awsclient"
	"github.com/clientele/clientele/internal/dynamotest"
	"github.com/clientele/clientele/internal/routes"
)

// syncBuffer is a bytes.Buffer that the server's goroutines may write while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs the command until the test ends, and returns what it printed at start.
func start(t testing.TB) (info, *syncBuffer, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	readyc := make(chan info, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, &stdout, &stderr, func(in info) { readyc <- in }) }()
	var (
		once    sync.Once
		stopErr error
	)
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(15 * time.Second):
				t.Error("the server did not shut down")
			}
		})
		return stopErr
	}
	select {
	case in := <-readyc:
		t.Cleanup(func() { _ = stop() })
		return in, &stdout, &stderr, stop
	case err := <-done:
		cancel()
		t.Fatalf("run: %v\nstderr: %s", err, stderr.String())
	case <-time.After(time.Minute):
		cancel()
		t.Fatal("the server did not start")
	}
	return info{}, nil, nil, nil
}

// localEnv points the command at a table of its own on DynamoDB Local, deleted at the end,
// and a free port; false when there is no DynamoDB Local (the test is then skipped or failed).
func localEnv(tb testing.TB) bool {
	tb.Helper()
	if _, ok := dynamotest.Endpoint(); !ok {
		dynamotest.New(tb) // skips, or fails under CLIENTELE_REQUIRE_DYNAMODB=1
		return false
	}
	table := "local-test-" + strings.ToLower(rand.Text()[:10])
	tb.Setenv(routes.EnvTable, table)
	tb.Setenv("PORT", "0")
	tb.Cleanup(func() {
		db, _, err := routes.DynamoDBFromEnv()
		if err == nil {
			_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
		}
	})
	return true
}

func request(t testing.TB, method, url, key, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func TestLocal(t *testing.T) {
	if !localEnv(t) {
		return
	}
	bootstrap, _ := auth.Generate(auth.Account)
	t.Setenv(envBootstrap, bootstrap)
	in, stdout, stderr, stop := start(t)
	if in.AccountKey != bootstrap || in.App.Slug != "my-app" || !auth.Plausible(in.AppKey) ||
		!strings.HasPrefix(in.URL, "http://127.0.0.1:") {
		t.Fatalf("started with %+v", in)
	}
	for _, s := range []string{in.URL, in.AccountKey, in.AppKey, "app_" + in.App.ID, "curl"} {
		if !strings.Contains(stdout.String(), s) {
			t.Errorf("the banner lacks %q:\n%s", s, stdout.String())
		}
	}

	if code, body := request(t, "GET", in.URL+"/api/health", "", ""); code != 200 {
		t.Errorf("health: %d %s", code, body)
	}
	code, body := request(t, "POST", in.URL+"/api/v1/apps/my-app/customers", in.AppKey,
		`{"email":"jane@example.com","name":"Jane Smith"}`)
	if code != 201 {
		t.Fatalf("create a customer with the demo key: %d %s", code, body)
	}
	code, body = request(t, "GET", in.URL+"/api/v1/apps", in.AccountKey, "")
	var apps struct {
		Data []struct{ Slug string } `json:"data"`
	}
	if code != 200 || json.Unmarshal(body, &apps) != nil || len(apps.Data) != 1 || apps.Data[0].Slug != "my-app" {
		t.Errorf("list apps with the account key: %d %s", code, body)
	}
	if code, body := request(t, "GET", in.URL+"/api/v1/apps", "", ""); code != 401 ||
		string(body) != `{"message":"Unauthorized"}` {
		t.Errorf("no key: %d %s", code, body)
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	// Logs are JSON lines, with the gateway's access log.
	sawAccess := false
	for line := range strings.Lines(stderr.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		sawAccess = sawAccess || (rec["source"] == "gateway" && rec["routeKey"] == "POST /api/v1/apps/{slug}/customers")
	}
	if !sawAccess {
		t.Errorf("no access log record for the request:\n%s", stderr.String())
	}

	// A second start reuses the table, the registered key and the app, with a new app key;
	// the first app key still works.
	again, _, _, _ := start(t)
	if again.AccountKey != bootstrap || again.App.ID != in.App.ID || again.AppKey == in.AppKey {
		t.Errorf("second start: %+v, first: %+v", again, in)
	}
	for _, key := range []string{in.AppKey, again.AppKey} {
		code, body := request(t, "GET", again.URL+"/api/v1/apps/my-app/customers/by-email?email=jane@example.com", key, "")
		if code != 200 {
			t.Errorf("customer from the first start: %d %s", code, body)
		}
	}
}

func TestLocalRefusesBadBootstrapKey(t *testing.T) {
	if !localEnv(t) {
		return
	}
	secret, _ := auth.Generate(auth.Secret)
	for _, key := range []string{"hunter2", secret, "ak_live_" + strings.Repeat("z", 48)} {
		t.Setenv(envBootstrap, key)
		err := run(context.Background(), io.Discard, io.Discard, func(info) { t.Error("started with a bad key") })
		if err == nil || !strings.Contains(err.Error(), envBootstrap) {
			t.Errorf("%s=%q: err %v", envBootstrap, key, err)
		}
	}
}

func TestLocalNeedsDynamoDB(t *testing.T) {
	t.Setenv(awsclient.EnvDynamoDBEndpoint, "")
	os.Unsetenv(awsclient.EnvDynamoDBEndpoint)
	err := run(context.Background(), io.Discard, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "make local") {
		t.Errorf("err = %v", err)
	}
}
