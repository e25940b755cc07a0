package httpx

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the addresses of reverse proxies whose X-Forwarded-For,
// X-Forwarded-Proto and X-Forwarded-Host headers are believed. From any
// other peer those headers are ignored: anyone can send them.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of IP addresses and CIDR
// prefixes ("10.0.0.0/8, 127.0.0.1, ::1").
func ParseProxies(s string) (Proxies, error) {
	var ps Proxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or CIDR prefix", f)
			}
			ps = append(ps, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or CIDR prefix", f)
		}
		ps = append(ps, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return ps, nil
}

// trusts reports whether a is one of the proxies.
func (ps Proxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peer is what is known of a request's origin.
type peer struct {
	ip     string // the client's address, through trusted proxies only
	scheme string // from a trusted proxy's X-Forwarded-Proto, else ""
	host   string // from a trusted proxy's X-Forwarded-Host, else ""
}

type peerKey struct{}

// Forwarded records each request's client address, believing the
// X-Forwarded-* headers only when the connection comes from one of proxies.
// The client address is the rightmost X-Forwarded-For entry that is not a
// trusted proxy (entries to its left could be written by the client).
func Forwarded(next http.Handler, proxies Proxies) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := &peer{}
		remote := addrOf(r.RemoteAddr)
		if remote.IsValid() {
			p.ip = remote.String()
		}
		if remote.IsValid() && proxies.trusts(remote) {
			p.ip = forwardedFor(r.Header.Values("X-Forwarded-For"), proxies, p.ip)
			if proto := strings.ToLower(lastValue(r.Header.Get("X-Forwarded-Proto"))); proto == "http" || proto == "https" {
				p.scheme = proto
			}
			if host := lastValue(r.Header.Get("X-Forwarded-Host")); validHost(host) {
				p.host = host
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), peerKey{}, p)))
	})
}

// ClientIP returns the address of the client of the request in ctx: the
// connection's peer, or what trusted proxies say it is. "" outside
// Forwarded.
func ClientIP(ctx context.Context) string {
	if p, _ := ctx.Value(peerKey{}).(*peer); p != nil {
		return p.ip
	}
	return ""
}

func addrOf(hostport string) netip.Addr {
	if ap, err := netip.ParseAddrPort(hostport); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(hostport)
	return a.Unmap()
}

// forwardedFor walks X-Forwarded-For from the right, past trusted proxies.
func forwardedFor(values []string, proxies Proxies, remote string) string {
	var hops []string
	for _, v := range values {
		for _, h := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	client := remote
	for i := len(hops) - 1; i >= 0; i-- {
		a := addrOf(hops[i])
		if !a.IsValid() {
			break // garbage: keep the last address that was believed
		}
		client = a.String()
		if !proxies.trusts(a) {
			break
		}
	}
	return client
}

// lastValue is the last entry of a comma-separated header: the one the
// nearest proxy wrote.
func lastValue(v string) string {
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

// validHost accepts host or host:port with a DNS name or IP address.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	host := h
	if hh, port, err := net.SplitHostPort(h); err == nil {
		for _, c := range port {
			if c < '0' || c > '9' {
				return false
			}
		}
		host = hh
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	for _, c := range host {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return host != ""
}

// BaseURL returns the public base URL for links: the configured one; else
// the scheme and host a trusted proxy forwarded; else the address of the
// listener the request came in on. Never the request's Host header, which
// the client chooses: a forged Host would hand out links to another site.
func BaseURL(configured string, r *http.Request) string {
	if configured != "" {
		return strings.TrimRight(configured, "/")
	}
	scheme, host := "http", ""
	if r.TLS != nil {
		scheme = "https"
	}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		host = la.String()
	}
	if p, _ := r.Context().Value(peerKey{}).(*peer); p != nil {
		if p.scheme != "" {
			scheme = p.scheme
		}
		if p.host != "" {
			host = p.host
		}
	}
	if host == "" {
		// Not served by net/http (a handler called directly).
		host = "localhost"
	}
	return scheme + "://" + host
}
