package keys

import (
	"net/netip"
	"strings"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// entry is a cached lookup: a key with its policy, or (key nil) the fact
// that no key has this hash. Unknown hashes are cached too, so an unknown key
// and a revoked one take the same path and the same time.
type entry struct {
	key    *keyhouse.Key
	policy *keyhouse.Policy
	// ips are the policy's allowed CIDRs, parsed once per load.
	ips []netip.Prefix
	// origins are the policy's allowed origins, lower-cased.
	origins []string
}

func newEntry(k *keyhouse.Key, p *keyhouse.Policy) *entry {
	e := &entry{key: k, policy: p}
	if p != nil {
		for _, s := range p.AllowedIPs {
			if pfx, ok := parseCIDR(s); ok {
				e.ips = append(e.ips, pfx)
			}
		}
		for _, o := range p.AllowedOrigins {
			e.origins = append(e.origins, strings.ToLower(strings.TrimSuffix(o, "/")))
		}
	}
	return e
}

// parseCIDR parses a CIDR or a single address. IPv4-mapped IPv6 prefixes
// (::ffff:10.0.0.0/104) become the IPv4 prefix they denote, and addresses
// are unmapped before matching, so either spelling matches either form.
func parseCIDR(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return netip.Prefix{}, false
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		a = a.WithZone("")
		p = netip.PrefixFrom(a, a.BitLen())
	}
	a := p.Addr().WithZone("")
	if a.Is4In6() {
		if p.Bits() < 96 {
			// Wider than the mapped range: it also covers plain IPv6
			// space; keep it as IPv6 (addresses are unmapped, so it
			// matches only native IPv6 addresses in it).
			return netip.PrefixFrom(a, p.Bits()).Masked(), true
		}
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96).Masked(), true
	}
	return netip.PrefixFrom(a, p.Bits()).Masked(), true
}

// ValidCIDR reports whether s is a CIDR or an address parseCIDR accepts.
func ValidCIDR(s string) bool { _, ok := parseCIDR(s); return ok }

func ipAllowed(ips []netip.Prefix, raw string) bool {
	a, err := netip.ParseAddr(strings.TrimSpace(raw))
	if err != nil {
		return false
	}
	a = a.WithZone("").Unmap()
	for _, p := range ips {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// originAllowed matches an origin exactly (case-insensitively), or "*", or
// a "scheme://*.domain" pattern covering subdomains.
func originAllowed(origins []string, raw string) bool {
	o := strings.ToLower(strings.TrimSuffix(raw, "/"))
	if o == "" {
		return false
	}
	for _, a := range origins {
		if a == "*" || a == o {
			return true
		}
		if scheme, rest, ok := strings.Cut(a, "://*."); ok {
			// An origin is scheme://host[:port]: anything else after the
			// scheme ("evil.com/.example.com", "evil.com?.example.com")
			// must not reach the suffix match.
			if oscheme, host, ok := strings.Cut(o, "://"); ok && oscheme == scheme && !strings.ContainsAny(host, "/?#@\\ \t") &&
				strings.HasSuffix(host, "."+rest) {
				return true
			}
		}
	}
	return false
}
