package webhook

import (
	"errors"
	"net"
	"net/netip"
	"testing"
)

func TestCheckURLRefusesWhatCouldReachInside(t *testing.T) {
	aws, local := Policy{}, Policy{Local: true}
	for _, c := range []struct {
		policy Policy
		url    string
		want   error
	}{
		{aws, "http://1.1.1.1/hook", ErrURL},
		{aws, "ftp://1.1.1.1/hook", ErrURL},
		{aws, "https:///hook", ErrURL},
		{aws, "mailto:ops@example.com", ErrURL},
		{aws, "//1.1.1.1/hook", ErrURL},
		{aws, "https://1.1.1.1:notaport/", ErrURL},
		{aws, "https://127.0.0.1/hook", ErrAddress},
		{aws, "https://127.8.9.10:8443/hook", ErrAddress},
		{aws, "https://[::1]/hook", ErrAddress},
		{aws, "https://0.0.0.0/", ErrAddress},
		{aws, "https://[::]/", ErrAddress},
		{aws, "https://10.1.2.3/", ErrAddress},
		{aws, "https://172.16.0.1/", ErrAddress},
		{aws, "https://172.31.255.255/", ErrAddress},
		{aws, "https://192.168.1.1/", ErrAddress},
		{aws, "https://[fd12:3456:789a::1]/", ErrAddress},
		{aws, "https://[fc00::1]/", ErrAddress},
		{aws, "https://169.254.169.254/latest/meta-data/", ErrAddress},
		{aws, "https://169.254.170.2/v2/credentials", ErrAddress}, // ECS task credentials
		{aws, "https://[fd00:ec2::254]/latest/meta-data/", ErrAddress},
		{aws, "https://100.100.100.200/latest/meta-data/", ErrAddress}, // Alibaba Cloud
		{aws, "https://192.0.0.192/opc/v2/instance/", ErrAddress},      // Oracle Cloud
		{aws, "https://100.64.0.1/", ErrAddress},
		{aws, "https://100.127.255.254/", ErrAddress},
		{aws, "https://[fe80::1]/", ErrAddress},
		{aws, "https://[fe80::1%25eth0]/", ErrAddress},
		{aws, "https://224.0.0.1/", ErrAddress},
		{aws, "https://[ff02::1]/", ErrAddress},
		{aws, "https://255.255.255.255/", ErrAddress},
		{aws, "https://[::ffff:127.0.0.1]/", ErrAddress},
		{aws, "https://[::ffff:169.254.169.254]/", ErrAddress},
		{aws, "https://[::ffff:a9fe:a9fe]/", ErrAddress},
		{aws, "https://[64:ff9b::a9fe:a9fe]/", ErrAddress}, // NAT64 of 169.254.169.254
		{aws, "https://[64:ff9b::a00:1]/", ErrAddress},     // NAT64 of 10.0.0.1
		{aws, "https://[2002:a9fe:a9fe::1]/", ErrAddress},  // 6to4 of 169.254.169.254
		{aws, "https://[2001:db8::1]/", ErrAddress},
		{aws, "https://198.18.0.1/", ErrAddress},
		{local, "http://10.0.0.1:8080/", ErrURL},
		{local, "http://1.1.1.1/", ErrURL},
		{local, "http://example.com/", ErrURL},
		{local, "https://10.0.0.1/", ErrAddress},
		{local, "https://169.254.169.254/", ErrAddress},
		{local, "https://[fd00:ec2::254]/", ErrAddress},
	} {
		t.Run(c.url, func(t *testing.T) {
			stub := newStub(nil)
			c.policy.Resolver = stub
			if _, err := c.policy.CheckURL(t.Context(), c.url); !errors.Is(err, c.want) {
				t.Errorf("err = %v, want %v", err, c.want)
			}
			if asked := stub.lookups(); len(asked) > 0 {
				t.Errorf("looked up %q: an IP literal or a refused scheme needs no lookup", asked)
			}
		})
	}
}

