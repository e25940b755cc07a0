// Package fetch downloads remote files for attachments without letting a
// client make the server reach internal hosts: every address a name resolves
// to is checked at connect time (after DNS, so rebinding cannot slip past),
// and loopback, private, link-local, multicast and unspecified addresses are
// refused.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	inbox "github.com/inboxd/inbox"
)

// Client fetches public http(s) URLs.
type Client struct {
	http *http.Client
	// AllowPrivate lets tests fetch from a local test server.
	AllowPrivate bool
	// Allow, when set, decides which dialled addresses are acceptable in
	// place of Public. Tests use it to let one local server stand in for a
	// public host while every other local address stays refused (a
	// redirect from it to loopback must fail).
	Allow func(netip.AddrPort) bool
}

// New returns a fetcher with a 15 s overall timeout.
func New() *Client {
	c := &Client{}
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: c.control}
	c.http = &http.Client{
		Timeout: 15 * time.Second,
		Transport: &http.Transport{
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: 10 * time.Second,
			MaxIdleConns:          10,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			return checkURL(req.URL)
		},
	}
	return c
}

var errRefused = errors.New("destination address is not public")

// control runs after DNS resolution, on the address actually dialled.
func (c *Client) control(network, address string, raw syscall.RawConn) error {
	if c.AllowPrivate {
		return nil
	}
	return Guard(c.Allow)(network, address, raw)
}

// ErrRefused is the error a guarded dialer returns for an address that is
// not public.
var ErrRefused = errRefused

// Guard returns a net.Dialer Control function that refuses every address
// that is not Public (after DNS, on the address actually dialled), or, when
// allow is set, every address allow refuses. Other clients that reach
// user-given URLs (webhook deliveries) dial through it too.
func Guard(allow func(netip.AddrPort) bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return errRefused
		}
		if allow != nil {
			if !allow(ap) {
				return errRefused
			}
			return nil
		}
		if !Public(ap.Addr()) {
			return errRefused
		}
		return nil
	}
}

// Public reports whether addr is a globally routable unicast address. An
// IPv6 address that embeds an IPv4 address (NAT64, 6to4, IPv4-mapped, SIIT)
// is judged by the address it embeds, since that is where a gateway would
// deliver the request; IPv6 ranges with no routable meaning of their own
// (IPv4-compatible, Teredo, local-use NAT64, discard, documentation) are
// refused outright.
func Public(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() || addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() ||
		addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast() || addr.IsMulticast() || addr.IsUnspecified() {
		return false
	}
	if addr.Is4() {
		for _, p := range nonPublic4 {
			if p.Contains(addr) {
				return false
			}
		}
		return true
	}
	for _, p := range nonPublic6 {
		if p.Contains(addr) {
			return false
		}
	}
	if v4, ok := embedded4(addr); ok {
		return Public(v4)
	}
	return true
}

// nonPublic4 are IPv4 ranges that net/netip's predicates do not cover and
// that no public file server lives in (RFC 6890 special-purpose registry).
var nonPublic4 = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
}

// nonPublic6 are IPv6 ranges refused whatever they hold.
var nonPublic6 = []netip.Prefix{
	// IPv4-compatible (deprecated by RFC 4291, never routed); ::1 and ::
	// are already refused above.
	netip.MustParsePrefix("::/96"),
	// Local-use NAT64 (RFC 8215): the operator picks where the IPv4
	// address sits, so it cannot be read back reliably.
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("100::/64"),      // discard-only
	netip.MustParsePrefix("2001::/32"),     // Teredo: see embedded4
	netip.MustParsePrefix("2001:db8::/32"), // documentation
	netip.MustParsePrefix("fec0::/10"),     // site-local (deprecated, still private)
}

// embedded4 returns the IPv4 address an IPv6 address carries in a
// translation or tunnelling format: NAT64's well-known prefix 64:ff9b::/96
// (RFC 6052), 6to4 2002::/16 (RFC 3056) and SIIT's IPv4-translated
// ::ffff:0:0:0/96 (RFC 2765). (IPv4-mapped ::ffff:0:0/96 is unmapped by
// Public first.) Teredo (2001::/32) also embeds addresses, but obfuscated
// and with a relay in between, so it is refused as a whole instead.
func embedded4(addr netip.Addr) (netip.Addr, bool) {
	b := addr.As16()
	switch {
	case nat64.Contains(addr), siit.Contains(addr):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(addr):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	siit      = netip.MustParsePrefix("::ffff:0:0:0/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

func checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("unsupported scheme %q", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("missing host")
	}
	return nil
}

// Fetch downloads rawURL, refusing bodies over maxBytes.
func (c *Client) Fetch(ctx context.Context, rawURL string, maxBytes int64) ([]byte, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || checkURL(u) != nil {
		return nil, "", inbox.FieldError("remote_file_url", inbox.MsgInvalid)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", inbox.FieldError("remote_file_url", inbox.MsgInvalid)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, errRefused) {
			return nil, "", inbox.FieldError("remote_file_url", "points to an address that is not public")
		}
		return nil, "", inbox.FieldError("remote_file_url", "could not be downloaded")
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, "", inbox.FieldError("remote_file_url", fmt.Sprintf("could not be downloaded (HTTP %d)", resp.StatusCode))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, "", inbox.FieldError("remote_file_url", "could not be downloaded")
	}
	if int64(len(data)) > maxBytes {
		return nil, "", inbox.FieldError("remote_file_url", "is too large (maximum is 10 MB)")
	}
	return data, resp.Header.Get("Content-Type"), nil
}
