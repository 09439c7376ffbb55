package webhook

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// receiver starts a loopback server with handler and returns it; it closes with the test.
func receiver(t *testing.T, handler http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv
}

// testClient is NewClient's client with a safety net behind the policy's own check: should
// that check ever let a non-loopback address through, the test fails and nothing is sent.
// Without a resolver of its own it gets a stub that knows no name.
func testClient(t *testing.T, o Options) *Client {
	if o.Policy.Resolver == nil {
		o.Policy.Resolver = newStub(nil) // no test sends a DNS query
	}
	return newClient(o, func(network, address string, c syscall.RawConn) error {
		if err := o.Policy.control(network, address, c); err != nil {
			return err
		}
		if ap, err := netip.ParseAddrPort(address); err != nil || !ap.Addr().Unmap().IsLoopback() {
			t.Errorf("the policy let a dial to %s %s through", network, address)
			return errors.New("test safety net: only loopback is dialled in tests")
		}
		return nil
	})
}

// localClient is a test client under the local setting, the only one that may reach loopback.
func localClient(t *testing.T, o Options) *Client {
	o.Policy.Local = true
	return testClient(t, o)
}

func TestSendDeliversEachFormatSignedSoItsReceiverVerifiesIt(t *testing.T) {
	for _, c := range formatCases(t) {
		t.Run(c.name, func(t *testing.T) {
			var verified atomic.Bool
			srv := receiver(t, func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
					http.Error(w, "want a JSON POST", http.StatusBadRequest)
					return
				}
				if err := c.verify(t, r.Header, body, time.Now()); err != nil {
					http.Error(w, err.Error(), http.StatusUnauthorized)
					return
				}
				verified.Store(true)
				w.WriteHeader(http.StatusNoContent)
			})
			h, err := c.signer.Sign(testMessage, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			o := localClient(t, Options{}).Send(t.Context(), srv.URL+"/hook", testMessage.Body, h)
			if !o.Delivered() || o.Status != http.StatusNoContent || !verified.Load() {
				t.Fatalf("outcome %+v (%s), verified %v", o, o.Body, verified.Load())
			}
		})
	}
}

func TestSendClassifiesTheAnswer(t *testing.T) {
	for _, c := range []struct {
		status int
		want   Class
	}{
		{http.StatusOK, ClassDelivered},
		{http.StatusAccepted, ClassDelivered},
		{299, ClassDelivered},
		{http.StatusMovedPermanently, ClassStatus},
		{http.StatusBadRequest, ClassStatus},
		{http.StatusGone, ClassStatus},
		{http.StatusInternalServerError, ClassStatus},
	} {
		t.Run(strconv.Itoa(c.status), func(t *testing.T) {
			srv := receiver(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(c.status)
				io.WriteString(w, "answer")
			})
			o := localClient(t, Options{}).Send(t.Context(), srv.URL, []byte("{}"), nil)
			if o.Class != c.want || o.Status != c.status || string(o.Body) != "answer" {
				t.Errorf("outcome %+v, want class %s, status %d, body %q", o, c.want, c.status, "answer")
			}
			if (o.Err == nil) != (c.want == ClassDelivered) {
				t.Errorf("err = %v for class %s", o.Err, o.Class)
			}
		})
	}
}

func TestSendFollowsNoRedirect(t *testing.T) {
	var reached atomic.Int32
	target := receiver(t, func(w http.ResponseWriter, r *http.Request) { reached.Add(1) })
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			srv := receiver(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+"/elsewhere", status)
			})
			o := localClient(t, Options{}).Send(t.Context(), srv.URL, []byte("{}"), nil)
			if o.Class != ClassStatus || o.Status != status {
				t.Errorf("outcome %+v, want the %d itself as a failed attempt", o, status)
			}
		})
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the redirect's target got %d requests", n)
	}
}

func TestSendReadsAtMostMaxResponseBytesOfTheAnswer(t *testing.T) {
	const limit = 1 << 10
	srv := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 1<<20))
	})
	o := localClient(t, Options{MaxResponseBytes: limit}).Send(t.Context(), srv.URL, []byte("{}"), nil)
	if !o.Delivered() || len(o.Body) != limit || !o.Truncated {
		t.Errorf("delivered %v, read %d bytes, truncated %v; want %d bytes, truncated", o.Delivered(), len(o.Body),
			o.Truncated, limit)
	}

	small := receiver(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	o = localClient(t, Options{MaxResponseBytes: limit}).Send(t.Context(), small.URL, []byte("{}"), nil)
	if string(o.Body) != "ok" || o.Truncated {
		t.Errorf("a short answer: body %q, truncated %v", o.Body, o.Truncated)
	}
}

