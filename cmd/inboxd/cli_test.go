package main_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

func TestCLI_Admin(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	env := db.env

	acc := mustRunJSON(t, env, "accounts", "create", "--name", "Acme Rentals", "--email", "office@acme.example")
	accountID := num(t, acc, "id")
	if got := str(t, acc, "name"); got != "Acme Rentals" {
		t.Fatalf("name=%v, want Acme Rentals", got)
	} else if got := str(t, acc, "status"); got != inbox.AccountTrial {
		t.Fatalf("status=%v, want %v", got, inbox.AccountTrial)
	}
	account := strconv.FormatInt(accountID, 10)

	box := mustRunJSON(t, env, "inboxes", "create", "--account", account, "--name", "Support", "--channel", "email")
	inboxID := num(t, box, "id")
	if got := str(t, box, "channel"); got != "email" {
		t.Fatalf("channel=%v, want email", got)
	}

	admin := mustRunJSON(t, env, "hosts", "create", "--account", account, "--firstname", "Ada", "--lastname", "Lovelace",
		"--email", "ada@acme.example", "--role", "administrator")
	adminToken := str(t, admin, "api_access_token")
	if len(adminToken) < 32 {
		t.Fatalf("api_access_token=%q, want a long random token", adminToken)
	}
	agent := mustRunJSON(t, env, "hosts", "create", "--account", account, "--firstname", "Alan", "--lastname", "Turing",
		"--email", "alan@acme.example", "--inbox", strconv.FormatInt(inboxID, 10))
	if got := str(t, agent, "role"); got != inbox.RoleAgent {
		t.Fatalf("role=%v, want %v (the default)", got, inbox.RoleAgent)
	}

	client := mustRunJSON(t, env, "clients", "create", "--account", account, "--fullname", "Grace Hopper",
		"--email", "grace@example.com", "--phone", "+1 555 0100")
	clientID := num(t, client, "id")

	apl := mustRunJSON(t, env, "apps", "create", "--account", account, "--name", "Channel manager",
		"--scopes", "inbox_read,inbox_write", "--redirect-uri", "https://cm.example/callback")
	appID, clientKey, secret := num(t, apl, "id"), str(t, apl, "client_id"), str(t, apl, "client_secret")

	plain := mustRunJSON(t, env, "tokens", "create", "--account", account, "--scopes", "inbox_read")
	if got := num(t, plain, "expires_in"); got != 7200 {
		t.Fatalf("expires_in=%v, want 7200 (the default 2 h)", got)
	} else if _, ok := plain["refresh_token"]; ok {
		t.Fatal("refresh_token given without --app")
	} else if got := num(t, plain, "application_id"); got != appID {
		t.Fatalf("application_id=%v, want %v (the account's only application)", got, appID)
	}
	withApp := mustRunJSON(t, env, "tokens", "create", "--account", account, "--scopes", "inbox_read,inbox_write",
		"--app", strconv.FormatInt(appID, 10), "--expires-in", "24h")
	if got := num(t, withApp, "expires_in"); got != 86400 {
		t.Fatalf("expires_in=%v, want 86400", got)
	} else if str(t, withApp, "refresh_token") == "" {
		t.Fatal("refresh_token empty with --app")
	} else if got := num(t, withApp, "application_id"); got != appID {
		t.Fatalf("application_id=%v, want %v", got, appID)
	}
	forever := mustRunJSON(t, env, "tokens", "create", "--account", account, "--scopes", "inbox_write", "--expires-in", "never")
	if forever["expires_in"] != nil {
		t.Fatalf("expires_in=%v, want null for --expires-in never", forever["expires_in"])
	}

	migrated := mustRunJSON(t, env, "migrate")
	if got := str(t, migrated, "engine"); got != db.engine() {
		t.Fatalf("engine=%v, want %v", got, db.engine())
	}

	// What the commands printed works against what they stored.
	a := db.mustOpenApp(t)
	t.Run("HostTokens", func(t *testing.T) {
		ctx, p := asPrincipal(t, a, adminToken)
		if p.AccountID != accountID || p.Host == nil || p.Host.Role != inbox.RoleAdministrator || p.Host.Email != "ada@acme.example" {
			t.Fatalf("principal=%+v host=%+v, want administrator ada of account %d", p, p.Host, accountID)
		}
		cs, err := app.View(ctx, a, inbox.ScopeClientsRead, func(l *app.Loader) ([]*inbox.Client, error) {
			cs, _, err := l.Clients(inbox.ClientFilter{IDs: []int64{clientID}})
			return cs, err
		})
		if err != nil || len(cs) != 1 {
			t.Fatalf("clients=%v, err=%v, want one", cs, err)
		}
		if c := cs[0]; c.Fullname != "Grace Hopper" || c.Email != "grace@example.com" || c.Phone != "+1 555 0100" {
			t.Fatalf("client=%+v", c)
		}
		ctx, p = asPrincipal(t, a, str(t, agent, "api_access_token"))
		if p.Host == nil || p.Host.Role != inbox.RoleAgent {
			t.Fatalf("agent principal host=%+v", p.Host)
		}
		boxes, err := app.View(ctx, a, inbox.ScopeInboxRead, (*app.Loader).Inboxes)
		if err != nil {
			t.Fatal(err)
		}
		if len(boxes) != 1 || boxes[0].ID != inboxID {
			t.Fatalf("agent sees %d inboxes, want only the --inbox %d", len(boxes), inboxID)
		}
	})
	t.Run("OAuthTokens", func(t *testing.T) {
		_, p := asPrincipal(t, a, str(t, plain, "access_token"))
		if p.AccountID != accountID || !p.Scopes.Has(inbox.ScopeInboxRead) || p.Scopes.Has(inbox.ScopeInboxWrite) {
			t.Fatalf("principal=%+v, want inbox_read only in account %d", p, accountID)
		}
		_, p = asPrincipal(t, a, str(t, withApp, "access_token"))
		if p.ApplicationID == nil || *p.ApplicationID != appID || !p.Scopes.Has(inbox.ScopeInboxWrite) {
			t.Fatalf("principal=%+v, want application %d with inbox_write", p, appID)
		}
		asPrincipal(t, a, str(t, forever, "access_token"))
		// The printed client secret is the application's.
		g, err := a.ClientCredentials(context.Background(), clientKey, secret, "inbox_read")
		if err != nil {
			t.Fatalf("client credentials with the printed secret: %v", err)
		}
		if _, p := asPrincipal(t, a, g.AccessToken); p.AccountID != accountID {
			t.Fatalf("account=%v, want %v", p.AccountID, accountID)
		}
	})
}

