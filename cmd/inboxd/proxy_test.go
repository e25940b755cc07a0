package main_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Links never follow a forged Host header, and the access log names the
// client (through trusted proxies only) and the account.
func TestServe_LinksAndClientIP(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	account := mustRunJSON(t, db.env, "accounts", "create", "--name", "Acme")["id"].(json.Number).String()
	mustRunJSON(t, db.env, "apps", "create", "--account", account, "--name", "PMS", "--scopes", "inbox_write")
	token := str(t, mustRunJSON(t, db.env, "tokens", "create", "--account", account, "--scopes", "inbox_write"), "access_token")

	upload := func(t *testing.T, addr string, header map[string]string, host string) string {
		t.Helper()
		body := `{"attachments":[{"name":"code.txt","file":"data:text/plain;base64,NDI0Mg=="}]}`
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v3/inbox/attachments", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/vnd.api+json")
		req.Host = host
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Attachments []struct{ URL string } }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 201 || len(out.Attachments) != 1 {
			t.Fatalf("upload: status %d, err %v", resp.StatusCode, err)
		}
		return out.Attachments[0].URL
	}
	forged := map[string]string{"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}

	t.Run("Untrusted", func(t *testing.T) {
		s := mustStartServer(t, db.env)
		u := upload(t, s.addr, forged, "evil.example")
		if !strings.HasPrefix(u, "http://"+s.addr+"/") {
			t.Fatalf("url=%q, want it on the listener's address %s", u, s.addr)
		}
		line := requestLog(t, s, "/api/v3/inbox/attachments")
		if line["client_ip"] != "127.0.0.1" || line["account_id"] != json.Number(account) {
			t.Fatalf("log line=%v, want client_ip 127.0.0.1 (not the forged one) and account_id %s", line, account)
		}
	})
	t.Run("TrustedProxy", func(t *testing.T) {
		s := mustStartServer(t, db.env, "--trusted-proxies", "127.0.0.1")
		u := upload(t, s.addr, forged, "internal")
		if !strings.HasPrefix(u, "https://evil.example/") {
			t.Fatalf("url=%q, want the trusted proxy's forwarded host", u)
		}
		if line := requestLog(t, s, "/api/v3/inbox/attachments"); line["client_ip"] != "203.0.113.9" {
			t.Fatalf("log line=%v, want the forwarded client_ip", line)
		}
	})
	t.Run("BaseURL", func(t *testing.T) {
		s := mustStartServer(t, db.env, "--trusted-proxies", "127.0.0.1", "--base-url", "https://inbox.example")
		if u := upload(t, s.addr, forged, "evil.example"); !strings.HasPrefix(u, "https://inbox.example/files/") {
			t.Fatalf("url=%q, want the configured base URL", u)
		}
	})
}

// requestLog returns the access log line of the last request to path.
func requestLog(t *testing.T, s *server, path string) map[string]any {
	t.Helper()
	var found map[string]any
	// The line is written once the handler returns, which may be just after
	// the client has read the response.
	for try := 0; found == nil && try < 100; try++ {
		if try > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		for _, line := range strings.Split(s.logs.String(), "\n") {
			var rec map[string]any
			dec := json.NewDecoder(strings.NewReader(line))
			dec.UseNumber()
			if dec.Decode(&rec) == nil && rec["msg"] == "request" && rec["path"] == path {
				found = rec
			}
		}
	}
	if found == nil {
		t.Fatalf("no request line for %s; logs:\n%s", path, s.logs.String())
	}
	return found
}
