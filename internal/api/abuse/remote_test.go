package abuse_test

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inboxd/inbox/internal/fetch"
)

// The machine running these tests must never send a packet to anything but
// loopback. Every URL below is an IP literal or "localhost" (resolved from
// /etc/hosts), so no DNS query leaves either, and the fetcher refuses
// non-public addresses in its dialer's Control hook, which runs before the
// socket connects: a refused address is never sent a SYN. The title
// "points to an address that is not public" comes only from that hook, so
// asserting it proves the refusal happened there.

const refusedTitle = "points to an address that is not public"

// pngBytes is a 2×1 PNG.
var pngBytes, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAADklEQVR4nGP4z8DwHwQBEPgD/U6VwW8AAAAASUVORK5CYII=")

// target is a local HTTP server that counts the requests reaching it.
type target struct {
	*httptest.Server
	hits atomic.Int64
}

func newTarget(t *testing.T, ln net.Listener) *target {
	tg := &target{}
	tg.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.hits.Add(1)
		w.Header().Set("Content-Type", "image/png")
		w.Write(pngBytes)
	}))
	if ln != nil {
		tg.Listener.Close()
		tg.Listener = ln
	}
	tg.Start()
	t.Cleanup(tg.Close)
	return tg
}

func port(t *testing.T, rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

// remoteAttachment posts a BookingSync attachment by URL.
func (e *env) remoteAttachment(u string) response {
	return e.bs("POST", "/api/v3/inbox/attachments", map[string]any{"attachments": []map[string]any{
		{"name": "x.png", "remote_file_url": u}}})
}

// remote_file_url aimed at loopback, private, link-local and other
// non-public addresses is a 422 on remote_file_url: no request reaches the
// target and nothing is created. Replacing an existing attachment's file
// the same way leaves it untouched.
func TestRemoteFileURLToInternalHosts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil) // the fetcher as cmd/inboxd builds it
	loop4 := newTarget(t, nil)
	p4 := port(t, loop4.URL)
	// An IPv6 loopback target when the machine has one; otherwise the URL
	// names a port nobody listens on, which the fetcher never dials anyway.
	p6 := p4
	var loop6 *target
	if ln, err := net.Listen("tcp", "[::1]:0"); err == nil {
		loop6 = newTarget(t, ln)
		p6 = port(t, loop6.URL)
	}
	urls := []string{
		"http://127.0.0.1:" + p4 + "/secret.png",
		"http://localhost:" + p4 + "/secret.png",
		"http://[::1]:" + p6 + "/secret.png",
		"http://[::ffff:127.0.0.1]:" + p4 + "/secret.png",
		"http://0.0.0.0:" + p4 + "/secret.png",
		"https://127.0.0.1:" + p4 + "/secret.png",
		"http://127.0.0.1:" + p4 + "@127.0.0.1:" + p4 + "/secret.png",
		"http://10.0.0.1/secret.png",
		"http://10.255.255.1:8080/secret.png",
		"http://192.168.1.1/secret.png",
		"http://172.16.0.1/secret.png",
		"http://172.31.255.254/secret.png",
		"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"http://[fe80::1]/secret.png",
		"http://[fd00::1]/secret.png",
		"http://100.64.0.1/secret.png",
		"http://[::]:" + p4 + "/secret.png",
		// IPv6 forms that carry loopback or private IPv4 addresses.
		"http://[64:ff9b::7f00:1]:" + p4 + "/secret.png",
		"http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
		"http://[64:ff9b:1::a00:1]/secret.png",
		"http://[2002:7f00:1::1]:" + p4 + "/secret.png",
		"http://[2002:c0a8:101::1]/secret.png",
		"http://[::ffff:0:7f00:1]:" + p4 + "/secret.png",
		"http://[::127.0.0.1]:" + p4 + "/secret.png",
		"http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/secret.png",
	}
	// An attachment to try to overwrite.
	r := e.bs("POST", "/api/v3/inbox/attachments", map[string]any{"attachments": []map[string]any{
		{"name": "keep.png", "file": base64.StdEncoding.EncodeToString(pngBytes)}}})
	var created struct{ Attachments []map[string]any }
	decode(t, r, &created)
	if r.status != 201 || len(created.Attachments) != 1 {
		t.Fatalf("create attachment: %s", r)
	}
	keep := created.Attachments[0]

	before := e.state()
	for _, u := range urls {
		t.Run(u, func(t *testing.T) {
			start := time.Now()
			got := bsError(t, e.remoteAttachment(u), http.StatusUnprocessableEntity, "validation_failed", "remote_file_url")
			if got["title"] != refusedTitle {
				t.Errorf("title %q, want %q", got["title"], refusedTitle)
			}
			upd := e.bs("PUT", fmt.Sprintf("/api/v3/inbox/attachments/%v", keep["id"]), map[string]any{
				"attachments": []map[string]any{{"name": "other.png", "remote_file_url": u}}})
			if got := bsError(t, upd, http.StatusUnprocessableEntity, "validation_failed", "remote_file_url"); got["title"] != refusedTitle {
				t.Errorf("update: title %q", got["title"])
			}
			// Refused before connecting: no connect timeout was waited for.
			if d := time.Since(start); d > 4*time.Second {
				t.Errorf("refusal took %v", d)
			}
		})
	}
	if n := loop4.hits.Load(); n != 0 {
		t.Errorf("the IPv4 loopback target was reached %d times", n)
	}
	if loop6 != nil && loop6.hits.Load() != 0 {
		t.Errorf("the IPv6 loopback target was reached %d times", loop6.hits.Load())
	}
	e.unchanged(before, "refused remote_file_url")
	r = e.bs("GET", fmt.Sprintf("/api/v3/inbox/attachments/%v", keep["id"]), nil)
	var now struct{ Attachments []map[string]any }
	decode(t, r, &now)
	if len(now.Attachments) != 1 || now.Attachments[0]["name"] != "keep.png" || now.Attachments[0]["url"] != keep["url"] ||
		now.Attachments[0]["file_size"] != keep["file_size"] {
		t.Errorf("the attachment changed: %v, was %v", now.Attachments, keep)
	}
}