func TestCLI_Errors(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	account := strconv.FormatInt(num(t, mustRunJSON(t, db.env, "accounts", "create", "--name", "Acme"), "id"), 10)
	readApp := strconv.FormatInt(num(t, mustRunJSON(t, db.env, "apps", "create", "--account", account, "--name", "Reader",
		"--scopes", "inbox_read"), "id"), 10)
	host := []string{"--firstname", "Ada", "--lastname", "Lovelace", "--email", "ada@acme.example"}
	bare := strconv.FormatInt(num(t, mustRunJSON(t, db.env, "accounts", "create", "--name", "No apps"), "id"), 10)
	two := strconv.FormatInt(num(t, mustRunJSON(t, db.env, "accounts", "create", "--name", "Two apps"), "id"), 10)
	for _, name := range []string{"One", "Two"} {
		mustRunJSON(t, db.env, "apps", "create", "--account", two, "--name", name, "--scopes", "inbox_read")
	}

	for _, tt := range []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"UnknownCommand", nil, []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"MissingSubcommand", nil, []string{"accounts"}, 2, "needs a subcommand"},
		{"UnknownSubcommand", nil, []string{"accounts", "frobnicate"}, 2, `unknown command "accounts frobnicate"`},
		{"BadFlag", nil, []string{"accounts", "create", "--name", "X", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{"StrayArgument", nil, []string{"accounts", "create", "--name", "X", "extra"}, 2, `unexpected argument "extra"`},
		{"MissingName", nil, []string{"accounts", "create"}, 2, "missing --name"},
		{"BadAccountFlag", nil, append([]string{"hosts", "create", "--account", "abc"}, host...), 2, "invalid value"},
		{"MissingAccount", nil, append([]string{"hosts", "create"}, host...), 2, "missing --account"},
		{"HostsUnknownAccount", nil, append([]string{"hosts", "create", "--account", "999"}, host...), 1, "account 999 not found"},
		{"ClientsUnknownAccount", nil, []string{"clients", "create", "--account", "999", "--fullname", "X"}, 1, "account 999 not found"},
		{"InboxesUnknownAccount", nil, []string{"inboxes", "create", "--account", "999", "--name", "X", "--channel", "email"}, 1, "account 999 not found"},
		{"AppsUnknownAccount", nil, []string{"apps", "create", "--account", "999", "--name", "X", "--scopes", "inbox_read"}, 1, "account 999 not found"},
		{"TokensUnknownAccount", nil, []string{"tokens", "create", "--account", "999", "--scopes", "inbox_read"}, 1, "account 999 not found"},
		{"MissingLastname", nil, []string{"hosts", "create", "--account", account, "--firstname", "Ada", "--email", "a@b.example"}, 2, "missing --lastname"},
		{"BadRole", nil, append([]string{"hosts", "create", "--account", account, "--role", "owner"}, host...), 2, "--role must be administrator or agent"},
		{"BadEmail", nil, []string{"hosts", "create", "--account", account, "--firstname", "A", "--lastname", "B", "--email", "nope"}, 1, "email is invalid"},
		{"UnknownInbox", nil, append([]string{"hosts", "create", "--account", account, "--inbox", "999"}, host...), 1, "inbox_id is invalid"},
		{"BadInboxFlag", nil, append([]string{"hosts", "create", "--account", account, "--inbox", "x"}, host...), 2, `"x" is not an id`},
		{"BadChannel", nil, []string{"inboxes", "create", "--account", account, "--name", "Fax", "--channel", "fax"}, 1, `--channel "fax" is not one of`},
		{"UnknownScope", nil, []string{"apps", "create", "--account", account, "--name", "X", "--scopes", "inbox_read,launch"}, 2, "unknown scope launch"},
		{"MissingScopes", nil, []string{"tokens", "create", "--account", account}, 2, "missing --scopes"},
		{"TokenWithoutAnyApp", nil, []string{"tokens", "create", "--account", bare, "--scopes", "inbox_read"}, 1,
			"app is required: the account has no application; create one with `inboxd apps create`"},
		{"TokenWithSeveralApps", nil, []string{"tokens", "create", "--account", two, "--scopes", "inbox_read"}, 1,
			"app is required: the account has 2 applications; name one with --app"},
		{"UnknownApp", nil, []string{"tokens", "create", "--account", account, "--scopes", "inbox_read", "--app", "999"}, 1, "application 999 not found in account"},
		{"ScopeBeyondApp", nil, []string{"tokens", "create", "--account", account, "--scopes", "inbox_write", "--app", readApp}, 1, "exceed the application's scopes"},
		{"BadExpiresIn", nil, []string{"tokens", "create", "--account", account, "--scopes", "inbox_read", "--expires-in", "soon"}, 2, "--expires-in"},
		{"BadDatabaseScheme", nil, []string{"accounts", "create", "--name", "X", "--database-url", "mysql://db/inbox"}, 1, `unsupported scheme "mysql"`},
		{"DatabaseDown", nil, []string{"accounts", "create", "--name", "X", "--database-url", "postgres://nobody@127.0.0.1:1/inbox?connect_timeout=5"}, 1, "open database postgres://nobody@127.0.0.1:1/inbox"},
		{"BadEnv", []string{"INBOXD_RATE_LIMIT=lots"}, []string{"accounts", "create", "--name", "X"}, 1, "INBOXD_RATE_LIMIT"},
		{"ServeBadAddr", nil, []string{"serve", "--addr", "nonsense"}, 1, "invalid --addr/INBOXD_ADDR"},
		{"ServeNegativeLimit", nil, []string{"--rate-limit", "-1"}, 1, "invalid --rate-limit/INBOXD_RATE_LIMIT -1"},
		{"ServeBadBaseURL", []string{"INBOXD_BASE_URL=ftp://files.example"}, []string{"serve"}, 1, "invalid --base-url/INBOXD_BASE_URL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, append(slices.Clone(db.env), tt.env...), tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit=%d, want %d; stderr: %s", r.code, tt.code, r.stderr)
			}
			if r.stdout != "" {
				t.Fatalf("stdout=%q, want nothing", r.stdout)
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
				t.Fatalf("stderr=%q, want exactly one line", r.stderr)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("stderr=%q, want it to contain %q", r.stderr, tt.want)
			}
			if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, "panic") {
				t.Fatalf("stderr=%q looks like a crash", r.stderr)
			}
		})
	}

	t.Run("NothingWritten", func(t *testing.T) {
		// The failed commands stored nothing: the account's only host is the
		// one created now, and its only inbox the default API inbox.
		a := db.mustOpenApp(t)
		ctx, _ := asPrincipal(t, a, str(t, mustRunJSON(t, db.env, "hosts", "create", "--account", account, "--firstname", "Check",
			"--lastname", "Er", "--email", "check@acme.example", "--role", "administrator"), "api_access_token"))
		hosts, err := app.View(ctx, a, inbox.ScopeInboxRead, func(l *app.Loader) ([]*app.HostView, error) {
			hs, _, err := l.Hosts(inbox.HostFilter{Page: inbox.Page{Limit: 100}})
			return hs, err
		})
		if err != nil {
			t.Fatal(err)
		} else if len(hosts) != 1 {
			t.Fatalf("hosts=%d, want 1", len(hosts))
		}
		boxes, err := app.View(ctx, a, inbox.ScopeInboxRead, (*app.Loader).Inboxes)
		if err != nil {
			t.Fatal(err)
		} else if len(boxes) != 1 || boxes[0].Channel != inbox.ChannelAPI {
			t.Fatalf("inboxes=%d, want only the default API inbox", len(boxes))
		}
	})
}

func TestCLI_Help(t *testing.T) {
	t.Parallel()
	r := runCLI(t, nil, "help")
	if r.code != 0 || !strings.Contains(r.stdout, "tokens create") || r.stderr != "" {
		t.Fatalf("help: exit=%d stdout=%q stderr=%q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, nil, "hosts", "create", "-h")
	if r.code != 0 || !strings.Contains(r.stdout, "-firstname") || !strings.Contains(r.stdout, "-database-url") {
		t.Fatalf("hosts create -h: exit=%d stdout=%q stderr=%q", r.code, r.stdout, r.stderr)
	}
}

// engine is the engine the database runs on.
func (db database) engine() string {
	if strings.HasPrefix(db.dsn, "postgres") {
		return "postgres"
	}
	return "sqlite"
}
