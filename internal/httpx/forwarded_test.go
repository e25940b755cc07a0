package httpx_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/inboxd/inbox/internal/httpx"
)

// newServer serves what BaseURL and ClientIP make of each request.
func newServer(t *testing.T, configured, proxies string) *httptest.Server {
	t.Helper()
	ps, err := httpx.ParseProxies(proxies)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpx.Forwarded(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"base": httpx.BaseURL(configured, r), "ip": httpx.ClientIP(r.Context())})
	}), ps))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, host string, header map[string]string) (base, ip string) {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out["base"], out["ip"]
}

var forged = map[string]string{
	"X-Forwarded-For":   "203.0.113.9",
	"X-Forwarded-Proto": "https",
	"X-Forwarded-Host":  "evil.example",
}

func TestBaseURL(t *testing.T) {
	t.Run("ForgedHostIgnored", func(t *testing.T) {
		srv := newServer(t, "", "")
		base, ip := get(t, srv, "evil.example", forged)
		if base != srv.URL {
			t.Fatalf("base=%q, want the listener's address %q (never the Host header or untrusted X-Forwarded-*)", base, srv.URL)
		}
		if ip != "127.0.0.1" {
			t.Fatalf("client ip=%q, want the peer 127.0.0.1 (X-Forwarded-For from an untrusted peer)", ip)
		}
	})
	t.Run("Configured", func(t *testing.T) {
		srv := newServer(t, "https://inbox.example/", "127.0.0.1")
		if base, _ := get(t, srv, "evil.example", forged); base != "https://inbox.example" {
			t.Fatalf("base=%q, want the configured URL", base)
		}
	})
	t.Run("TrustedProxy", func(t *testing.T) {
		srv := newServer(t, "", "10.0.0.0/8, 127.0.0.1")
		base, ip := get(t, srv, "internal:8080", map[string]string{
			"X-Forwarded-For":   "198.51.100.7, 203.0.113.9, 10.1.2.3",
			"X-Forwarded-Proto": "https",
			"X-Forwarded-Host":  "inbox.example",
		})
		if base != "https://inbox.example" {
			t.Fatalf("base=%q, want the trusted proxy's https://inbox.example", base)
		}
		// 10.1.2.3 is a trusted hop; 203.0.113.9 is the first untrusted one
		// from the right; 198.51.100.7 may have been written by the client.
		if ip != "203.0.113.9" {
			t.Fatalf("client ip=%q, want 203.0.113.9", ip)
		}
	})
	t.Run("TrustedProxyBadValues", func(t *testing.T) {
		srv := newServer(t, "", "127.0.0.1")
		base, ip := get(t, srv, "", map[string]string{
			"X-Forwarded-For":   "not-an-ip",
			"X-Forwarded-Proto": "gopher",
			"X-Forwarded-Host":  "evil.example/phish?x=",
		})
		if base != srv.URL {
			t.Fatalf("base=%q, want the listener's %q when the forwarded values are invalid", base, srv.URL)
		}
		if ip != "127.0.0.1" {
			t.Fatalf("client ip=%q, want the proxy's own address when X-Forwarded-For is garbage", ip)
		}
	})
	t.Run("OnlyPortForwarded", func(t *testing.T) {
		srv := newServer(t, "", "::1, 127.0.0.0/8")
		if base, _ := get(t, srv, "", map[string]string{"X-Forwarded-Host": "inbox.example:8443", "X-Forwarded-Proto": "HTTPS"}); base != "https://inbox.example:8443" {
			t.Fatalf("base=%q, want https://inbox.example:8443", base)
		}
	})
}

func TestParseProxies(t *testing.T) {
	ps, err := httpx.ParseProxies(" 10.0.0.0/8,127.0.0.1 , ::1,fd00::/8,")
	if err != nil || len(ps) != 4 {
		t.Fatalf("ParseProxies=%v, %v; want 4 prefixes", ps, err)
	}
	if ps, err := httpx.ParseProxies(""); err != nil || len(ps) != 0 {
		t.Fatalf("empty: %v, %v", ps, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "localhost", "10.0.0.1/", "1.2.3"} {
		if _, err := httpx.ParseProxies(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Fatalf("ParseProxies(%q) err=%v, want one naming it", bad, err)
		}
	}
}