// A public-looking server (a local test server the fetcher is told to treat
// as public, and only it) that redirects to loopback, private or link-local
// addresses gets a 422: the fetcher checks every hop at connect time.
func TestRemoteFileURLRedirectToInternalHost(t *testing.T) {
	t.Parallel()
	inside := newTarget(t, nil)
	var publicHits atomic.Int64
	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		publicHits.Add(1)
		switch r.URL.Path {
		case "/file.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(pngBytes)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
		}
	}))
	t.Cleanup(public.Close)
	publicAddr := netip.MustParseAddrPort(public.Listener.Addr().String())
	e := newEnv(t, func(c *fetch.Client) {
		c.Allow = func(ap netip.AddrPort) bool { return ap == publicAddr || fetch.Public(ap.Addr()) }
	})

	// The public stand-in itself is fetched: the refusals below are the
	// redirects' doing.
	r := e.remoteAttachment(public.URL + "/file.png")
	if r.status != 201 {
		t.Fatalf("fetch from the public stand-in: %s", r)
	}

	before := e.state()
	p := port(t, inside.URL)
	for _, to := range []string{
		"http://127.0.0.1:" + p + "/secret.png",
		"http://localhost:" + p + "/secret.png",
		"http://[::1]:" + p + "/secret.png",
		"http://10.0.0.1/secret.png",
		"http://192.168.0.10/secret.png",
		"http://172.16.5.4/secret.png",
		"http://169.254.169.254/latest/meta-data/",
	} {
		t.Run(to, func(t *testing.T) {
			got := bsError(t, e.remoteAttachment(public.URL+"/redirect?to="+url.QueryEscape(to)),
				http.StatusUnprocessableEntity, "validation_failed", "remote_file_url")
			if got["title"] != refusedTitle {
				t.Errorf("title %q, want %q", got["title"], refusedTitle)
			}
		})
	}
	// Endless redirects and other schemes are refused too.
	for _, u := range []string{public.URL + "/loop", public.URL + "/redirect?to=" + url.QueryEscape("file:///etc/passwd"),
		public.URL + "/redirect?to=" + url.QueryEscape("ftp://127.0.0.1/x")} {
		bsError(t, e.remoteAttachment(u), http.StatusUnprocessableEntity, "validation_failed", "remote_file_url")
	}
	if n := inside.hits.Load(); n != 0 {
		t.Errorf("the internal target was reached %d times through redirects", n)
	}
	if publicHits.Load() < 8 {
		t.Errorf("the public stand-in saw %d requests: the redirects were not followed to their target", publicHits.Load())
	}
	e.unchanged(before, "redirects to internal hosts")
}
