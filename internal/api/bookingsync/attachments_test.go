package bookingsync_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	inbox "github.com/inboxd/inbox"
)

// download fetches an attachment's url.
func download(t *testing.T, url string) ([]byte, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	b, _ := io.ReadAll(resp.Body)
	return b, resp.Header.Get("Content-Type")
}

// wrapLines cuts Base64 into 60-character lines ending in "\n", as Ruby's
// Base64.encode64 does.
func wrapLines(s string) string {
	var b strings.Builder
	for len(s) > 60 {
		b.WriteString(s[:60] + "\n")
		s = s[60:]
	}
	b.WriteString(s + "\n")
	return b.String()
}

func TestAttachments(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	png := mustDecodeBase64(t, pngBase64)

	t.Run("DataURI", func(t *testing.T) {
		r := e.do("POST", "/api/v3/inbox/attachments", e.token, wrap("attachments", map[string]any{
			"name": "pixel.png", "file": "data:image/png;base64," + pngBase64})).must(t, 201)
		att := r.one(t, "attachments")
		if att["file_content_type"] != "image/png" || id(t, att, "file_size") != int64(len(png)) ||
			id(t, att, "image_width") != 2 || id(t, att, "image_height") != 1 || att["name"] != "pixel.png" {
			t.Errorf("attachment=%v", att)
		}
		if want := fmt.Sprintf("%s/api/v3/inbox/attachments/%d", e.srv.URL, id(t, att, "id")); r.header.Get("Location") != want {
			t.Errorf("Location=%q, want %q", r.header.Get("Location"), want)
		}
		url := att["url"].(string)
		if !strings.HasPrefix(url, e.srv.URL+"/files/") {
			t.Errorf("url=%q, want an absolute URL of this server", url)
		}
		if got, ctype := download(t, url); !bytes.Equal(got, png) || ctype != "image/png" {
			t.Errorf("downloaded %d bytes of %s", len(got), ctype)
		}
	})
	t.Run("RawLineWrapped", func(t *testing.T) {
		text := []byte(strings.Repeat("Check-in is from 4 pm; check-out by 10 am.\n", 20))
		r := e.do("POST", "/api/v3/inbox/attachments", e.token, wrap("attachments", map[string]any{
			"name": "house-rules.txt", "file": wrapLines(base64.StdEncoding.EncodeToString(text))})).must(t, 201)
		att := r.one(t, "attachments")
		if !strings.HasPrefix(att["file_content_type"].(string), "text/plain") || id(t, att, "file_size") != int64(len(text)) ||
			att["image_width"] != nil {
			t.Errorf("attachment=%v", att)
		}
		if got, _ := download(t, att["url"].(string)); !bytes.Equal(got, text) {
			t.Error("downloaded content differs")
		}
	})
	t.Run("Update", func(t *testing.T) {
		created := e.do("POST", "/api/v3/inbox/attachments", e.token, wrap("attachments", map[string]any{
			"name": "a.png", "file": pngBase64})).must(t, 201).one(t, "attachments")
		path := fmt.Sprintf("/api/v3/inbox/attachments/%d", id(t, created, "id"))
		att := e.do("PATCH", path, e.token, wrap("attachments", map[string]any{"name": "renamed.png"})).must(t, 200).one(t, "attachments")
		if att["name"] != "renamed.png" || att["file_size"] != created["file_size"] {
			t.Errorf("after rename=%v", att)
		}
		text := []byte("replaced")
		att = e.do("PUT", path, e.token, wrap("attachments", map[string]any{"file": "data:text/plain;base64," +
			base64.StdEncoding.EncodeToString(text)})).must(t, 200).one(t, "attachments")
		if id(t, att, "file_size") != int64(len(text)) || att["file_content_type"] != "text/plain" || att["image_width"] != nil {
			t.Errorf("after replace=%v", att)
		}
		if got, _ := download(t, att["url"].(string)); !bytes.Equal(got, text) {
			t.Errorf("downloaded %q", got)
		}
	})
	t.Run("SizeLimit", func(t *testing.T) {
		max := make([]byte, inbox.MaxAttachmentSize)
		r := e.do("POST", "/api/v3/inbox/attachments", e.token, wrap("attachments", map[string]any{
			"name": "max.bin", "file": base64.StdEncoding.EncodeToString(max)})).must(t, 201)
		if id(t, r.one(t, "attachments"), "file_size") != inbox.MaxAttachmentSize {
			t.Errorf("file_size=%v", r.one(t, "attachments")["file_size"])
		}
		r = e.do("POST", "/api/v3/inbox/attachments", e.token, wrap("attachments", map[string]any{
			"name": "big.bin", "file": base64.StdEncoding.EncodeToString(append(max, 0))})).must(t, 422)
		if got := r.firstError(t); got["field"] != "file" || !strings.Contains(got["title"].(string), "too large") {
			t.Errorf("error=%v", got)
		}
	})
	t.Run("OversizedBody", func(t *testing.T) {
		body, _ := json.Marshal(wrap("attachments", map[string]any{"file": strings.Repeat("A", 17<<20)}))
		r := e.do("POST", "/api/v3/inbox/attachments", e.token, body).must(t, 413)
		if r.firstError(t)["code"] != "request_entity_too_large" {
			t.Errorf("body=%s", r.raw)
		}
	})
	t.Run("LoopbackURLRefused", func(t *testing.T) {
		// The default fetcher never reaches loopback, private or link-local
		// addresses.
		local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t.Error("the server fetched a loopback URL")
		}))
		defer local.Close()
		r := e.do("POST", "/api/v3/inbox/attachments", e.token, wrap("attachments", map[string]any{
			"remote_file_url": local.URL + "/secret.png"})).must(t, 422)
		if got := r.firstError(t); got["field"] != "remote_file_url" || !strings.Contains(got["title"].(string), "not public") {
			t.Errorf("error=%v", got)
		}
	})
}

// TestRemoteFileURL downloads from a local server, which only a fetcher
// allowed to reach private addresses may do.
func TestRemoteFileURL(t *testing.T) {
	t.Parallel()
	png := mustDecodeBase64(t, pngBase64)
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/images/logo.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(png)
		default:
			http.NotFound(w, r)
		}
	}))
	defer files.Close()
	e := newEnv(t, options{allowPrivate: true})
	r := e.do("POST", "/api/v3/inbox/attachments", e.token, wrap("attachments", map[string]any{
		"remote_file_url": files.URL + "/images/logo.png"})).must(t, 201)
	att := r.one(t, "attachments")
	if att["name"] != "logo.png" || att["file_content_type"] != "image/png" || id(t, att, "image_width") != 2 {
		t.Errorf("attachment=%v", att)
	}
	if got, _ := download(t, att["url"].(string)); !bytes.Equal(got, png) {
		t.Error("downloaded content differs")
	}
	r = e.do("POST", "/api/v3/inbox/attachments", e.token, wrap("attachments", map[string]any{
		"remote_file_url": files.URL + "/missing.png"})).must(t, 422)
	if r.firstError(t)["field"] != "remote_file_url" {
		t.Errorf("body=%s", r.raw)
	}
}
