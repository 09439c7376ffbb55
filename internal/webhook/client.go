package webhook

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"syscall"
	"time"
)

// Class says how a delivery attempt ended, in words the caller can store.
type Class string

// The classes.
const (
	ClassDelivered  Class = "delivered"  // the receiver answered 2xx
	ClassRefused    Class = "refused"    // the URL or the address it reached is not allowed; nothing was sent
	ClassTimeout    Class = "timeout"    // no answer within the client's timeout
	ClassConnection Class = "connection" // lookup, connection, TLS or transport failure
	ClassStatus     Class = "status"     // an answer other than 2xx, 3xx included: redirects are not followed
)

// Outcome is what one delivery attempt did, for the caller to record.
type Outcome struct {
	Class     Class
	Status    int    // the answer's HTTP status; 0 without an answer
	Body      []byte // the start of the answer's body, at most the client's MaxResponseBytes
	Truncated bool   // the answer's body was longer than Body
	Err       error  // why the attempt failed, for logs; nil when delivered
}

// Delivered reports whether the receiver took the message.
func (o Outcome) Delivered() bool { return o.Class == ClassDelivered }

// Defaults of Options.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultMaxResponseBytes = 64 << 10
)

// Options configure a Client.
type Options struct {
	Policy           Policy
	Timeout          time.Duration // a whole attempt: lookup, connect, TLS, request and answer; 0 is DefaultTimeout
	MaxResponseBytes int64         // the most of an answer's body that is read; 0 is DefaultMaxResponseBytes
}

// Client makes delivery attempts through an HTTP client that reaches only what its Policy
// allows, checked on the address of every connection it opens; it follows no redirect, uses
// no proxy, and bounds an attempt's time and the bytes of the answer it reads. Connections
// are pooled per host. A Client is safe for concurrent use.
type Client struct {
	policy  Policy
	http    *http.Client
	maxBody int64
}

// NewClient returns a Client.
func NewClient(o Options) *Client {
	return newClient(o, o.Policy.control)
}

// newClient returns a Client whose dialer runs control before each connect.
func newClient(o Options, control func(network, address string, c syscall.RawConn) error) *Client {
	timeout := cmp.Or(o.Timeout, DefaultTimeout)
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: control}
	t := &http.Transport{
		Proxy:                  nil, // a proxy would make the dialer check the proxy's address, not the receiver's
		DialContext:            o.Policy.dial(d),
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    timeout,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: DefaultMaxResponseBytes,
	}
	return &Client{
		policy: o.Policy,
		http: &http.Client{
			Transport:     t,
			Timeout:       timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		maxBody: cmp.Or(o.MaxResponseBytes, DefaultMaxResponseBytes),
	}
}

// Send makes one attempt: it POSTs body with header (a Signer's, for this attempt) to
// endpoint, and returns how it ended. The URL is checked again as registration checks it,
// but for the lookup, which the dialer's check on each address replaces.
func (c *Client) Send(ctx context.Context, endpoint string, body []byte, header http.Header) Outcome {
	u, _, err := c.policy.parse(endpoint)
	if err != nil {
		return Outcome{Class: ClassRefused, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return Outcome{Class: ClassRefused, Err: fmt.Errorf("%w: %w", ErrURL, err)}
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	setDefaults(req.Header)

	resp, err := c.http.Do(req)
	if err != nil {
		return Outcome{Class: classify(err), Err: err}
	}
	defer resp.Body.Close()
	o := Outcome{Class: ClassDelivered, Status: resp.StatusCode}
	// A read that fails part-way keeps what it read: the status has decided already.
	o.Body, _ = io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if int64(len(o.Body)) > c.maxBody {
		o.Body, o.Truncated = o.Body[:c.maxBody], true
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		o.Class, o.Err = ClassStatus, fmt.Errorf("webhook: the receiver answered %s", resp.Status)
	}
	return o
}

// classify names the failure of a request that got no answer.
func classify(err error) Class {
	if errors.Is(err, ErrAddress) || errors.Is(err, ErrURL) {
		return ClassRefused
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ClassTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ClassTimeout
	}
	return ClassConnection
}

// dial returns the transport's DialContext: it resolves the host with the policy's resolver
// and dials its addresses one by one through d, whose Control checks each before it connects.
func (p Policy) dial(d *net.Dialer) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		addrs, err := p.resolve(ctx, host)
		if err != nil {
			return nil, &net.OpError{Op: "dial", Net: network, Err: err}
		}
		// IPv4 first: a Lambda function outside a dual-stack VPC has no IPv6 route.
		slices.SortStableFunc(addrs, func(a, b netip.Addr) int { return family(a) - family(b) })
		var errs []error
		for _, a := range addrs {
			conn, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
			if err == nil {
				return conn, nil
			}
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
		}
		return nil, errors.Join(errs...)
	}
}

// family orders IPv4 addresses before IPv6 ones.
func family(a netip.Addr) int {
	if a.Unmap().Is4() {
		return 0
	}
	return 1
}
