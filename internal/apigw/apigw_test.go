package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// echo answers with what it received: the path, query, a header and the cookies in
// headers, each cookie back as a Set-Cookie, and the body as it is.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("X-Method", r.Method)
	h.Set("X-Path", r.URL.Path)
	h.Set("X-Query", r.URL.Query().Get("q"))
	h.Set("X-Header", r.Header.Get("X-Test"))
	for _, c := range r.Cookies() {
		h.Add("X-Cookie", c.Name+"="+c.Value)
		http.SetCookie(w, &http.Cookie{Name: c.Name, Value: c.Value + "-back"})
	}
	h.Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(body)
})

func TestHandlerThroughHTTPAdapter(t *testing.T) {
	body := make([]byte, 256) // every byte, so not UTF-8: base64 both ways
	for i := range body {
		body[i] = byte(i)
	}
	req := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "POST /items/{id}", RawPath: "/items/caf%C3%A9", RawQueryString: "q=a%26b+c&x=1",
		Cookies: []string{"session=abc", "theme=dark"},
		Headers: map[string]string{"x-test": `say "hé" <now>`, "content-type": "application/octet-stream"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			DomainName: "api.example.com", RequestID: "r-1",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/items/café"},
		},
		Body: base64.StdEncoding.EncodeToString(body), IsBase64Encoded: true,
	}
	payload, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httpadapter.NewV2(echo).ProxyWithContext
	out, err := Handler(proxy).Invoke(t.Context(), payload)
	if err != nil {
		t.Fatal(err)
	}

	want, err := lambda.NewHandler(proxy).Invoke(t.Context(), payload)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("answer\n%s\nlambda.NewHandler's\n%s", out, want)
	}

	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	for h, v := range map[string]string{
		"X-Method": "POST", "X-Path": "/items/café", "X-Query": "a&b c", "X-Header": `say "hé" <now>`,
		"X-Cookie": "session=abc,theme=dark", "Content-Type": "application/octet-stream",
	} {
		if resp.Headers[h] != v {
			t.Errorf("header %s = %q, want %q", h, resp.Headers[h], v)
		}
	}
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("status %d, want 201", resp.StatusCode)
	}
	if want := []string{"session=abc-back", "theme=dark-back"}; !slices.Equal(resp.Cookies, want) {
		t.Errorf("cookies %q, want %q", resp.Cookies, want)
	}
	got, err := base64.StdEncoding.DecodeString(resp.Body)
	if err != nil || !resp.IsBase64Encoded || !bytes.Equal(got, body) {
		t.Errorf("body came back as %q (base64 %v, %v)", resp.Body, resp.IsBase64Encoded, err)
	}
}

// TestHandlersAnswerAsLambdaNewHandler invokes functions on every sample event through
// Handler and AuthorizerHandler and through aws-lambda-go's own handler: the answers are
// the same bytes.
func TestHandlersAnswerAsLambdaNewHandler(t *testing.T) {
	text := func(_ context.Context, r events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		b, err := json.Marshal(r)
		return events.APIGatewayV2HTTPResponse{
			StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(b), Cookies: r.Cookies,
		}, err
	}
	authorize := func(_ context.Context, r events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: len(r.IdentitySource) > 0, Context: map[string]any{
			"route": r.RouteKey, "epoch": float64(r.RequestContext.TimeEpoch), "headers": len(r.Headers), "sources": r.IdentitySource,
		}}, nil
	}
	files := eventFiles(t)
	files["full.json"] = []byte(fullRequest)
	files["full-authorizer.json"] = []byte(fullAuthorizerRequest)
	for name, payload := range files {
		t.Run(name, func(t *testing.T) {
			for _, h := range []struct {
				name      string
				ours, ref lambda.Handler
			}{
				{"Handler", Handler(text), lambda.NewHandler(text)},
				{"AuthorizerHandler", AuthorizerHandler(authorize), lambda.NewHandler(authorize)},
			} {
				got, err := h.ours.Invoke(t.Context(), payload)
				if err != nil {
					t.Fatalf("%s: %v", h.name, err)
				}
				want, err := h.ref.Invoke(t.Context(), payload)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s answers\n%s\nlambda.NewHandler\n%s", h.name, got, want)
				}
			}
		})
	}
}

