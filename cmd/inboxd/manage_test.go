package main_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

func TestCLI_Manage(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	env := db.env
	acc := strconv.FormatInt(num(t, mustRunJSON(t, env, "accounts", "create", "--name", "Acme"), "id"), 10)
	other := strconv.FormatInt(num(t, mustRunJSON(t, env, "accounts", "create", "--name", "Other"), "id"), 10)
	host := mustRunJSON(t, env, "hosts", "create", "--account", acc, "--firstname", "Ada", "--lastname", "L",
		"--email", "ada@acme.example", "--role", "administrator")
	hostID := strconv.FormatInt(num(t, host, "id"), 10)
	client := strconv.FormatInt(num(t, mustRunJSON(t, env, "clients", "create", "--account", acc, "--fullname", "Grace"), "id"), 10)
	box := strconv.FormatInt(num(t, mustRunJSON(t, env, "inboxes", "create", "--account", acc, "--name", "Mail", "--channel", "email"), "id"), 10)
	app := strconv.FormatInt(num(t, mustRunJSON(t, env, "apps", "create", "--account", acc, "--name", "CM", "--scopes", "inbox_read"), "id"), 10)
	tok := mustRunJSON(t, env, "tokens", "create", "--account", acc, "--scopes", "inbox_read", "--app", app)
	a := db.mustOpenApp(t)

	t.Run("List", func(t *testing.T) {
		if items := mustRunJSON(t, env, "accounts", "list")["items"].([]any); len(items) != 2 {
			t.Fatalf("accounts=%d, want 2", len(items))
		}
		for _, tt := range []struct {
			resource string
			want     int
		}{{"hosts", 1}, {"clients", 1}, {"inboxes", 2}, {"apps", 1}, {"tokens", 2}} {
			items := mustRunJSON(t, env, tt.resource, "list", "--account", acc)["items"].([]any)
			if len(items) != tt.want {
				t.Fatalf("%s list: %d items, want %d", tt.resource, len(items), tt.want)
			}
			if others := mustRunJSON(t, env, tt.resource, "list", "--account", other)["items"].([]any); tt.resource != "inboxes" && len(others) != 0 {
				t.Fatalf("%s list of another account: %d items, want none", tt.resource, len(others))
			}
		}
	})
	t.Run("Show", func(t *testing.T) {
		if got := mustRunJSON(t, env, "accounts", "show", "--id", acc); got["name"] != "Acme" {
			t.Fatalf("accounts show=%v", got)
		}
		for _, tt := range []struct{ resource, id, field, want string }{
			{"hosts", hostID, "email", "ada@acme.example"},
			{"clients", client, "fullname", "Grace"},
			{"inboxes", box, "channel", "email"},
			{"apps", app, "name", "CM"},
			{"tokens", strconv.FormatInt(num(t, tok, "id"), 10), "scope", str(t, tok, "scope")},
		} {
			got := mustRunJSON(t, env, tt.resource, "show", "--account", acc, "--id", tt.id)
			if got[tt.field] != tt.want {
				t.Fatalf("%s show: %s=%v, want %v", tt.resource, tt.field, got[tt.field], tt.want)
			}
			for _, secret := range []string{"access_token", "token_hash", "client_secret", "api_access_token"} {
				if _, ok := got[secret]; ok {
					t.Fatalf("%s show prints %s", tt.resource, secret)
				}
			}
			// Another account's id is as unknown as a missing one.
			r := runCLI(t, env, tt.resource, "show", "--account", other, "--id", tt.id)
			if r.code != 1 || !strings.Contains(r.stderr, "not found in account "+other) {
				t.Fatalf("%s show in another account: exit=%d stderr=%q", tt.resource, r.code, r.stderr)
			}
		}
		if r := runCLI(t, env, "hosts", "show", "--account", "999", "--id", hostID); r.code != 1 || !strings.Contains(r.stderr, "account 999 not found") {
			t.Fatalf("unknown account: exit=%d stderr=%q", r.code, r.stderr)
		}
		if r := runCLI(t, env, "hosts", "show", "--account", acc); r.code != 2 || !strings.Contains(r.stderr, "missing --id") {
			t.Fatalf("no --id: exit=%d stderr=%q", r.code, r.stderr)
		}
	})
	t.Run("TokensRevoke", func(t *testing.T) {
		asPrincipal(t, a, str(t, tok, "access_token"))
		id := strconv.FormatInt(num(t, tok, "id"), 10)
		got := mustRunJSON(t, env, "tokens", "revoke", "--account", acc, "--id", id)
		if got["active"] != false || got["revoked_at"] == nil {
			t.Fatalf("revoke=%v, want revoked", got)
		}
		// A fresh application: the one above caches what it authenticated.
		if _, err := db.mustOpenApp(t).Authenticate(context.Background(), str(t, tok, "access_token")); err == nil {
			t.Fatal("a revoked token still authenticates")
		}
		mustRunJSON(t, env, "tokens", "revoke", "--account", acc, "--id", id) // again: harmless
	})
	t.Run("HostsRotateToken", func(t *testing.T) {
		old := str(t, host, "api_access_token")
		asPrincipal(t, a, old)
		got := mustRunJSON(t, env, "hosts", "rotate-token", "--account", acc, "--id", hostID)
		if _, err := db.mustOpenApp(t).Authenticate(context.Background(), old); err == nil {
			t.Fatal("the old host token still authenticates")
		}
		if _, p := asPrincipal(t, a, str(t, got, "api_access_token")); p.Host == nil || strconv.FormatInt(p.Host.ID, 10) != hostID {
			t.Fatalf("new token acts as %+v, want host %s", p.Host, hostID)
		}
		host["api_access_token"] = got["api_access_token"]
	})
	t.Run("Delete", func(t *testing.T) {
		mustRunJSON(t, env, "clients", "delete", "--account", acc, "--id", client)
		if r := runCLI(t, env, "clients", "show", "--account", acc, "--id", client); r.code != 1 {
			t.Fatalf("deleted client: exit=%d", r.code)
		}
		mustRunJSON(t, env, "hosts", "delete", "--account", acc, "--id", hostID)
		if _, err := db.mustOpenApp(t).Authenticate(context.Background(), str(t, host, "api_access_token")); err == nil {
			t.Fatal("a deleted host's token still authenticates")
		}
		if r := runCLI(t, env, "hosts", "delete", "--account", other, "--id", hostID); r.code != 1 || !strings.Contains(r.stderr, "not found") {
			t.Fatalf("delete in another account: exit=%d stderr=%q", r.code, r.stderr)
		}
	})
}

