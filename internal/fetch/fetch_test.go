package fetch_test

import (
	"net/netip"
	"testing"

	"github.com/inboxd/inbox/internal/fetch"
)

// Public refuses every address that is not globally routable, including
// IPv6 addresses that carry a non-public IPv4 address for a gateway to
// deliver to, and accepts public ones in every form.
func TestPublic(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		addr string
		want bool
	}{
		{"8.8.8.8", true},
		{"93.184.216.34", true},
		{"2606:4700::1111", true},
		{"127.0.0.1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false},
		{"100.64.0.1", false},
		{"0.1.2.3", false},
		{"192.0.2.1", false},
		{"198.18.0.1", false},
		{"240.0.0.1", false},
		{"255.255.255.255", false},
		{"::1", false},
		{"::", false},
		{"fe80::1", false},
		{"fd00::1", false},
		{"fec0::1", false},
		{"ff02::1", false},
		// IPv4-mapped: judged as the IPv4 address.
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"::ffff:8.8.8.8", true},
		// NAT64, well-known prefix (RFC 6052): judged as the embedded address.
		{"64:ff9b::7f00:1", false},    // 127.0.0.1
		{"64:ff9b::a00:1", false},     // 10.0.0.1
		{"64:ff9b::a9fe:a9fe", false}, // 169.254.169.254
		{"64:ff9b::c0a8:101", false},  // 192.168.1.1
		{"64:ff9b::808:808", true},    // 8.8.8.8
		// NAT64, local-use prefix (RFC 8215): refused whatever it holds.
		{"64:ff9b:1::7f00:1", false},
		{"64:ff9b:1::808:808", false},
		{"64:ff9b:1:ffff::1", false},
		// 6to4 (RFC 3056): the IPv4 address is bits 16 to 48.
		{"2002:7f00:1::", false},      // 127.0.0.1
		{"2002:7f00:1::1", false},     // 127.0.0.1
		{"2002:a00:1::1", false},      // 10.0.0.1
		{"2002:a9fe:a9fe::1", false},  // 169.254.169.254
		{"2002:c0a8:101:1::1", false}, // 192.168.1.1
		{"2002:6440:1::1", false},     // 100.64.0.1
		{"2002:808:808::1", true},     // 8.8.8.8
		// SIIT IPv4-translated (RFC 2765).
		{"::ffff:0:7f00:1", false},
		{"::ffff:0:808:808", true},
		// IPv4-compatible (deprecated): refused whatever it holds.
		{"::127.0.0.1", false},
		{"::8.8.8.8", false},
		// Teredo: refused as a whole (obfuscated client address, relayed).
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", false},
		{"2001::1", false},
		// Documentation and discard-only.
		{"2001:db8::1", false},
		{"100::1", false},
	} {
		if got := fetch.Public(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Public(%s)=%v, want %v", tt.addr, got, tt.want)
		}
	}
}
