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
func (c *Client) control(network, address string, _ syscall.RawConn) error {
	if c.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return errRefused
	}
	if c.Allow != nil {
		if !c.Allow(ap) {
			return errRefused
		}
		return nil
	}
	if !Public(ap.Addr()) {
		return errRefused
	}
	return nil
}

// Public reports whether addr is a globally routable unicast address.
func Public(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() || addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() ||
		addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast() || addr.IsMulticast() || addr.IsUnspecified() {
		return false
	}
	// Carrier-grade NAT (100.64.0.0/10) and IPv4 "this network" (0.0.0.0/8).
	if addr.Is4() {
		b := addr.As4()
		if b[0] == 0 || (b[0] == 100 && b[1]&0xc0 == 64) {
			return false
		}
	}
	return true
}

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
