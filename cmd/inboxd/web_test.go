package main_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/inboxd/inbox/internal/app"
)

// TestCLI_Web: a host gets a password (from a file, never a flag) or an
// invitation link; applications register their redirect URIs and may be
// public clients.
func TestCLI_Web(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	env := db.env
	account := strconv.FormatInt(num(t, mustRunJSON(t, env, "accounts", "create", "--name", "Acme"), "id"), 10)
	host := mustRunJSON(t, env, "hosts", "create", "--account", account, "--firstname", "Ada", "--lastname", "Lovelace",
		"--email", "ada@acme.example", "--role", "administrator")
	id := strconv.FormatInt(num(t, host, "id"), 10)

	file := filepath.Join(t.TempDir(), "pw")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(file, []byte("short\n"), 0o600))
	if r := runCLI(t, env, "hosts", "set-password", "--account", account, "--id", id, "--password-file", file); r.code != 1 ||
		!strings.Contains(r.stderr, "too short (minimum is 12 characters)") {
		t.Fatalf("short password: exit %d, stderr %q", r.code, r.stderr)
	}
	must(os.WriteFile(file, []byte("analytical engine 1843\n"), 0o600))
	out := mustRunJSON(t, env, "hosts", "set-password", "--account", account, "--id", id, "--password-file", file)
	if out["password_set"] != true {
		t.Fatalf("set-password printed %v", out)
	}
	if r := runCLI(t, env, "hosts", "set-password", "--account", account, "--id", "999", "--password-file", file); r.code != 1 ||
		!strings.Contains(r.stderr, "host 999 not found in account "+account) {
		t.Fatalf("unknown host: exit %d, stderr %q", r.code, r.stderr)
	}
	a := db.mustOpenApp(t)
	g, err := a.SignIn(context.Background(), "ada@acme.example", "analytical engine 1843", app.Client{})
	if err != nil || g.Host.Email != "ada@acme.example" {
		t.Fatalf("sign in with the password set: %v", err)
	}

	inv := mustRunJSON(t, env, "hosts", "invite", "--account", account, "--id", id, "--base-url", "https://inbox.acme.example")
	link := str(t, inv, "url")
	if !strings.HasPrefix(link, "https://inbox.acme.example/invite/") || str(t, inv, "expires_at") == "" {
		t.Fatalf("invite printed %v", inv)
	}
	v, err := a.Invitation(context.Background(), strings.TrimPrefix(link, "https://inbox.acme.example/invite/"))
	if err != nil || v.Host.Email != "ada@acme.example" {
		t.Fatalf("the printed link's invitation: %v", err)
	}

	pub := mustRunJSON(t, env, "apps", "create", "--account", account, "--name", "Mobile app", "--scopes", "inbox_read",
		"--public", "--redirect-uri", "com.acme.app:/oauth", "--redirect-uri", "http://127.0.0.1:7000/cb")
	if _, ok := pub["client_secret"]; ok || pub["public"] != true {
		t.Fatalf("public application printed %v, want no secret", pub)
	}
	if uris, _ := pub["redirect_uris"].([]any); len(uris) != 2 {
		t.Fatalf("redirect_uris=%v, want both", pub["redirect_uris"])
	}
	if r := runCLI(t, env, "apps", "create", "--account", account, "--name", "Bad", "--scopes", "inbox_read",
		"--redirect-uri", "http://cm.example/cb"); r.code != 1 || !strings.Contains(r.stderr, "https") {
		t.Fatalf("plain http redirect URI: exit %d, stderr %q", r.code, r.stderr)
	}
	appID := strconv.FormatInt(num(t, pub, "id"), 10)
	upd := mustRunJSON(t, env, "apps", "update", "--account", account, "--id", appID, "--name", "Acme mobile",
		"--redirect-uri", "https://acme.example/cb", "--public", "false")
	if str(t, upd, "name") != "Acme mobile" || upd["public"] != false {
		t.Fatalf("apps update printed %v", upd)
	}
	if uris, _ := upd["redirect_uris"].([]any); len(uris) != 1 || uris[0] != "https://acme.example/cb" {
		t.Fatalf("redirect_uris=%v after update", upd["redirect_uris"])
	}
	if r := runCLI(t, env, "apps", "update", "--account", account, "--id", "999", "--name", "x"); r.code != 1 {
		t.Fatalf("unknown application: exit %d", r.code)
	}
}
