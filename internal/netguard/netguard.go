package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// ErrForbiddenAddress is wrapped by every refusal of an address.
var ErrForbiddenAddress = errors.New("netguard: forbidden address")

// DialTimeout bounds connecting, DNS included, in DialContext.
const DialTimeout = 10 * time.Second

// Policy decides which addresses outbound connections may reach.
// The zero Policy refuses everything listed in the package comment.
type Policy struct {
	// AllowPrivate lets connections reach every address.
	AllowPrivate bool
}

var (
	cgnat     = netip.MustParsePrefix("100.64.0.0/10")
	thisNet   = netip.MustParsePrefix("0.0.0.0/8")
	broadcast = netip.MustParseAddr("255.255.255.255")
	v4compat  = netip.MustParsePrefix("::/96")
	v4transl  = netip.MustParsePrefix("::ffff:0:0:0/96")
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	nat64Loc  = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour = netip.MustParsePrefix("2002::/16")
	siteLocal = netip.MustParsePrefix("fec0::/10")
)

// CheckIP returns an error wrapping ErrForbiddenAddress if p refuses ip.
func (p Policy) CheckIP(ip netip.Addr) error {
	if !ip.IsValid() {
		return fmt.Errorf("%w: invalid address", ErrForbiddenAddress)
	}
	if p.AllowPrivate {
		return nil
	}
	if reason := refused(ip); reason != "" {
		return fmt.Errorf("%w: %s is %s", ErrForbiddenAddress, ip, reason)
	}
	return nil
}

// refused names the class of ip if it must not be dialed, else "".
func refused(ip netip.Addr) string {
	ip = ip.WithZone("").Unmap()
	if ip.Is6() {
		// Addresses that carry an IPv4 address are judged by it: a NAT64 or
		// 6to4 gateway would deliver 64:ff9b::7f00:1 to 127.0.0.1.
		b := ip.As16()
		switch {
		case ip.IsUnspecified(), ip.IsLoopback(): // inside ::/96; judged below
		case v4compat.Contains(ip):
			return "IPv4-compatible"
		case v4transl.Contains(ip), nat64.Contains(ip):
			return embedded([4]byte(b[12:16]))
		case sixToFour.Contains(ip):
			return embedded([4]byte(b[2:6]))
		case nat64Loc.Contains(ip):
			// RFC 8215: for use inside one network, and where the IPv4
			// address sits depends on its operator's prefix length.
			return "NAT64 local-use"
		case siteLocal.Contains(ip):
			return "site-local"
		}
	}
	switch {
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast():
		return "link-local"
	case ip.IsUnspecified(), thisNet.Contains(ip):
		return "unspecified"
	case ip.IsMulticast():
		return "multicast"
	case ip == broadcast:
		return "broadcast"
	case cgnat.Contains(ip):
		return "carrier-grade NAT"
	}
	return ""
}

func embedded(v4 [4]byte) string {
	if r := refused(netip.AddrFrom4(v4)); r != "" {
		return r + " (embedded IPv4)"
	}
	return ""
}

// Control checks the address a net.Dialer is about to connect to; use it as
// net.Dialer.Control. An address that does not parse is refused: failing
// open here would defeat the point.
func (p Policy) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparsable address %q (%s)", ErrForbiddenAddress, address, network)
	}
	return p.CheckIP(ap.Addr())
}

// DialContext connects like net.Dialer.DialContext, refusing addresses p
// forbids, with DialTimeout.
func (p Policy) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Control: p.Control, Timeout: DialTimeout}
	return d.DialContext(ctx, network, addr)
}

// HTTPClient returns a client for untrusted URLs: it dials through
// DialContext, ignores HTTP(S)_PROXY (a proxy would dial for us, unchecked),
// does not follow redirects (the caller sees the 3xx response; a redirect
// is also how SSRF filters are usually dodged), and gives up after timeout
// (no limit if 0).
func (p Policy) HTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil, // never from the environment
			DialContext:           p.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       timeout,
	}
}

// MaxURLLen is the longest URL ValidateURL accepts.
const MaxURLLen = 2048

// ErrInvalidURL is wrapped by every refusal of ValidateURL.
var ErrInvalidURL = errors.New("netguard: invalid URL")

// ValidateURL checks that raw is an absolute http or https URL (https only
// when requireHTTPS) with a host, no user info and at most MaxURLLen bytes.
// It does not resolve the host: the dial-time check does that, for the
// address actually used.
func ValidateURL(raw string, requireHTTPS bool) (*url.URL, error) {
	if len(raw) > MaxURLLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrInvalidURL, MaxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && !requireHTTPS:
	case requireHTTPS:
		return nil, fmt.Errorf("%w: scheme must be https", ErrInvalidURL)
	default:
		return nil, fmt.Errorf("%w: scheme must be http or https", ErrInvalidURL)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return nil, fmt.Errorf("%w: missing host", ErrInvalidURL)
	}
	// Credentials in a stored URL would be shown back and logged.
	if u.User != nil {
		return nil, fmt.Errorf("%w: user info not allowed", ErrInvalidURL)
	}
	return u, nil
}
