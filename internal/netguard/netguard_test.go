package netguard

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestCheckIP(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		addr    string
		allowed bool
	}{
		// Public.
		{"8.8.8.8", true},
		{"1.1.1.1", true},
		{"11.0.0.1", true},
		{"172.15.255.255", true},
		{"172.32.0.0", true},
		{"192.167.255.255", true},
		{"100.63.255.255", true},
		{"100.128.0.0", true},
		{"169.253.255.255", true},
		{"223.255.255.255", true},
		{"2606:4700:4700::1111", true},
		{"2001:4860:4860::8888", true},
		{"::ffff:8.8.8.8", true},
		{"64:ff9b::808:808", true}, // NAT64 of 8.8.8.8
		{"2002:808:808::1", true},  // 6to4 of 8.8.8.8
		{"::ffff:0:808:808", true}, // IPv4-translated 8.8.8.8
		{"fbff:ffff::1", true},     // just below fc00::/7
		{"fe00::1", true},          // between ULA and link-local
		// Loopback.
		{"127.0.0.1", false},
		{"127.255.255.254", false},
		{"::1", false},
		// Private.
		{"10.0.0.1", false},
		{"10.255.255.255", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.0.1", false},
		{"fc00::1", false},
		{"fdff:ffff::1", false},
		{"fd00:ec2::254", false}, // AWS IPv6 metadata
		// Link-local.
		{"169.254.0.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"fe80::1", false},
		{"fe80::1%eth0", false},
		{"febf::1", false},
		{"fec0::1", false}, // site-local
		// Unspecified, this network, broadcast.
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"::", false},
		{"255.255.255.255", false},
		// Multicast.
		{"224.0.0.1", false},
		{"239.255.255.250", false},
		{"ff02::1", false},
		{"ff05::1:3", false},
		// Carrier-grade NAT.
		{"100.64.0.1", false},
		{"100.100.100.200", false}, // Alibaba metadata
		{"100.127.255.255", false},
		// IPv4-mapped forms.
		{"::ffff:127.0.0.1", false},
		{"::ffff:7f00:1", false},
		{"::ffff:10.1.2.3", false},
		{"::ffff:192.168.1.1", false},
		{"::ffff:169.254.169.254", false},
		{"::ffff:100.64.0.1", false},
		{"::ffff:0.0.0.0", false},
		{"::ffff:224.0.0.1", false},
		// Other IPv6 forms that carry a refused IPv4 address.
		{"::127.0.0.1", false},        // IPv4-compatible
		{"::8.8.8.8", false},          // IPv4-compatible, even if public
		{"::ffff:0:127.0.0.1", false}, // IPv4-translated
		{"64:ff9b::7f00:1", false},    // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", false}, // NAT64 of 169.254.169.254
		{"64:ff9b:1::808:808", false}, // NAT64 local-use
		{"2002:7f00:1::", false},      // 6to4 of 127.0.0.1
		{"2002:a9fe:a9fe::1", false},  // 6to4 of 169.254.169.254
		{"2002:c0a8:101::1", false},   // 6to4 of 192.168.1.1
	} {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			ip := netip.MustParseAddr(tt.addr)
			err := Policy{}.CheckIP(ip)
			if tt.allowed && err != nil {
				t.Errorf("CheckIP(%s) = %v, want allowed", ip, err)
			}
			if !tt.allowed && !errors.Is(err, ErrForbiddenAddress) {
				t.Errorf("CheckIP(%s) = %v, want ErrForbiddenAddress", ip, err)
			}
			if err := (Policy{AllowPrivate: true}).CheckIP(ip); err != nil {
				t.Errorf("AllowPrivate: CheckIP(%s) = %v", ip, err)
			}
		})
	}
	for _, p := range []Policy{{}, {AllowPrivate: true}} {
		if err := p.CheckIP(netip.Addr{}); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("%+v: CheckIP(zero Addr) = %v, want ErrForbiddenAddress", p, err)
		}
	}
}

func TestControl(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		network, address string
		allowed          bool
	}{
		{"tcp4", "8.8.8.8:443", true},
		{"tcp6", "[2606:4700:4700::1111]:443", true},
		{"tcp4", "127.0.0.1:80", false},
		{"tcp6", "[::1]:80", false},
		{"tcp6", "[::ffff:169.254.169.254]:80", false},
		{"tcp6", "[fe80::1%eth0]:80", false},
		{"tcp4", "8.8.8.8", false},        // no port: fail closed
		{"tcp4", "example.com:80", false}, // Control only ever sees IPs
		{"tcp4", "", false},
	} {
		err := Policy{}.Control(tt.network, tt.address, nil)
		if tt.allowed != (err == nil) || (err != nil && !errors.Is(err, ErrForbiddenAddress)) {
			t.Errorf("Control(%q, %q) = %v, want allowed=%v", tt.network, tt.address, err, tt.allowed)
		}
	}
}

func newServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPClient(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/final", http.StatusFound)
			return
		}
		io.WriteString(w, "reached "+r.URL.Path)
	})
	localhostURL := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)

	t.Run("RefusesLoopback", func(t *testing.T) {
		t.Parallel()
		for _, u := range []string{srv.URL, localhostURL} {
			resp, err := Policy{}.HTTPClient(5 * time.Second).Get(u)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("GET %s succeeded: %s", u, resp.Status)
			}
			if !errors.Is(err, ErrForbiddenAddress) {
				t.Errorf("GET %s err = %v, want ErrForbiddenAddress", u, err)
			}
		}
	})
	t.Run("AllowPrivateReaches", func(t *testing.T) {
		t.Parallel()
		resp, err := Policy{AllowPrivate: true}.HTTPClient(5 * time.Second).Get(srv.URL + "/x")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || string(body) != "reached /x" {
			t.Errorf("GET = %s %q, want 200 %q", resp.Status, body, "reached /x")
		}
	})
	t.Run("DoesNotFollowRedirects", func(t *testing.T) {
		t.Parallel()
		resp, err := Policy{AllowPrivate: true}.HTTPClient(5 * time.Second).Get(srv.URL + "/redirect")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/final" {
			t.Errorf("GET /redirect = %s Location %q, want 302 /final", resp.Status, resp.Header.Get("Location"))
		}
	})
	t.Run("NoProxyFromEnvironment", func(t *testing.T) {
		t.Parallel()
		c := Policy{}.HTTPClient(time.Second)
		if tr, ok := c.Transport.(*http.Transport); !ok || tr.Proxy != nil {
			t.Errorf("Transport = %T with a Proxy func, want *http.Transport without one", c.Transport)
		}
		if c.Timeout != time.Second {
			t.Errorf("Timeout = %v, want 1s", c.Timeout)
		}
	})
}

func TestDialContext(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	ctx := context.Background()
	if c, err := (Policy{}).DialContext(ctx, "tcp", ln.Addr().String()); !errors.Is(err, ErrForbiddenAddress) {
		if c != nil {
			c.Close()
		}
		t.Errorf("DialContext(loopback) err = %v, want ErrForbiddenAddress", err)
	}
	c, err := Policy{AllowPrivate: true}.DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("AllowPrivate DialContext: %v", err)
	}
	c.Close()
}

func TestValidateURL(t *testing.T) {
	t.Parallel()
	long := "https://example.com/" + strings.Repeat("a", MaxURLLen-len("https://example.com/"))
	for _, tt := range []struct {
		name, raw    string
		requireHTTPS bool
		ok           bool
	}{
		{"HTTPS", "https://hooks.example.com/rotate?x=1", true, true},
		{"HTTPAllowed", "http://hooks.example.com/rotate", false, true},
		{"UpperScheme", "HTTPS://example.com/", true, true},
		{"Port", "https://example.com:8443/", true, true},
		{"IPLiteral", "https://[2001:db8::1]/", true, true}, // addresses are checked at dial time
		{"MaxLen", long, true, true},
		{"TooLong", long + "a", true, false},
		{"HTTPRefused", "http://hooks.example.com/rotate", true, false},
		{"FTP", "ftp://example.com/", false, false},
		{"JavaScript", "javascript:alert(1)", false, false},
		{"File", "file:///etc/passwd", false, false},
		{"NoScheme", "example.com/path", false, false},
		{"Relative", "/rotate", false, false},
		{"Empty", "", false, false},
		{"NoHost", "https:///path", true, false},
		{"PortOnly", "https://:443/", true, false},
		{"Opaque", "https:example.com", true, false},
		{"UserInfo", "https://user:pass@example.com/", true, false},
		{"UserOnly", "https://user@example.com/", true, false},
		{"BadEscape", "https://example.com/%zz", true, false},
		{"ControlChar", "https://example.com/\n", true, false},
		{"BadPort", "https://example.com:port/", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := ValidateURL(tt.raw, tt.requireHTTPS)
			if tt.ok && (err != nil || u == nil) {
				t.Errorf("ValidateURL(%q) = %v, %v; want a URL", tt.raw, u, err)
			}
			if !tt.ok && !errors.Is(err, ErrInvalidURL) {
				t.Errorf("ValidateURL(%q) = %v, %v; want ErrInvalidURL", tt.raw, u, err)
			}
		})
	}
}
