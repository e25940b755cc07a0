package e2e_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inboxd/inbox/internal/inboxtest"
)

// cluster is a throwaway PostgreSQL server of this test's own, which the test
// may stop and start: the shared server the other tests use must never be
// restarted under them.
type cluster struct {
	bin, dir, data string
	port           int
	asPostgres     bool // initdb refuses to run as root: run as the postgres user
}

// startCluster creates and starts a private cluster, or skips the test when
// PostgreSQL's server programs are not installed.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 {
		t.Skip("PostgreSQL server programs (initdb, pg_ctl under /usr/lib/postgresql) are not installed")
	}
	sort.Slice(bins, func(i, j int) bool { return version(bins[i]) < version(bins[j]) })
	c := &cluster{bin: filepath.Dir(bins[len(bins)-1]), asPostgres: os.Geteuid() == 0}
	dir, err := os.MkdirTemp("", "inboxd-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	c.dir, c.data = dir, filepath.Join(dir, "data")
	if c.asPostgres {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root and there is no postgres user to run initdb as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	c.run(t, "initdb", "-D", c.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
	c.start(t)
	t.Cleanup(func() { c.pgctl(t, "-m", "immediate", "stop") })
	return c
}

func version(pgctl string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(pgctl))))
	return v
}

// run runs one of the cluster's programs (as the postgres user when root).
func (c *cluster) run(t *testing.T, prog string, args ...string) {
	t.Helper()
	name, argv := filepath.Join(c.bin, prog), args
	if c.asPostgres {
		name, argv = "runuser", append([]string{"-u", "postgres", "--", filepath.Join(c.bin, prog)}, args...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, argv...).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		t.Fatalf("%s %s: %v\n%s\n%s", prog, strings.Join(args, " "), err, out, log)
	}
}

func (c *cluster) pgctl(t *testing.T, args ...string) {
	t.Helper()
	c.run(t, "pg_ctl", append([]string{"-D", c.data, "-w", "-t", "60"}, args...)...)
}

func (c *cluster) start(t *testing.T) {
	t.Helper()
	c.pgctl(t, "-l", filepath.Join(c.dir, "log"), "-o",
		fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=on -c max_connections=100", c.port, c.dir), "start")
}

// restart stops the server the way a crash does (immediate: no checkpoint,
// recovery on start) and starts it again.
func (c *cluster) restart(t *testing.T) {
	t.Helper()
	c.pgctl(t, "-m", "immediate", "stop")
	c.start(t)
}

// database creates a database and returns its URL.
func (c *cluster) database(t *testing.T, name string) string {
	t.Helper()
	base := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/", c.port)
	db, err := sql.Open("pgx", base+"postgres?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatal(err)
	}
	return base + name + "?sslmode=disable"
}

// TestDatabaseRestartRetriesStoreOnce is TestCrashRetriesStoreOnce with the
// database restarted under the writers instead of inboxd: requests cut by
// the restart answer 503 (or lose their connection), writes whose COMMIT's
// fate the server could not tell are resolved or left to the key, and every
// retry with its key is answered within 5 s, nothing acknowledged is lost
// and nothing is stored twice (issue 8 items 1 and 2).
func TestDatabaseRestartRetriesStoreOnce(t *testing.T) {
	if inboxtest.Engine() != "postgres" {
		t.Skip("runs in the PostgreSQL suite (INBOXD_TEST_DATABASE_URL set); it starts a cluster of its own")
	}
	c := startCluster(t)
	e := newEnvOn(t, c.database(t, "inboxd_restart"), 4)
	bsToken, senders := e.bsSetup(t)
	p := e.start(t)
	var restarted time.Duration
	attempts, statuses, acked := e.keyedRound(t, p.url, bsToken, senders, func() {
		start := time.Now()
		c.restart(t)
		restarted = time.Since(start)
		time.Sleep(1000 * time.Millisecond) // writers go on against the restarted server
	})
	for status, n := range statuses {
		if status != 0 && status/100 != 2 && status != 503 {
			t.Errorf("%d answers with status %d: a request the restart cut must answer 503 (retry later), not %d",
				n, status, status)
		}
	}
	r := e.retryAll(t, p.url, bsToken, attempts)
	p.signal(t, syscall.SIGTERM)
	if t.Failed() {
		for _, line := range strings.Split(p.log.String(), "\n") {
			if strings.Contains(line, "level=ERROR") {
				t.Log(line)
			}
		}
	}
	lost, dups := e.countStored(t, attempts)
	t.Logf("database restart (%v down): %d acknowledged, answers %v, %d without a 2xx retried (%d of them had committed: "+
		"replayed), %d lost, %d duplicates, slowest retry %v", restarted.Round(time.Millisecond), acked, statuses,
		r.retried, r.replayed, lost, dups, r.slowest.Round(time.Millisecond))
	if acked == len(attempts) {
		t.Log("no request was cut by the restart this time")
	}
}
