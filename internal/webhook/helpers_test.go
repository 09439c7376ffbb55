package webhook

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net"
	"net/netip"
	"sync"
	"testing"
)

// stubResolver answers from a table and never sends a query. A host with several answer
// lists gets them in turn, the last one repeated: a name that rebinds between lookups.
type stubResolver struct {
	mu      sync.Mutex
	answers map[string][][]netip.Addr
	asked   []string
}

func newStub(answers map[string][]string) *stubResolver {
	s := &stubResolver{answers: map[string][][]netip.Addr{}}
	for host, addrs := range answers {
		s.add(host, addrs...)
	}
	return s
}

// add appends one answer list for host.
func (s *stubResolver) add(host string, addrs ...string) {
	var list []netip.Addr
	for _, a := range addrs {
		list = append(list, netip.MustParseAddr(a))
	}
	s.answers[host] = append(s.answers[host], list)
}

func (s *stubResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, host)
	lists := s.answers[host]
	if len(lists) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	answer := lists[0]
	if len(lists) > 1 {
		s.answers[host] = lists[1:]
	}
	return append([]netip.Addr(nil), answer...), nil
}

func (s *stubResolver) lookups() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

// lagoKey is one RSA key for the tests that sign Lago jwt: making one takes a while.
var lagoKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func testLagoKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := lagoKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}