// Every command has a help page with a usage line and an example, through
// "inboxd help CMD" and "inboxd CMD --help" alike.
func TestCLI_HelpEveryCommand(t *testing.T) {
	t.Parallel()
	list := runCLI(t, nil, "help")
	var names []string
	inList := false
	for _, line := range strings.Split(list.stdout, "\n") {
		if strings.HasPrefix(line, "Commands:") {
			inList = true
			continue
		}
		if inList && strings.HasPrefix(line, "  ") {
			fields := strings.Fields(line)
			name := fields[0]
			if len(fields) > 1 && !strings.HasPrefix(fields[1], "run") && strings.ToLower(fields[1]) == fields[1] &&
				strings.Contains(line[2:22], " "+fields[1]) {
				name += " " + fields[1]
			}
			names = append(names, name)
		} else if inList && line == "" {
			inList = false
		}
	}
	if len(names) < 30 {
		t.Fatalf("help lists %d commands: %q", len(names), list.stdout)
	}
	for _, name := range names {
		words := strings.Fields(name)
		for _, args := range [][]string{append([]string{"help"}, words...), append(append([]string{}, words...), "--help")} {
			r := runCLI(t, nil, args...)
			if r.code != 0 || !strings.HasPrefix(r.stdout, "Usage: inboxd "+name+" [flags]") || !strings.Contains(r.stdout, "\nExample:\n  inboxd ") && !strings.Contains(r.stdout, "\nExample:\n  INBOXD_") {
				t.Fatalf("inboxd %s: exit=%d stdout=%q stderr=%q", strings.Join(args, " "), r.code, r.stdout, r.stderr)
			}
		}
	}
}