func TestSendTimesOutOnAReceiverThatStalls(t *testing.T) {
	release := make(chan struct{})
	srv := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) }) // runs before srv.Close, so no handler outlives the test
	o := localClient(t, Options{Timeout: 50 * time.Millisecond}).Send(t.Context(), srv.URL, []byte("{}"), nil)
	if o.Class != ClassTimeout || o.Status != 0 {
		t.Errorf("outcome %+v, want a timeout without a status", o)
	}
}

func TestSendReportsAConnectionFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: the loopback connect is refused
	o := localClient(t, Options{}).Send(t.Context(), "http://"+addr+"/hook", []byte("{}"), nil)
	if o.Class != ClassConnection {
		t.Errorf("outcome %+v, want a connection failure", o)
	}
}

func TestSendRefusesURLsTheLocalSettingDoesNotAllow(t *testing.T) {
	srv := receiver(t, func(w http.ResponseWriter, r *http.Request) { t.Error("the receiver was reached") })
	for _, c := range []struct {
		name   string
		client *Client
		url    string
		want   error
	}{
		{"http outside the local setting", testClient(t, Options{}), srv.URL, ErrURL},
		{"http to a name that is not loopback", localClient(t, Options{}), "http://hooks.example.com/", ErrURL},
		{"a scheme that is not http", localClient(t, Options{}), "ftp://127.0.0.1/", ErrURL},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := c.client.Send(t.Context(), c.url, []byte("{}"), nil)
			if o.Class != ClassRefused || !errors.Is(o.Err, c.want) {
				t.Errorf("outcome %+v, want refused with %v", o, c.want)
			}
		})
	}
}

// countingServer is a loopback server that counts the connections it accepts.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// TestDialerRefusesANameThatResolvesToAForbiddenAddress shows the connect-time check with a
// resolver stub: the name resolves to a private address, or to the loopback address of a
// server that counts its connections, and the dialer's Control refuses it before a connect
// is tried. A probe then connects to the server itself: the accept loop counts in order, so
// a count of one is the probe alone.
func TestDialerRefusesANameThatResolvesToAForbiddenAddress(t *testing.T) {
	srv, conns := countingServer(t)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	stub := newStub(map[string][]string{
		"private.example.com":  {"10.0.0.7"},
		"loopback.example.com": {"127.0.0.1"},
		"metadata.example.com": {"fd00:ec2::254", "169.254.169.254"},
	})
	client := testClient(t, Options{Policy: Policy{Resolver: stub}})
	for _, host := range []string{"private.example.com", "loopback.example.com", "metadata.example.com"} {
		t.Run(host, func(t *testing.T) {
			o := client.Send(t.Context(), "https://"+net.JoinHostPort(host, port)+"/hook", []byte("{}"), nil)
			if o.Class != ClassRefused || !errors.Is(o.Err, ErrAddress) {
				t.Errorf("outcome %+v, want refused with ErrAddress", o)
			}
		})
	}
	probe, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	probe.Body.Close()
	if n := conns.Load(); n != 1 {
		t.Errorf("the server accepted %d connections, want only the probe's", n)
	}
}

// TestDialerRefusesANameThatRebindsAfterRegistration: the name resolves to a public address
// when it is registered and to a private one when a delivery dials it.
func TestDialerRefusesANameThatRebindsAfterRegistration(t *testing.T) {
	stub := newStub(nil)
	stub.add("rebind.example.com", "93.184.215.14")
	stub.add("rebind.example.com", "10.0.0.7")
	policy := Policy{Resolver: stub}
	if _, err := policy.CheckURL(t.Context(), "https://rebind.example.com/hook"); err != nil {
		t.Fatalf("registration refused the public answer: %v", err)
	}
	o := testClient(t, Options{Policy: policy}).Send(t.Context(), "https://rebind.example.com/hook", []byte("{}"), nil)
	if o.Class != ClassRefused || !errors.Is(o.Err, ErrAddress) {
		t.Errorf("outcome %+v, want refused with ErrAddress", o)
	}
	if got := stub.lookups(); len(got) != 2 {
		t.Errorf("lookups %q, want one at registration and one at delivery", got)
	}
}

// TestClientUsesNoProxy: a proxy from the environment would have the dialer check the
// proxy's address, not the receiver's. (Setting HTTPS_PROXY would show nothing reliable:
// net/http reads those variables once a process.)
func TestClientUsesNoProxy(t *testing.T) {
	tr, ok := NewClient(Options{}).http.Transport.(*http.Transport)
	if !ok || tr.Proxy != nil {
		t.Errorf("transport %T with a proxy function", NewClient(Options{}).http.Transport)
	}
}
