package main_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"strconv"
	"strings"
	"testing"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/config"
	"github.com/inboxd/inbox/internal/secret"
	"github.com/inboxd/inbox/internal/sqlstore"
)

func TestCLI_AppsRotateSecret(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	ctx := context.Background()
	account := strconv.FormatInt(num(t, mustRunJSON(t, db.env, "accounts", "create", "--name", "Acme"), "id"), 10)
	accountID, _ := strconv.ParseInt(account, 10, 64)
	created := mustRunJSON(t, db.env, "apps", "create", "--account", account, "--name", "CM", "--scopes", "inbox_read")
	appID, clientID, first := num(t, created, "id"), str(t, created, "client_id"), str(t, created, "client_secret")
	a := db.mustOpenApp(t)

	t.Run("CreateKeepsSealedCopy", func(t *testing.T) {
		apl, err := app.NewAdmin(a).FindApplication(ctx, accountID, appID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(apl.SecretSealed), first) || len(apl.SecretSealed) == 0 {
			t.Fatalf("sealed=%q, want sealed bytes that do not hold the secret", apl.SecretSealed)
		}
		if got, err := a.ClientSecret(apl); err != nil || got != first {
			t.Fatalf("ClientSecret=%q, %v; want the printed secret", got, err)
		}
	})

	rotated := mustRunJSON(t, db.env, "apps", "rotate-secret", "--account", account, "--id", strconv.FormatInt(appID, 10))
	second := str(t, rotated, "client_secret")
	if second == first || len(second) != 64 {
		t.Fatalf("client_secret=%q, want a new 64-character secret", second)
	}
	if got := str(t, rotated, "client_id"); got != clientID {
		t.Fatalf("client_id=%v, want it unchanged (%v)", got, clientID)
	}
	t.Run("OldSecretRefused", func(t *testing.T) {
		if _, err := a.ClientCredentials(ctx, clientID, first, ""); inbox.ErrorCode(err) != inbox.EUNAUTHORIZED {
			t.Fatalf("err=%v, want unauthorized", err)
		}
	})
	t.Run("NewSecretWorks", func(t *testing.T) {
		if _, err := a.ClientCredentials(ctx, clientID, second, ""); err != nil {
			t.Fatal(err)
		}
		apl, err := app.NewAdmin(a).FindApplication(ctx, accountID, appID)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := a.ClientSecret(apl); err != nil || got != second {
			t.Fatalf("ClientSecret=%q, %v; want the rotated secret", got, err)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		for _, tt := range []struct {
			args []string
			code int
			want string
		}{
			{[]string{"--account", account}, 2, "missing --id"},
			{[]string{"--id", "1"}, 2, "missing --account"},
			{[]string{"--account", account, "--id", "999"}, 1, "application 999 not found in account " + account},
			{[]string{"--account", "999", "--id", strconv.FormatInt(appID, 10)}, 1, "account 999 not found"},
		} {
			r := runCLI(t, db.env, append([]string{"apps", "rotate-secret"}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
				t.Fatalf("%v: exit=%d stderr=%q stdout=%q, want exit %d and %q", tt.args, r.code, r.stderr, r.stdout, tt.code, tt.want)
			}
		}
	})
}

// An application from before sealed copies were kept still authenticates,
// says plainly that its secret cannot be recovered, and gets a recoverable
// one by rotation.
func TestCLI_AppsRotateSecret_OldApplication(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	ctx := context.Background()
	accountID := num(t, mustRunJSON(t, db.env, "accounts", "create", "--name", "Acme"), "id")
	a := db.mustOpenApp(t)

	store, err := sqlstore.Open(ctx, db.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	old := &inbox.Application{AccountID: accountID, Name: "Legacy", ClientID: "legacy-client", Scopes: inbox.Scopes{inbox.ScopeInboxRead}}
	oldSecret := strings.Repeat("ab", 32)
	old.SecretHash = sha256Of(oldSecret)
	if err := store.Update(ctx, func(tx inbox.Tx) error { return tx.CreateApplication(ctx, old) }); err != nil {
		t.Fatal(err)
	}

	if _, err := a.ClientCredentials(ctx, "legacy-client", oldSecret, ""); err != nil {
		t.Fatalf("old application no longer authenticates: %v", err)
	}
	apl, err := app.NewAdmin(a).FindApplication(ctx, accountID, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ClientSecret(apl); !errors.Is(err, app.ErrNoClientSecret) {
		t.Fatalf("ClientSecret err=%v, want ErrNoClientSecret", err)
	} else if !strings.Contains(err.Error(), "inboxd apps rotate-secret") {
		t.Fatalf("err=%q, want it to say how to fix it", err)
	}

	rotated := mustRunJSON(t, db.env, "apps", "rotate-secret", "--account", strconv.FormatInt(accountID, 10),
		"--id", strconv.FormatInt(old.ID, 10))
	apl, err = app.NewAdmin(a).FindApplication(ctx, accountID, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := a.ClientSecret(apl); err != nil || got != str(t, rotated, "client_secret") {
		t.Fatalf("ClientSecret after rotation=%q, %v; want the printed secret", got, err)
	}
}

// A node started with another server key refuses to start, says what to do,
// and secret-key adopt moves the database to the new key.
func TestCLI_SecretKeyMismatch(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	ctx := context.Background()
	account := strconv.FormatInt(num(t, mustRunJSON(t, db.env, "accounts", "create", "--name", "Acme"), "id"), 10)
	created := mustRunJSON(t, db.env, "apps", "create", "--account", account, "--name", "CM", "--scopes", "inbox_read")
	shown := mustRunJSON(t, db.env, "secret-key", "show")
	fileFingerprint := str(t, shown, "fingerprint")
	if shown["matches"] != true || str(t, shown, "database_fingerprint") != fileFingerprint {
		t.Fatalf("show=%v, want the key file's key recorded and matching", shown)
	}

	generated := mustRunJSON(t, nil, "secret-key", "generate")
	other := config.EnvSecretKey + "=" + str(t, generated, "secret_key")
	otherEnv := append(append([]string{}, db.env...), other)

	r := runCLI(t, otherEnv, "accounts", "create", "--name", "Second")
	if r.code != 1 || !strings.Contains(r.stderr, "secret-key adopt --yes") || !strings.Contains(r.stderr, fileFingerprint) ||
		!strings.Contains(r.stderr, "key from "+config.EnvSecretKey) {
		t.Fatalf("exit=%d stderr=%q, want a refusal naming both keys and the way out", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, str(t, generated, "secret_key")) {
		t.Fatal("the refusal prints the key itself")
	}
	if r := runCLI(t, otherEnv, "secret-key", "adopt"); r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Fatalf("adopt without --yes: exit=%d stderr=%q, want a usage error asking for --yes", r.code, r.stderr)
	}
	adopted := mustRunJSON(t, otherEnv, "secret-key", "adopt", "--yes")
	if str(t, adopted, "previous_fingerprint") != fileFingerprint || str(t, adopted, "fingerprint") != str(t, generated, "fingerprint") {
		t.Fatalf("adopt=%v, want previous %s and new %s", adopted, fileFingerprint, str(t, generated, "fingerprint"))
	}
	mustRunJSON(t, otherEnv, "accounts", "create", "--name", "Second")
	if r := runCLI(t, db.env, "accounts", "create", "--name", "Third"); r.code != 1 || !strings.Contains(r.stderr, "not the key") {
		t.Fatalf("the old key after adopt: exit=%d stderr=%q, want a refusal", r.code, r.stderr)
	}

	// The secret sealed under the old key is now unrecoverable, and says so.
	key, err := secret.Parse(str(t, generated, "secret_key"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlstore.Open(ctx, db.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	a := app.New(app.Deps{Store: store, Secret: key})
	accountID, _ := strconv.ParseInt(account, 10, 64)
	apl, err := app.NewAdmin(a).FindApplication(ctx, accountID, num(t, created, "id"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ClientSecret(apl); !errors.Is(err, app.ErrNoClientSecret) {
		t.Fatalf("ClientSecret err=%v, want ErrNoClientSecret", err)
	}
}

func TestCLI_HostEmailUnique(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	acme := strconv.FormatInt(num(t, mustRunJSON(t, db.env, "accounts", "create", "--name", "Acme"), "id"), 10)
	other := strconv.FormatInt(num(t, mustRunJSON(t, db.env, "accounts", "create", "--name", "Other"), "id"), 10)
	host := func(account, email string) []string {
		return []string{"hosts", "create", "--account", account, "--firstname", "Ada", "--lastname", "L", "--email", email}
	}
	mustRunJSON(t, db.env, host(acme, "ada@acme.example")...)
	r := runCLI(t, db.env, host(acme, "ADA@Acme.example")...)
	if r.code != 1 || !strings.Contains(r.stderr, "account "+acme+" already has a host with e-mail ADA@Acme.example") {
		t.Fatalf("exit=%d stderr=%q, want a refusal naming the e-mail", r.code, r.stderr)
	}
	// Another account may use the same address.
	mustRunJSON(t, db.env, host(other, "ada@acme.example")...)
}

func sha256Of(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