func TestCheckURLAllowsPublicHTTPSAndLocalLoopback(t *testing.T) {
	aws, local := Policy{}, Policy{Local: true}
	for _, c := range []struct {
		policy Policy
		url    string
	}{
		{aws, "https://1.1.1.1/hook"},
		{aws, "https://8.8.8.8:8443/hooks/clientele?source=x"},
		{aws, "https://[2606:4700:4700::1111]/hook"},
		{aws, "https://[::ffff:1.1.1.1]/hook"},
		{aws, "https://[64:ff9b::101:101]/hook"}, // NAT64 of 1.1.1.1
		{local, "http://127.0.0.1:8080/hook"},
		{local, "http://[::1]:8080/hook"},
		{local, "https://127.0.0.1:8443/hook"},
		{local, "https://1.1.1.1/hook"},
	} {
		t.Run(c.url, func(t *testing.T) {
			c.policy.Resolver = newStub(nil)
			if _, err := c.policy.CheckURL(t.Context(), c.url); err != nil {
				t.Errorf("refused: %v", err)
			}
		})
	}
}

func TestCheckURLChecksEveryAddressANameResolvesTo(t *testing.T) {
	answers := map[string][]string{
		"hooks.example.com":   {"93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"},
		"mixed.example.com":   {"93.184.215.14", "10.0.0.7"},
		"rebind.example.com":  {"169.254.169.254"},
		"v6.example.com":      {"2606:2800:21f::1", "fd00:ec2::254"},
		"localhost":           {"127.0.0.1", "::1"},
		"app.localhost":       {"127.0.0.1"},
		"bad.localhost":       {"10.0.0.1"},
		"loopback.example.io": {"127.0.0.1"},
	}
	aws, local := Policy{}, Policy{Local: true}
	for _, c := range []struct {
		policy Policy
		url    string
		want   error
	}{
		{aws, "https://hooks.example.com/hook", nil},
		{aws, "https://HOOKS.example.com./hook", nil},
		{aws, "https://mixed.example.com/hook", ErrAddress},
		{aws, "https://rebind.example.com/hook", ErrAddress},
		{aws, "https://v6.example.com/hook", ErrAddress},
		{aws, "https://localhost/hook", ErrAddress},
		{aws, "https://loopback.example.io/hook", ErrAddress},
		{aws, "https://nowhere.example.com/hook", ErrURL},
		{local, "http://localhost:3000/hook", nil},
		{local, "http://app.localhost:3000/hook", nil},
		{local, "https://hooks.example.com/hook", nil},
		{local, "http://bad.localhost/hook", ErrAddress},
		{local, "http://loopback.example.io/hook", ErrURL}, // http is for names of loopback only
		{local, "https://mixed.example.com/hook", ErrAddress},
	} {
		t.Run(c.url, func(t *testing.T) {
			c.policy.Resolver = newStub(answers)
			_, err := c.policy.CheckURL(t.Context(), c.url)
			if c.want == nil && err != nil || !errors.Is(err, c.want) {
				t.Errorf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestCheckURLWrapsTheResolversError(t *testing.T) {
	_, err := Policy{Resolver: newStub(nil)}.CheckURL(t.Context(), "https://nowhere.example.com/")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("err = %v, want it to wrap the resolver's *net.DNSError", err)
	}
}

func TestDialerControlRefusesForbiddenAddressesBeforeConnecting(t *testing.T) {
	aws, local := Policy{}, Policy{Local: true}
	for _, c := range []struct {
		policy  Policy
		network string
		address string
		ok      bool
	}{
		{aws, "tcp4", "93.184.215.14:443", true},
		{aws, "tcp6", "[2606:4700:4700::1111]:443", true},
		{aws, "tcp4", "10.0.0.7:443", false},
		{aws, "tcp4", "127.0.0.1:8080", false},
		{aws, "tcp6", "[::1]:8080", false},
		{aws, "tcp4", "169.254.169.254:80", false},
		{aws, "tcp6", "[fd00:ec2::254]:80", false},
		{aws, "tcp6", "[::ffff:10.0.0.7]:443", false},
		{aws, "tcp6", "[fe80::1%eth0]:443", false},
		{aws, "tcp4", "hooks.example.com:443", false},
		{local, "tcp4", "127.0.0.1:8080", true},
		{local, "tcp6", "[::1]:8080", true},
		{local, "tcp4", "10.0.0.7:443", false},
	} {
		t.Run(c.address, func(t *testing.T) {
			err := c.policy.control(c.network, c.address, nil)
			if c.ok && err != nil {
				t.Errorf("refused: %v", err)
			}
			if !c.ok && !errors.Is(err, ErrAddress) {
				t.Errorf("err = %v, want ErrAddress", err)
			}
		})
	}
}

func TestCheckAddrRefusesTheZeroAddress(t *testing.T) {
	if err := (Policy{Local: true}).CheckAddr(netip.Addr{}); !errors.Is(err, ErrAddress) {
		t.Errorf("err = %v, want ErrAddress", err)
	}
}