func TestHandlerErrors(t *testing.T) {
	called := false
	failure := errors.New("table unavailable")
	fn := func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		called = true
		return events.APIGatewayV2HTTPResponse{}, failure
	}
	authorize := func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		called = true
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, failure
	}
	for _, h := range []struct {
		name string
		h    lambda.Handler
	}{{"Handler", Handler(fn)}, {"AuthorizerHandler", AuthorizerHandler(authorize)}} {
		t.Run(h.name, func(t *testing.T) {
			for _, payload := range []string{`{"headers":[]}`, `{"version":`, ``, `[]`} {
				called = false
				if out, err := h.h.Invoke(t.Context(), []byte(payload)); err == nil || out != nil || called {
					t.Errorf("payload %q: answer %q, error %v, function called %v", payload, out, err, called)
				}
			}
			if _, err := h.h.Invoke(t.Context(), []byte(`{}`)); !errors.Is(err, failure) {
				t.Errorf("the function's error came back as %v", err)
			}
		})
	}
	unencodable := AuthorizerHandler(func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{Context: map[string]any{"nan": math.NaN()}}, nil
	})
	if _, err := unencodable.Invoke(t.Context(), []byte(`{}`)); err == nil {
		t.Error("an answer encoding/json cannot encode did not fail")
	}
}

// typical is a function's typical answer to a typical event.
func typical(_ context.Context, r events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": "application/json; charset=utf-8", "X-Request-Id": r.RequestContext.RequestID},
		Body: `{"id":"cus_5b8f0d4e2c7a4e91a3b67d0c9e1f2a84","email":"ada@example.com","name":"Ada Lovelace",` +
			`"external_id":"crm-1001","metadata":{"plan":"pro"},"created_at":"2025-11-22T10:00:00Z","updated_at":"2025-11-22T10:00:00Z"}`,
		Cookies: []string{},
	}, nil
}

func typicalEvent(t testing.TB) []byte {
	t.Helper()
	payload, ok := eventFiles(t)["create-customer.json"]
	if !ok {
		t.Fatal("no events/create-customer.json")
	}
	return payload
}

// BenchmarkInvoke compares a warm invocation of Handler with aws-lambda-go's handler (by
// reflection) on a typical event: decoding, the call and encoding, around a function that
// does nothing.
func BenchmarkInvoke(b *testing.B) {
	payload := typicalEvent(b)
	for _, h := range []struct {
		name string
		h    lambda.Handler
	}{{"apigw", Handler(typical)}, {"reflection", lambda.NewHandler(typical)}} {
		b.Run(h.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				if _, err := h.h.Invoke(ctx, payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFirstInvoke measures the first invocation in a fresh process, what a cold start
// pays: each round runs this test binary again for TestFirstInvokeChild alone. The figure
// is the median first invocation (ns/first); ns/op is mostly the process.
func BenchmarkFirstInvoke(b *testing.B) {
	for _, name := range []string{"apigw", "reflection"} {
		b.Run(name, func(b *testing.B) {
			var firsts []time.Duration
			for b.Loop() {
				cmd := exec.Command(os.Args[0], "-test.run=^TestFirstInvokeChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), "APIGW_FIRST_INVOKE="+name)
				out, err := cmd.Output()
				if err != nil {
					b.Fatalf("%v: %s", err, out)
				}
				_, after, ok := strings.Cut(string(out), "first invoke ns: ")
				ns, err := strconv.ParseInt(strings.Fields(after + " ")[0], 10, 64)
				if !ok || err != nil {
					b.Fatalf("no figure in %s", out)
				}
				firsts = append(firsts, time.Duration(ns))
			}
			slices.Sort(firsts)
			b.ReportMetric(float64(firsts[len(firsts)/2].Nanoseconds()), "ns/first")
		})
	}
}

// TestFirstInvokeChild is BenchmarkFirstInvoke's fresh process.
func TestFirstInvokeChild(t *testing.T) {
	var h lambda.Handler
	switch os.Getenv("APIGW_FIRST_INVOKE") {
	case "apigw":
		h = Handler(typical)
	case "reflection":
		h = lambda.NewHandler(typical)
	default:
		t.Skip("run by BenchmarkFirstInvoke")
	}
	payload := typicalEvent(t)
	start := time.Now()
	if _, err := h.Invoke(context.Background(), payload); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("first invoke ns: %d\n", time.Since(start).Nanoseconds())
}
