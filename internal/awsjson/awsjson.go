// Package awsjson is a small client for the AWS APIs of the JSON protocol: DynamoDB
// (x-amz-json-1.0) and EventBridge (x-amz-json-1.1). It signs requests with AWS Signature
// Version 4, retries throttling, 5xx answers and transport failures with jittered backoff,
// and returns the service's errors as [*APIError].
//
// It exists for Lambda cold starts: the AWS SDK's service packages (dynamodb, eventbridge
// and what they pull in) cost about 4 ms of package initialisation on every cold start of
// each of our ~34 functions, for a handful of operations whose JSON we can write ourselves.
// This package is small and imports only the standard library; keep it that way (no
// github.com/aws/..., no smithy), outside its tests.
package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Credentials sign requests.
type Credentials struct{ AccessKeyID, SecretAccessKey, SessionToken string }

// CredentialsFromEnv reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: what
// Lambda gives a function of its role.
func CredentialsFromEnv() Credentials {
	return Credentials{
		AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
	}
}

// Client calls one service. Set its fields before the first call and leave them alone after;
// a Client is then safe for concurrent use. It must not be copied after first use.
type Client struct {
	Service      string // SigV4 signing name: "dynamodb", "events"
	Region       string
	Endpoint     string // base URL, e.g. https://dynamodb.eu-west-1.amazonaws.com or http://127.0.0.1:8000
	TargetPrefix string // X-Amz-Target is TargetPrefix+"."+op: "DynamoDB_20120810", "AWSEvents"
	JSONVersion  string // "1.0" or "1.1": Content-Type application/x-amz-json-<v>
	Credentials  Credentials
	// HTTP sends the requests. Nil: the Client builds a keep-alive client of its own on first
	// use (one per Client, never shared between Clients). Its Timeout, if any, bounds each
	// attempt; the context bounds the whole call.
	HTTP *http.Client
	// MaxAttempts bounds the attempts of one call, the first included; 0 means 3, as the
	// AWS SDKs.
	MaxAttempts int
	// Intercept, when set, wraps each operation (all its attempts): tests use it to count
	// calls, record them, or inject a fault by returning an error without calling call.
	// Whatever error it returns, Do returns wrapped, as it does the service's.
	Intercept func(ctx context.Context, op string, in any, call func(context.Context) error) error
	// Now is the signing clock; nil means time.Now.
	Now func() time.Time

	httpOnce sync.Once
	http     *http.Client                    // built by httpOnce when HTTP is nil
	key      atomic.Pointer[signingKey]      // the last signing key derived
	backoff  func(attempt int) time.Duration // tests only; nil: full jitter
}

// Backoff between attempts: full jitter over an exponential ceiling.
const (
	backoffBase = 25 * time.Millisecond
	backoffCap  = 2 * time.Second
)

// Error bodies are read up to this size; the rest is drained and dropped.
const maxErrorBody = 1 << 20

// Endpoint returns the public endpoint of a service in a region:
// https://<service>.<region>.amazonaws.com, and .amazonaws.com.cn for cn-* regions.
func Endpoint(service, region string) string {
	e := "https://" + service + "." + region + ".amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		e += ".cn"
	}
	return e
}

// Appender is an input that writes its own JSON: request bodies encoded without reflection.
// encoding/json builds a codec for each struct type on its first use, which a Lambda function
// pays in its first invocation.
type Appender interface {
	// AppendJSON appends the JSON encoding of the input to b and returns the extended buffer.
	AppendJSON(b []byte) []byte
}

// Do sends op with in encoded as JSON (its AppendJSON if it is an [Appender], else
// encoding/json; nil sends {}) and decodes a 2xx body into out (out may be nil) with its
// UnmarshalJSON if it is a [json.Unmarshaler], else encoding/json. Errors name the service
// and op; an error the service answered is an [*APIError] (errors.As), a cancelled or
// expired ctx is errors.Is ctx.Err().
func (c *Client) Do(ctx context.Context, op string, in, out any) error {
	err := c.do(ctx, op, in, out)
	if err != nil {
		return fmt.Errorf("awsjson: %s %s: %w", c.Service, op, err)
	}
	return nil
}

func (c *Client) do(ctx context.Context, op string, in, out any) error {
	target, err := c.target(op)
	if err != nil {
		return err
	}
	body := []byte("{}")
	if a, ok := in.(Appender); ok {
		body = a.AppendJSON(nil)
	} else if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("encode input: %w", err)
		}
	}
	call := func(ctx context.Context) error { return c.send(ctx, target, body, out) }
	if c.Intercept != nil {
		return c.Intercept(ctx, op, in, call)
	}
	return call(ctx)
}

// target is where and what a call sends.
type target struct {
	url, host, path string
	amzTarget       string
	contentType     string
}