func TestCLI_ManageDelete(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	env := db.env
	demoA := mustRunJSON(t, env, "demo")
	demoB := mustRunJSON(t, env, "demo")
	a := strconv.FormatInt(num(t, demoA["account"].(map[string]any), "id"), 10)
	b := strconv.FormatInt(num(t, demoB["account"].(map[string]any), "id"), 10)

	t.Run("Tokens", func(t *testing.T) {
		tok := mustRunJSON(t, env, "tokens", "create", "--account", b, "--scopes", "inbox_read")
		id := strconv.FormatInt(num(t, tok, "id"), 10)
		mustRunJSON(t, env, "tokens", "delete", "--account", b, "--id", id)
		if r := runCLI(t, env, "tokens", "show", "--account", b, "--id", id); r.code != 1 {
			t.Fatalf("deleted token shown: exit=%d", r.code)
		}
		if _, err := db.mustOpenApp(t).Authenticate(context.Background(), str(t, tok, "access_token")); err == nil {
			t.Fatal("a deleted token authenticates")
		}
	})
	t.Run("Apps", func(t *testing.T) {
		app := strconv.FormatInt(num(t, mustRunJSON(t, env, "apps", "create", "--account", b, "--name", "Gone", "--scopes", "inbox_read"), "id"), 10)
		tok := mustRunJSON(t, env, "tokens", "create", "--account", b, "--scopes", "inbox_read", "--app", app)
		mustRunJSON(t, env, "apps", "delete", "--account", b, "--id", app)
		if r := runCLI(t, env, "apps", "show", "--account", b, "--id", app); r.code != 1 {
			t.Fatalf("deleted app shown: exit=%d", r.code)
		}
		if _, err := db.mustOpenApp(t).Authenticate(context.Background(), str(t, tok, "access_token")); err == nil {
			t.Fatal("a deleted application's token authenticates")
		}
	})
	t.Run("Inboxes", func(t *testing.T) {
		box := strconv.FormatInt(num(t, mustRunJSON(t, env, "inboxes", "create", "--account", b, "--name", "Spare", "--channel", "sms"), "id"), 10)
		mustRunJSON(t, env, "inboxes", "delete", "--account", b, "--id", box)
		// An inbox with conversations stays.
		conv := demoB["conversations"].([]any)[0].(map[string]any)
		used := strconv.FormatInt(num(t, conv, "inbox_id"), 10)
		if r := runCLI(t, env, "inboxes", "delete", "--account", b, "--id", used); r.code != 1 || !strings.Contains(r.stderr, "conversations") {
			t.Fatalf("deleting an inbox with conversations: exit=%d stderr=%q", r.code, r.stderr)
		}
	})
	t.Run("Accounts", func(t *testing.T) {
		before := runCLI(t, env, "export", "--account", b)
		if r := runCLI(t, env, "accounts", "delete", "--id", a); r.code != 2 || !strings.Contains(r.stderr, "--yes") {
			t.Fatalf("without --yes: exit=%d stderr=%q", r.code, r.stderr)
		}
		mustRunJSON(t, env, "accounts", "delete", "--id", a, "--yes")
		if r := runCLI(t, env, "accounts", "show", "--id", a); r.code != 1 || !strings.Contains(r.stderr, "account "+a+" not found") {
			t.Fatalf("deleted account: exit=%d stderr=%q", r.code, r.stderr)
		}
		if n := countAccountRows(t, db, a); n != 0 {
			t.Fatalf("%d rows of the deleted account are left", n)
		}
		if after := runCLI(t, env, "export", "--account", b); after.stdout != before.stdout {
			t.Fatal("deleting one account changed another")
		}
		if _, err := db.mustOpenApp(t).Authenticate(context.Background(),
			str(t, demoA["chatwoot"].(map[string]any), "api_access_token")); err == nil {
			t.Fatal("a deleted account's token authenticates")
		}
	})
}

// countAccountRows counts the rows of an account in every table that has an
// account_id column.
func countAccountRows(t *testing.T, db database, account string) int {
	t.Helper()
	d := mustOpenSQL(t, db.dsn)
	q := `SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table' AND c.name = 'account_id'`
	if db.engine() == "postgres" {
		q = `SELECT table_name FROM information_schema.columns WHERE column_name = 'account_id' AND table_schema = current_schema()`
	}
	rows, err := d.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("found %d tables with account_id", len(tables))
	}
	total := 0
	for _, tbl := range tables {
		var n int
		if err := d.QueryRow(`SELECT COUNT(*) FROM "` + tbl + `" WHERE account_id = ` + account).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			t.Logf("%s: %d rows", tbl, n)
		}
		total += n
	}
	return total
}
