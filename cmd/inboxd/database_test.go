package main_test

import (
	"context"
	"database/sql"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inbox/internal/config"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/sqlstore"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

func TestMigrateStatus(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	known, err := sqlstore.MigrationNames(db.engine())
	if err != nil {
		t.Fatal(err)
	}

	before := mustRunJSON(t, db.env, "migrate", "--status")
	if got := num(t, before, "pending"); got != int64(len(known)) {
		t.Fatalf("fresh database: pending=%d, want %d; %v", got, len(known), before)
	}
	if db.engine() == "sqlite" {
		if _, err := os.Stat(db.dsn); !os.IsNotExist(err) {
			t.Fatalf("migrate --status created the SQLite file (stat: %v)", err)
		}
	}
	mustRunJSON(t, db.env, "migrate")
	after := mustRunJSON(t, db.env, "migrate", "--status")
	if got := num(t, after, "pending"); got != 0 {
		t.Fatalf("after migrate: pending=%d, want 0; %v", got, after)
	}
	ms := after["migrations"].([]any)
	if len(ms) != len(known) {
		t.Fatalf("migrations=%d, want %d", len(ms), len(known))
	}
	for i, m := range ms {
		m := m.(map[string]any)
		if m["name"] != known[i] || m["applied"] != true || m["known"] != true {
			t.Fatalf("migration %d=%v, want %s applied", i, m, known[i])
		}
	}

	// A newer inboxd applied a migration this binary does not know.
	mustExec(t, db.dsn, `INSERT INTO migrations (name) VALUES ('9999_from_the_future.sql')`)
	status := mustRunJSON(t, db.env, "migrate", "--status")
	if u := status["unknown"].([]any); len(u) != 1 || u[0] != "9999_from_the_future.sql" {
		t.Fatalf("unknown=%v, want the future migration", status["unknown"])
	}
	for _, args := range [][]string{{"migrate"}, {"serve", "--addr", "127.0.0.1:0"}, {"accounts", "create", "--name", "X"}} {
		r := runCLI(t, db.env, args...)
		if r.code != 1 || !strings.Contains(r.stderr, "migrated by a newer inboxd") || !strings.Contains(r.stderr, "9999_from_the_future.sql") {
			t.Fatalf("inboxd %v: exit=%d stderr=%q, want a refusal naming the unknown migration", args, r.code, r.stderr)
		}
	}
}

// mustOpenSQL opens the test database with database/sql, closed when the
// test ends.
func mustOpenSQL(tb testing.TB, dsn string) *sql.DB {
	tb.Helper()
	driver := "sqlite"
	if strings.HasPrefix(dsn, "postgres") {
		driver = "pgx"
	}
	d, err := sql.Open(driver, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

// mustExec runs one statement on the test database.
func mustExec(tb testing.TB, dsn, q string) {
	tb.Helper()
	if _, err := mustOpenSQL(tb, dsn).Exec(q); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
}

// With nothing listening, serve retries for --database-wait, logging each
// try, then exits non-zero.
func TestDatabaseWait_GivesUp(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	env := []string{config.EnvDataDir + "=" + t.TempDir(),
		config.EnvDatabaseURL + "=postgres://nobody@127.0.0.1:" + port + "/inboxd?sslmode=disable"}
	start := time.Now()
	r := runCLI(t, env, "serve", "--addr", "127.0.0.1:0", "--database-wait", "3s")
	took := time.Since(start)
	if r.code != 1 || !strings.Contains(r.stderr, "gave up after") || !strings.Contains(r.stderr, "--database-wait") {
		t.Fatalf("exit=%d stderr=%q, want a failure saying it gave up", r.code, r.stderr)
	}
	if tries := strings.Count(r.stderr, "database not answering yet; retrying"); tries < 2 {
		t.Fatalf("logged %d retries, want each try logged; stderr:\n%s", tries, r.stderr)
	}
	if took < 3*time.Second {
		t.Fatalf("gave up after %s, before --database-wait 3s", took)
	}
	// Admin commands fail at once unless told to wait.
	start = time.Now()
	r = runCLI(t, env, "accounts", "create", "--name", "X")
	if r.code != 1 || strings.Contains(r.stderr, "retrying") {
		t.Fatalf("accounts create: exit=%d stderr=%q, want one failure without retries", r.code, r.stderr)
	}
	if d := time.Since(start); d > took/2 {
		t.Fatalf("accounts create took %s, serve with a 3s wait %s: it should not wait", d, took)
	}
}

// PostgreSQL that comes up after inboxd: serve waits for it, then serves.
func TestDatabaseWait_PostgresComesUp(t *testing.T) {
	t.Parallel()
	if inboxtest.Engine() != "postgres" {
		t.Skip("needs PostgreSQL (set INBOXD_TEST_DATABASE_URL)")
	}
	dsn := inboxtest.MustNewDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	port := freePort(t)
	u.Host = "127.0.0.1:" + port
	env := []string{config.EnvDataDir + "=" + t.TempDir(), config.EnvDatabaseURL + "=" + u.String()}

	// The "database" opens its port two seconds after inboxd starts.
	go func() {
		time.Sleep(2 * time.Second)
		ln, err := net.Listen("tcp", "127.0.0.1:"+port)
		if err != nil {
			t.Error(err)
			return
		}
		t.Cleanup(func() { ln.Close() })
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go proxy(c, target)
		}
	}()
	s := mustStartServer(t, env, "--database-wait", "60s")
	if !strings.Contains(s.logs.String(), "database not answering yet; retrying") {
		t.Fatalf("no retry logged; logs:\n%s", s.logs.String())
	}
	status, _ := mustGetJSON(t, "http://"+s.addr+"/readyz")
	if status != 200 {
		t.Fatalf("/readyz=%d, want 200 once the database came up", status)
	}
}

func freePort(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return strings.TrimPrefix(ln.Addr().String(), "127.0.0.1:")
}

func proxy(c net.Conn, target string) {
	defer c.Close()
	d, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(context.Background(), "tcp", target)
	if err != nil {
		return
	}
	defer d.Close()
	go io.Copy(d, c)
	io.Copy(c, d)
}
