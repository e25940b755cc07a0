package main_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// client is an HTTP client of a running server with one token.
type client struct {
	t      *testing.T
	base   string
	header map[string]string
}

func (c client) do(method, path, contentType string, body io.Reader) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (c client) json(method, path string, body any, wantStatus int) map[string]any {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	status, raw := c.do(method, path, "application/json", r)
	if status != wantStatus {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, status, wantStatus, raw)
	}
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return out
}

// download fetches a link without credentials, as a client following it does.
func download(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// demoClients seeds the demo account and returns clients for both APIs.
func demoClients(t *testing.T, db database, base string) (account int64, display int64, cw, bs client) {
	t.Helper()
	demo := mustRunJSON(t, db.env, "demo")
	account = num(t, demo["account"].(map[string]any), "id")
	cw = client{t, base, map[string]string{"api_access_token": str(t, demo["chatwoot"].(map[string]any), "api_access_token")}}
	bs = client{t, base, map[string]string{"Authorization": "Bearer " + str(t, demo["bookingsync"].(map[string]any), "access_token")}}
	convs := demo["conversations"].([]any)
	display = num(t, convs[0].(map[string]any), "display_id")
	return account, display, cw, bs
}

// Download links are signed, not derived from the content; they stop working
// when the content is replaced or its message deleted (issue 8 item 7).
func TestFiles_Links(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	s := mustStartServer(t, db.env)
	base := "http://" + s.addr
	account, display, cw, bs := demoClients(t, db, base)

	// A three-digit door code: the kind of file a content-hash URL gave away.
	code := []byte("427")
	att := bs.json("POST", "/api/v3/inbox/attachments", map[string]any{"attachments": []any{map[string]any{
		"name": "door-code.txt", "file": base64.StdEncoding.EncodeToString(code)}}}, 201)["attachments"].([]any)[0].(map[string]any)
	link := att["url"].(string)
	attID := int64(att["id"].(float64))
	sum := sha256.Sum256(code)
	if strings.Contains(link, hex.EncodeToString(sum[:])) {
		t.Fatalf("url=%q holds the content's SHA-256", link)
	}
	if st, got := download(t, link); st != 200 || !bytes.Equal(got, code) {
		t.Fatalf("download: %d %q", st, got)
	}

	t.Run("StableWithinADay", func(t *testing.T) {
		again := bs.json("GET", fmt.Sprintf("/api/v3/inbox/attachments/%d", attID), nil, 200)["attachments"].([]any)[0].(map[string]any)
		if again["url"] != link {
			t.Fatalf("re-read url=%q, want the same link %q", again["url"], link)
		}
	})
	t.Run("TamperedRefused", func(t *testing.T) {
		seg := strings.Split(link, "/")
		token := seg[len(seg)-2]
		exp, sig, _ := strings.Cut(token, ".")
		later, _ := strconv.ParseInt(exp, 10, 64)
		flipped := []byte(sig)
		flipped[0] ^= 1
		for name, bad := range map[string]string{
			"signature":      exp + "." + string(flipped),
			"expiry":         strconv.FormatInt(later+86400, 10) + "." + sig,
			"content hash":   hex.EncodeToString(sum[:]),
			"no signature":   exp,
			"empty":          ".",
			"other id":       "",
			"other account":  "",
			"unknown record": "",
		} {
			parts := append([]string(nil), seg...)
			parts[len(parts)-2] = bad
			switch name {
			case "other id":
				parts[len(parts)-3] = strconv.FormatInt(attID+1, 10)
			case "other account":
				parts[len(parts)-4] = strconv.FormatInt(account+1, 10)
			case "unknown record":
				parts[len(parts)-3] = "999999"
			}
			if parts[len(parts)-2] == "" {
				parts[len(parts)-2] = token
			}
			if st, _ := download(t, strings.Join(parts, "/")); st != 404 {
				t.Errorf("%s: status %d, want 404", name, st)
			}
		}
	})
	t.Run("ReplacedContent", func(t *testing.T) {
		replaced := bs.json("PUT", fmt.Sprintf("/api/v3/inbox/attachments/%d", attID), map[string]any{"attachments": []any{
			map[string]any{"file": base64.StdEncoding.EncodeToString([]byte("913"))}}}, 200)["attachments"].([]any)[0].(map[string]any)
		if st, _ := download(t, link); st != 404 {
			t.Fatalf("link to the old content: %d, want 404", st)
		}
		if st, got := download(t, replaced["url"].(string)); st != 200 || string(got) != "913" {
			t.Fatalf("new link: %d %q", st, got)
		}
	})
	t.Run("DeletedMessage", func(t *testing.T) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("content", "Photo of the key box")
		fw, _ := mw.CreateFormFile("attachments[]", "keybox.txt")
		fw.Write([]byte("behind the flower pot"))
		mw.Close()
		conv := fmt.Sprintf("/api/v1/accounts/%d/conversations/%d", account, display)
		st, raw := cw.do("POST", conv+"/messages", mw.FormDataContentType(), &body)
		if st != 200 {
			t.Fatalf("create message: %d %s", st, raw)
		}
		var msg struct {
			ID          int64
			Attachments []struct {
				ID      int64
				DataURL string `json:"data_url"`
			}
		}
		if err := json.Unmarshal(raw, &msg); err != nil || len(msg.Attachments) != 1 {
			t.Fatalf("message: %v %s", err, raw)
		}
		fileLink, fileID := msg.Attachments[0].DataURL, msg.Attachments[0].ID
		if st, got := download(t, fileLink); st != 200 || string(got) != "behind the flower pot" {
			t.Fatalf("download before delete: %d %q", st, got)
		}
		cw.json("DELETE", fmt.Sprintf("%s/messages/%d", conv, msg.ID), nil, 200)
		if st, _ := download(t, fileLink); st != 404 {
			t.Fatalf("download after delete: %d, want 404", st)
		}
		bs.json("GET", fmt.Sprintf("/api/v3/inbox/attachments/%d", fileID), nil, 404)
		list := bs.json("GET", "/api/v3/inbox/attachments", nil, 200)["attachments"].([]any)
		for _, a := range list {
			if int64(a.(map[string]any)["id"].(float64)) == fileID {
				t.Fatal("the deleted message's attachment is still listed")
			}
		}
	})
}

