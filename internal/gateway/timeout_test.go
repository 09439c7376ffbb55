package gateway

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/clientele/clientele/internal/samtemplate"
)

// TestFunctionTimeout: an invocation has its function's Timeout as its context's deadline,
// as in Lambda; one that outlives it is a failed invocation, which API Gateway answers 500.
func TestFunctionTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	var deadline time.Time
	handler := func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		deadline, _ = ctx.Deadline()
		if ev.RawPath == "/stall" {
			<-release // ignores its deadline, as a function stuck in a call does
		}
		return events.APIGatewayV2HTTPResponse{StatusCode: 204}, nil
	}
	var rs []*route
	for _, path := range []string{"/stall", "/quick"} {
		r, err := newRoute("GET", path, true, &function{name: path, handler: handler, timeout: 80 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	g, err := newGateway(rs, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	defer srv.Close()
	start := time.Now()
	if got := do(t, "GET", srv.URL+"/quick", nil); got.status != 204 {
		t.Fatalf("quick: %d", got.status)
	}
	if deadline.IsZero() || !deadline.Before(start.Add(IntegrationTimeout)) {
		t.Errorf("the invocation's deadline is %v, want its function's Timeout from the request", deadline)
	}
	wantMessage(t, do(t, "GET", srv.URL+"/stall", nil), 500, "Internal Server Error")
}

// TestTimeoutsFromTheTemplate: the gateway gives each function the Timeout template.yaml
// declares, its own or Globals'.
func TestTimeoutsFromTheTemplate(t *testing.T) {
	path, err := samtemplate.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	api, err := FromTemplate(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	for fn, want := range map[string]time.Duration{
		"create-customer": 10 * time.Second, "lago-list-customers": 10 * time.Second, "purge-app": 300 * time.Second,
	} {
		if got := api.Timeouts[fn]; got != want {
			t.Errorf("%s: Timeout %s, want %s", fn, got, want)
		}
	}
	if got := timeout(api, Options{FunctionTimeout: time.Second}, "create-customer"); got != time.Second {
		t.Errorf("FunctionTimeout does not replace the template's: %s", got)
	}
	if got := timeout(api, Options{}, "no-such-function"); got != DefaultTimeout {
		t.Errorf("a function without Timeout: %s, want Lambda's %s", got, DefaultTimeout)
	}
}
