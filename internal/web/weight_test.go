package web_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	inbox "github.com/inboxd/inbox"
)

// maxPageWeight bounds what a page costs to load, compressed: its HTML, the
// stylesheet and the script.
const maxPageWeight = 100 << 10

var assetLink = regexp.MustCompile(`(?:href|src)="(/assets/app\.[0-9a-f]+\.(?:css|js))"`)

// TestPageWeight: the list with 50 conversations and a conversation with
// 100 messages each weigh less than 100 KB compressed, HTML, CSS and JS
// together, as a browser downloads them.
func TestPageWeight(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 60 {
		e.newConversation(e.API, e.Guest, fmt.Sprint("Question number ", i),
			strings.Repeat(fmt.Sprintf("A longer message from the guest about their stay, number %d. ", i), 3))
	}
	for i := range 100 {
		e.guestSays(e.Conv, fmt.Sprintf("Message %d of a long conversation: %s", i, strings.Repeat("words of the stay ", 8)))
	}
	labels := []string{"vip", "check-in"}
	for _, l := range labels {
		_, err := e.App.CreateLabel(e.ownerCtx, inbox.Label{Title: l})
		must(t, err)
	}
	b := e.browser()
	b.signIn("alice@seaside.example", password)
	for _, path := range []string{"/inbox?status=all", "/inbox/conversations/" + itoa(e.Conv.DisplayID)} {
		html, raw := fetchGzip(t, b, path)
		total := html
		var assets []string
		for _, m := range assetLink.FindAllStringSubmatch(raw, -1) {
			n, _ := fetchGzip(t, b, m[1])
			total += n
			assets = append(assets, fmt.Sprintf("%s %.1f KB", m[1][len("/assets/"):], float64(n)/1024))
		}
		if len(assets) != 2 {
			t.Fatalf("%s links %d assets, want the stylesheet and the script", path, len(assets))
		}
		t.Logf("%s: HTML %.1f KB + %s = %.1f KB compressed", path, float64(html)/1024, strings.Join(assets, " + "), float64(total)/1024)
		if total >= maxPageWeight {
			t.Errorf("%s weighs %.1f KB compressed, want under %d KB", path, float64(total)/1024, maxPageWeight>>10)
		}
	}
}

// fetchGzip fetches a path asking for gzip and returns its compressed size
// and its text.
func fetchGzip(t *testing.T, b *browser, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", b.e.URL+path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	for _, c := range b.http.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	must(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("%s: status %d, encoding %q", path, resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	zipped, _ := io.ReadAll(resp.Body)
	text, err := gunzip(zipped)
	must(t, err)
	return len(zipped), text
}

func gunzip(b []byte) (string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	out, err := io.ReadAll(zr)
	return string(out), err
}
