package abuse_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/inboxd/inbox/internal/inboxtest"
)

// These tests run the real binary, with its header limit (64 KiB, a
// constant of cmd/inboxd) and a read header timeout shortened from the
// default 10 s (--read-header-timeout) so that waiting it out is quick.
const (
	readHeaderTimeout = 2 * time.Second
	maxHeaderBytes    = 64 << 10
)

// startInboxd builds cmd/inboxd and serves a fresh database with it.
func startInboxd(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "inboxd")
	build := exec.Command("go", "build", "-o", bin, "github.com/inboxd/inbox/cmd/inboxd")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build inboxd: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "INBOXD_ADDR="+addr, "INBOXD_DATA_DIR="+filepath.Join(dir, "data"),
		"INBOXD_SHUTDOWN_TIMEOUT=5s", "INBOXD_LOG_LEVEL=warn", "INBOXD_READ_HEADER_TIMEOUT="+readHeaderTimeout.String())
	if inboxtest.Engine() == "postgres" {
		cmd.Env = append(cmd.Env, "INBOXD_DATABASE_URL="+inboxtest.MustNewDSN(t))
	}
	var logs bytes.Buffer
	var mu sync.Mutex
	cmd.Stdout = writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return logs.Write(p) })
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			mu.Lock()
			t.Logf("server log:\n%s", logs.String())
			mu.Unlock()
		}
	})
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return addr
			}
		}
		select {
		case err := <-done:
			t.Fatalf("inboxd exited: %v\n%s", err, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatal("inboxd did not become ready")
	return ""
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// slowClient dribbles a request's headers, one line every interval, never
// finishing them, and reports when the server closed the connection and
// what it answered (nothing, or at most a 408).
type slowClient struct {
	start  time.Time
	closed time.Duration
	got    []byte
	err    error
}

func dribble(addr string, every time.Duration, stop <-chan struct{}) *slowClient {
	c := &slowClient{start: time.Now()}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		c.err = err
		return c
	}
	defer conn.Close()
	go func() {
		fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: %s\r\n", addr)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(every):
			}
			if _, err := fmt.Fprintf(conn, "X-Slow-%d: still coming\r\n", i); err != nil {
				return
			}
		}
	}()
	conn.SetReadDeadline(time.Now().Add(3 * readHeaderTimeout))
	c.got, err = io.ReadAll(conn)
	c.closed = time.Since(c.start)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		c.err = fmt.Errorf("the server kept the connection open for %v", c.closed)
	}
	return c
}

// A client that sends its headers slower than ReadHeaderTimeout has its
// connection closed once the timeout passes, even though it keeps sending;
// a crowd of such clients (slowloris) does not keep other clients from
// being served quickly; headers over MaxHeaderBytes are refused with 431.
func TestSlowClients(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the server's header timeout")
	}
	t.Parallel()
	addr := startInboxd(t)
	base := "http://" + addr

	const crowd = 40
	stop := make(chan struct{})
	defer close(stop)
	results := make(chan *slowClient, crowd)
	for i := 0; i < crowd; i++ {
		go func() { results <- dribble(addr, 500*time.Millisecond, stop) }()
	}
	time.Sleep(300 * time.Millisecond) // the crowd is connected and dribbling

	// Meanwhile, ordinary clients on fresh connections are served at once.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	for i := 0; i < 20; i++ {
		for _, c := range []struct {
			path   string
			status int
		}{{"/healthz", 200}, {"/api/v3/inbox/conversations", 401}, {"/api/v1/accounts/1/conversations", 401}} {
			start := time.Now()
			resp, err := client.Get(base + c.path)
			if err != nil {
				t.Fatalf("GET %s during the slowloris: %v", c.path, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if d := time.Since(start); d > 2*time.Second || resp.StatusCode != c.status || !strings.HasPrefix(string(body), "{") {
				t.Fatalf("GET %s during the slowloris: %d %q after %v", c.path, resp.StatusCode, body, d)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}

	// A header block over the limit is refused.
	req, _ := http.NewRequest("GET", base+"/healthz", nil)
	req.Header.Set("X-Huge", strings.Repeat("h", maxHeaderBytes+8<<10))
	if resp, err := client.Do(req); err != nil {
		t.Errorf("huge headers: %v", err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("huge headers: status %d, want 431", resp.StatusCode)
		}
	}

	for i := 0; i < crowd; i++ {
		c := <-results
		if c.err != nil {
			t.Fatalf("slow client: %v", c.err)
		}
		// Closed by the header timeout: not before it, and not long
		// after (the client kept sending all along).
		if c.closed < readHeaderTimeout-time.Second || c.closed > readHeaderTimeout+5*time.Second {
			t.Errorf("slow client closed after %v, want about %v", c.closed, readHeaderTimeout)
		}
		if len(c.got) > 0 {
			resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(c.got)), nil)
			if err != nil || resp.StatusCode != http.StatusRequestTimeout {
				t.Errorf("slow client got %q, want nothing or a 408", c.got)
			}
		}
	}
	// The server is still healthy afterwards.
	resp, err := client.Get(base + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the slowloris: %v %v", resp, err)
	}
	resp.Body.Close()
}