// Downloads stream: ten concurrent 10 MiB downloads cost the server far
// less than ten files in memory (issue 8 item 9).
func TestFiles_StreamMemory(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	s := mustStartServer(t, db.env)
	base := "http://" + s.addr
	_, _, _, bs := demoClients(t, db, base)

	data := make([]byte, 10<<20)
	rand.Read(data)
	att := bs.json("POST", "/api/v3/inbox/attachments", map[string]any{"attachments": []any{map[string]any{
		"name": "big.bin", "file": base64.StdEncoding.EncodeToString(data)}}}, 201)["attachments"].([]any)[0].(map[string]any)
	link := att["url"].(string)

	pid := s.cmd.Process.Pid
	// Forget the peak the upload made, so that VmHWM measures the downloads.
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS (%v): needs Linux", err)
	}
	before := procKB(t, pid, "VmRSS")

	const n = 10
	var wg sync.WaitGroup
	started := make(chan struct{}, n)
	release := make(chan struct{})
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(link)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			// Read a little, then hold the response open until every
			// download has started, so that all ten are in flight at once.
			first := make([]byte, 64<<10)
			if _, err := io.ReadFull(resp.Body, first); err != nil {
				errs <- err
				return
			}
			started <- struct{}{}
			<-release
			rest, err := io.ReadAll(resp.Body)
			if err != nil {
				errs <- err
				return
			}
			if !bytes.Equal(append(first, rest...), data) {
				errs <- fmt.Errorf("downloaded content differs")
			}
		}()
	}
	for range n {
		select {
		case <-started:
		case err := <-errs:
			t.Fatal(err)
		case <-time.After(30 * time.Second):
			t.Fatal("downloads did not start")
		}
	}
	during := procKB(t, pid, "VmRSS")
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	peak := procKB(t, pid, "VmHWM")
	grew := peak - before
	t.Logf("server RSS: %d KiB before, %d KiB with %d downloads in flight, peak %d KiB: +%d KiB (%.1f KiB per download)",
		before, during, n, peak, grew, float64(grew)/n)
	// Holding the files would take at least 10 MiB each; streaming takes a
	// buffer. Allow 1 MiB per download.
	if grew > n*1024 {
		t.Fatalf("peak RSS grew by %d KiB for %d downloads of 10 MiB, want at most %d KiB", grew, n, n*1024)
	}
}

// procKB reads a "Name: N kB" line of /proc/PID/status.
func procKB(t *testing.T, pid int, name string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", name, pid)
	return 0
}
