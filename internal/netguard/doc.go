// Package netguard keeps outbound requests (the proxy, rotation webhooks)
// from reaching the server's own network: server-side request forgery.
//
// The check runs on the address actually dialed (net.Dialer.Control), after
// DNS resolution, so a public name that resolves — or re-resolves — to a
// private address is refused too; checking the URL's host beforehand would
// not be enough. A Policy refuses, unless AllowPrivate is set:
//
//   - loopback: 127.0.0.0/8, ::1
//   - private: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7
//     (which holds AWS's IPv6 metadata address fd00:ec2::254)
//   - link-local: 169.254.0.0/16 (cloud metadata 169.254.169.254), fe80::/10
//   - carrier-grade NAT: 100.64.0.0/10 (Alibaba's metadata 100.100.100.200)
//   - unspecified and "this network": 0.0.0.0/8, :: (Linux connects 0.0.0.0
//     to the local host)
//   - multicast 224.0.0.0/4, ff00::/8, and broadcast 255.255.255.255
//   - deprecated IPv6 ranges never worth dialing: IPv4-compatible ::/96,
//     site-local fec0::/10; and the NAT64 local-use prefix 64:ff9b:1::/48
//   - any IPv6 form carrying one of the IPv4 addresses above: IPv4-mapped
//     ::ffff:0:0/96, IPv4-translated ::ffff:0:0:0/96, NAT64 64:ff9b::/96
//     and 6to4 2002::/16
//
// AllowPrivate turns every check off; it is for tests and for operators who
// proxy to their own network on purpose.
package netguard
