package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// ErrURL is returned for an endpoint URL that is not allowed as written: not https, http
// outside the local setting or to anything but loopback, or without a host.
var ErrURL = errors.New("webhook: URL not allowed")

// ErrAddress is returned for an address an endpoint may not reach: private, loopback,
// link-local, metadata and other special-purpose addresses. Registration returns it for an
// IP literal or any address a name resolves to; the client's dialer returns it at connect
// time, before any packet is sent.
var ErrAddress = errors.New("webhook: address not allowed")

// Resolver looks up a name's addresses. *net.Resolver is one; tests give a stub.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Policy says which URLs and addresses endpoints may use.
type Policy struct {
	// Local allows http, to loopback only, and loopback addresses. Only `make local` sets
	// it; it is never inferred from anything else.
	Local bool
	// Resolver resolves names; nil is net.DefaultResolver.
	Resolver Resolver
}

// CheckURL checks an endpoint URL when it is registered: https, or http to loopback under
// the local setting; a host that is an allowed IP literal, or a name whose every address is
// allowed. It returns the parsed URL, or an error matching ErrURL or ErrAddress (a name
// that does not resolve matches ErrURL and wraps the resolver's error).
func (p Policy) CheckURL(ctx context.Context, raw string) (*url.URL, error) {
	u, host, err := p.parse(raw)
	if err != nil {
		return nil, err
	}
	addrs, err := p.resolve(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("%w: host %q: %w", ErrURL, host, err)
	}
	for _, a := range addrs {
		if err := p.CheckAddr(a); err != nil {
			return nil, fmt.Errorf("host %q: %w", host, err)
		}
		if u.Scheme == "http" && !a.Unmap().IsLoopback() {
			return nil, fmt.Errorf("%w: http to %s, which is not loopback", ErrURL, a)
		}
	}
	return u, nil
}

// parse checks what a URL says by itself, with no lookup: what a delivery checks again
// before each attempt, leaving the addresses to the dialer.
func (p Policy) parse(raw string) (*url.URL, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", ErrURL, err)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if u.Opaque != "" || host == "" {
		return nil, "", fmt.Errorf("%w: no host", ErrURL)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !p.Local {
			return nil, "", fmt.Errorf("%w: http outside the local setting; use https", ErrURL)
		}
		if !loopbackHost(host) {
			return nil, "", fmt.Errorf("%w: http to %q, which is not loopback", ErrURL, host)
		}
	default:
		return nil, "", fmt.Errorf("%w: scheme %q; use https", ErrURL, u.Scheme)
	}
	return u, host, nil
}

// loopbackHost reports whether host names loopback by itself: a loopback IP literal, or
// localhost and its subdomains, which RFC 6761 reserves to loopback.
func loopbackHost(host string) bool {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap().IsLoopback()
	}
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// resolve returns host's addresses: itself for an IP literal, else every answer of a lookup.
func (p Policy) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	r := p.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, errors.New("no addresses")
	}
	return addrs, nil
}

// CheckAddr returns nil for an address endpoints may reach, else an error matching
// ErrAddress that names the range it falls in. Loopback is allowed under the local setting.
func (p Policy) CheckAddr(a netip.Addr) error {
	a = a.Unmap()
	if !a.IsValid() {
		return fmt.Errorf("%w: no address", ErrAddress)
	}
	if p.Local && a.IsLoopback() {
		return nil
	}
	if r, ok := forbidden(a); ok {
		return fmt.Errorf("%w: %s is %s", ErrAddress, a, r)
	}
	return nil
}

// control is the dialer's Control: it runs after the socket is made and before it connects,
// on the address the dial resolved, so a name that resolves to another address at delivery
// than at registration (DNS rebinding) reaches nothing.
func (p Policy) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s %q is not an IP address", ErrAddress, network, address)
	}
	return p.CheckAddr(ap.Addr())
}

// forbidden returns the name of the special-purpose range a holds, if any. Addresses that
// carry an IPv4 address (NAT64, 6to4) are judged by it too.
func forbidden(a netip.Addr) (string, bool) {
	if a.Zone() != "" {
		return "scoped to an interface", true
	}
	for _, r := range forbiddenRanges {
		if r.prefix.Contains(a) {
			return r.name, true
		}
	}
	if v4, ok := embeddedIPv4(a); ok {
		if name, bad := forbidden(v4); bad {
			return "an IPv6 form of " + name, true
		}
	}
	return "", false
}

// embeddedIPv4 returns the IPv4 address a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address
// reaches.
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// forbiddenRanges are the IANA special-purpose ranges that are not globally reachable, with
// the cloud metadata services they hold (docs/webhooks.md#addresses).
var forbiddenRanges = []struct {
	prefix netip.Prefix
	name   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this network (RFC 791)"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private (RFC 1918)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT (RFC 6598; Alibaba's metadata 100.100.100.200)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback (in Lambda, the Runtime API)"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local (RFC 3927; the metadata service 169.254.169.254)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private (RFC 1918)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments (Oracle Cloud's older metadata 192.0.0.192)"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation (RFC 5737)"},
	{netip.MustParsePrefix("192.88.99.0/24"), "6to4 relay anycast (RFC 7526)"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private (RFC 1918)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking (RFC 2544)"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation (RFC 5737)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation (RFC 5737)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved (RFC 1112; broadcast)"},
	{netip.MustParsePrefix("::/96"), "unspecified, loopback or IPv4-compatible (RFC 4291)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64 (RFC 8215)"},
	{netip.MustParsePrefix("100::/64"), "discard-only (RFC 6666)"},
	{netip.MustParsePrefix("2001::/23"), "IETF protocol assignments (RFC 2928; Teredo)"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation (RFC 3849)"},
	{netip.MustParsePrefix("3fff::/20"), "documentation (RFC 9637)"},
	{netip.MustParsePrefix("5f00::/16"), "SRv6 SIDs (RFC 9602)"},
	{netip.MustParsePrefix("fc00::/7"), "unique local (RFC 4193; AWS's metadata fd00:ec2::254)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local (RFC 3879)"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}
