package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/config"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/sqlstore"
)

// The version the test binary is built with.
const (
	testVersion = "v1.2.3-test"
	testCommit  = "0123456789abcdef0123456789abcdef01234567"
	testDate    = "2030-01-02T03:04:05Z"
)

// binary is the inboxd executable built once for the tests that run it as a
// child process, as an operator would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "inboxd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "inboxd")
	// Built as a release is, with its version set at link time.
	pkg := "github.com/inboxd/inbox/internal/version"
	build := exec.Command(goTool(), "build", "-o", binary, "-ldflags",
		"-X "+pkg+".Version="+testVersion+" -X "+pkg+".Commit="+testCommit+" -X "+pkg+".Date="+testDate, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build inboxd:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// goTool finds the go command that runs the tests.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// database is a fresh database for child processes: the environment that
// selects it and the DSN tests open it with.
type database struct {
	dataDir string
	dsn     string
	env     []string
}

// mustNewDatabase returns a fresh, empty database on the engine under test.
func mustNewDatabase(tb testing.TB) database {
	tb.Helper()
	db := database{dataDir: tb.TempDir()}
	db.env = append(db.env, config.EnvDataDir+"="+db.dataDir)
	if inboxtest.Engine() == "postgres" {
		db.dsn = inboxtest.MustNewDSN(tb)
		db.env = append(db.env, config.EnvDatabaseURL+"="+db.dsn)
	} else {
		db.dsn = filepath.Join(db.dataDir, config.SQLiteFile)
	}
	return db
}

// mustOpenApp opens the database with the application layer, so tests can
// check what the commands wrote.
func (db database) mustOpenApp(tb testing.TB) *app.App {
	tb.Helper()
	store, err := sqlstore.Open(context.Background(), db.dsn)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { store.Close() })
	// The server key the commands used: the key file in the data directory.
	cfg := config.Defaults()
	cfg.DataDir = db.dataDir
	key, _, err := cfg.ServerKey()
	if err != nil {
		tb.Fatalf("server key: %v", err)
	}
	return app.New(app.Deps{Store: store, Secret: key})
}

// childEnv is the test's environment without any INBOXD_ setting, plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "INBOXD_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// result is what a finished command printed.
type result struct {
	stdout, stderr string
	code           int
}

// runCLI runs the binary to completion with the extra environment.
func runCLI(tb testing.TB, env []string, args ...string) result {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = childEnv(env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		tb.Fatalf("run %v: %v", args, err)
	}
	return r
}

// mustRunJSON runs a command that must succeed, print nothing on stderr and
// exactly one JSON object on stdout, and returns that object.
func mustRunJSON(tb testing.TB, env []string, args ...string) map[string]any {
	tb.Helper()
	r := runCLI(tb, env, args...)
	if r.code != 0 {
		tb.Fatalf("inboxd %s: exit %d, stderr: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	if r.stderr != "" {
		tb.Fatalf("inboxd %s: stderr=%q, want nothing", strings.Join(args, " "), r.stderr)
	}
	return mustDecodeOne(tb, r.stdout)
}

// mustDecodeOne decodes s, which must hold exactly one JSON object.
func mustDecodeOne(tb testing.TB, s string) map[string]any {
	tb.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		tb.Fatalf("stdout is not a JSON object: %v\n%s", err, s)
	}
	if _, err := dec.Token(); err != io.EOF {
		tb.Fatalf("stdout holds more than one JSON value:\n%s", s)
	}
	return v
}

// num reads a JSON number field as int64.
func num(tb testing.TB, v map[string]any, key string) int64 {
	tb.Helper()
	n, ok := v[key].(json.Number)
	if !ok {
		tb.Fatalf("%s=%#v, want a number", key, v[key])
	}
	i, err := n.Int64()
	if err != nil {
		tb.Fatalf("%s=%v: %v", key, n, err)
	}
	return i
}

// str reads a JSON string field.
func str(tb testing.TB, v map[string]any, key string) string {
	tb.Helper()
	s, ok := v[key].(string)
	if !ok {
		tb.Fatalf("%s=%#v, want a string", key, v[key])
	}
	return s
}

// asPrincipal authenticates token and returns a context acting as it.
func asPrincipal(tb testing.TB, a *app.App, token string) (context.Context, *inbox.Principal) {
	tb.Helper()
	p, err := a.Authenticate(context.Background(), token)
	if err != nil {
		tb.Fatalf("Authenticate(%q): %v", token, err)
	}
	return inbox.NewContextWithPrincipal(context.Background(), p), p
}

// server is a running "inboxd serve" child process.
type server struct {
	cmd  *exec.Cmd
	addr string
	logs *syncBuffer
	exit chan error // receives Wait's result
}

// syncBuffer is a buffer written by one goroutine and read by the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// mustStartServer starts "inboxd serve" on a free loopback port with JSON
// logs and waits until it listens. The process is killed if the test ends
// while it still runs.
func mustStartServer(tb testing.TB, env []string, args ...string) *server {
	tb.Helper()
	return mustStartServerCmd(tb, exec.Command(binary, serveArgs(args...)...), env)
}

// serveArgs are the arguments of "inboxd serve" on a free loopback port
// with JSON logs, then args.
func serveArgs(args ...string) []string {
	return append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, args...)
}

// mustStartServerCmd starts cmd, which runs "inboxd serveArgs…" (perhaps
// through a shell that sets limits first), as mustStartServer does.
func mustStartServerCmd(tb testing.TB, cmd *exec.Cmd, env []string) *server {
	tb.Helper()
	cmd.Env = childEnv(env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s := &server{cmd: cmd, logs: &syncBuffer{}, exit: make(chan error, 1)}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			s.logs.Write([]byte(line + "\n"))
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
				select {
				case listening <- rec.Addr:
				default:
				}
			}
		}
		s.exit <- cmd.Wait()
	}()
	tb.Cleanup(func() {
		select {
		case err := <-s.exit:
			s.exit <- err
		default:
			cmd.Process.Kill()
			<-s.exit
		}
	})
	select {
	case s.addr = <-listening:
	case err := <-s.exit:
		s.exit <- err
		tb.Fatalf("server exited before listening (%v); logs:\n%s", err, s.logs.String())
	case <-time.After(60 * time.Second):
		tb.Fatalf("server did not start; logs:\n%s", s.logs.String())
	}
	return s
}

// wait waits for the process to exit and returns its exit error.
func (s *server) wait(tb testing.TB) error {
	tb.Helper()
	select {
	case err := <-s.exit:
		s.exit <- err
		return err
	case <-time.After(30 * time.Second):
		tb.Fatalf("server did not exit; logs:\n%s", s.logs.String())
	}
	return nil
}