func (c *Client) target(op string) (target, error) {
	switch {
	case c.Service == "" || c.Region == "" || c.TargetPrefix == "":
		return target{}, errors.New("client: Service, Region and TargetPrefix must be set")
	case c.JSONVersion != "1.0" && c.JSONVersion != "1.1":
		return target{}, fmt.Errorf("client: JSONVersion %q, want 1.0 or 1.1", c.JSONVersion)
	case c.Credentials.AccessKeyID == "" || c.Credentials.SecretAccessKey == "":
		return target{}, errors.New("client: no credentials")
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return target{}, fmt.Errorf("client: endpoint %q is no http(s) base URL", c.Endpoint)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/"
	u.RawPath = ""
	return target{
		url:         u.String(),
		host:        canonicalHost(u),
		path:        canonicalURI(u.EscapedPath()),
		amzTarget:   c.TargetPrefix + "." + op,
		contentType: "application/x-amz-json-" + c.JSONVersion,
	}, nil
}

// send makes up to MaxAttempts attempts.
func (c *Client) send(ctx context.Context, t target, body []byte, out any) error {
	maxAttempts := c.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 3
	}
	for attempt := 1; ; attempt++ {
		retry, err := c.attempt(ctx, t, body, out)
		if err == nil {
			return nil
		}
		if attempt > 1 {
			err = fmt.Errorf("attempt %d of %d: %w", attempt, maxAttempts, err)
		}
		if !retry || attempt >= maxAttempts || ctx.Err() != nil {
			return err
		}
		timer := time.NewTimer(c.delay(attempt))
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("%w while waiting to retry after: %w", ctx.Err(), err)
		case <-timer.C:
		}
	}
}

// delay is the wait before attempt+1: full jitter, in [0, min(cap, base·2^(attempt-1))).
func (c *Client) delay(attempt int) time.Duration {
	if c.backoff != nil {
		return c.backoff(attempt)
	}
	ceiling := backoffCap
	if attempt <= 10 {
		ceiling = min(backoffCap, backoffBase<<(attempt-1))
	}
	return rand.N(ceiling)
}

// attempt sends the request once; retry says whether its error is worth another attempt.
func (c *Client) attempt(ctx context.Context, t target, body []byte, out any) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	c.sign(req, t, body, now())
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return ctx.Err() == nil, err
	}
	defer resp.Body.Close()

	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	limit := int64(-1)
	if !ok {
		limit = maxErrorBody
	}
	data, complete, err := readBody(resp.Body, limit)
	if err != nil {
		return ctx.Err() == nil, fmt.Errorf("read response: %w", err)
	}
	if complete && !resp.Uncompressed {
		if err := checkCRC32(resp.Header, data); err != nil {
			return true, err
		}
	}
	if !ok {
		ae := newAPIError(resp, data)
		return retryable(ae), ae
	}
	if u, ok := out.(json.Unmarshaler); ok {
		// Directly: json.Unmarshal would first scan the whole body to check its syntax,
		// which a hand-written decoder does as it goes.
		if err := u.UnmarshalJSON(data); err != nil {
			return false, fmt.Errorf("decode response: %w", err)
		}
	} else if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return false, fmt.Errorf("decode response: %w", err)
		}
	}
	return false, nil
}

// readBody reads the body whole, or up to limit bytes (limit < 0: no limit), draining the
// rest so that the connection goes back to the pool.
func readBody(r io.Reader, limit int64) (data []byte, complete bool, err error) {
	if limit < 0 {
		data, err = io.ReadAll(r)
		return data, err == nil, err
	}
	data, err = io.ReadAll(io.LimitReader(r, limit))
	if err != nil {
		return data, false, err
	}
	n, _ := io.Copy(io.Discard, io.LimitReader(r, 4*maxErrorBody))
	return data, n == 0, nil
}

// checkCRC32 verifies DynamoDB's X-Amz-Crc32 header (CRC32 IEEE of the body) when present.
func checkCRC32(h http.Header, body []byte) error {
	v := h.Get("X-Amz-Crc32")
	if v == "" {
		return nil
	}
	want, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return fmt.Errorf("response X-Amz-Crc32 %q does not parse", v)
	}
	if got := crc32.ChecksumIEEE(body); uint64(got) != want {
		return fmt.Errorf("response CRC32 %d, X-Amz-Crc32 says %d: the body was damaged", got, want)
	}
	return nil
}

// retryable reports whether an error the service answered may pass on a later attempt.
func retryable(e *APIError) bool {
	if e.StatusCode >= 500 {
		return true
	}
	switch e.Code {
	case "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
		"ThrottledException", "TooManyRequestsException", "LimitExceededException",
		"InternalServerError", "ServiceUnavailable":
		return true
	}
	return false
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	c.httpOnce.Do(func() { c.http = NewHTTPClient(0) })
	return c.http
}

// NewHTTPClient returns an HTTP client for a Client that keeps its connections alive between
// calls (and between a Lambda function's invocations), each attempt bounded by timeout (0:
// only by the context). Build one per process, in main.
//
// The transport speaks HTTP/1.1 only. It has http.DefaultTransport's settings but is built
// field by field: a clone of DefaultTransport sets HTTP/2 up at once, a tenth of a
// millisecond of every cold start, for DynamoDB, which answers HTTP/1.1 only
// (aws/aws-sdk-go#2984); a transport with a DialContext of its own leaves HTTP/2 alone.
func NewHTTPClient(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: t, Timeout: timeout}
}
