package realtime_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxd/inbox/internal/realtime"
)

// nodeDir holds the node clients and their locked packages.
const nodeDir = "testdata/node"

// needNode skips a test when node or the clients' packages are missing.
// .ci/run installs both and fails when these tests did not run (it looks
// for the log line below).
func needNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed (the ActionCable client tests need it)")
	}
	for _, pkg := range []string{"@rails/actioncable", "@anycable/web", "ws"} {
		if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", pkg, "package.json")); err != nil {
			t.Skipf("%s is not installed: run npm ci in internal/realtime/%s", pkg, nodeDir)
		}
	}
	t.Logf("node clients ran (%s)", node)
	return node
}

// nodeClient is a real ActionCable client run by node (testdata/node).
type nodeClient struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan map[string]any
	kept  []map[string]any // broadcasts read while waiting for something else
	mu    sync.Mutex
	errb  strings.Builder
}

func startNodeClient(t *testing.T, node, kind, url string, params map[string]any) *nodeClient {
	t.Helper()
	p, _ := json.Marshal(params)
	cmd := exec.Command(node, "client.mjs", kind, url, string(p))
	cmd.Dir = nodeDir
	c := &nodeClient{t: t, cmd: cmd, lines: make(chan map[string]any, 1000)}
	cmd.Stderr = &lockedWriter{c: c}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				c.lines <- m
			}
		}
		close(c.lines)
	}()
	t.Cleanup(func() {
		c.stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	return c
}

type lockedWriter struct{ c *nodeClient }

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	return w.c.errb.Write(b)
}

func (c *nodeClient) stderr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.errb.String()
}

// next returns the next line of the given kind. Broadcasts it passes over
// are kept for received; other lines are dropped.
func (c *nodeClient) next(kind string) map[string]any {
	c.t.Helper()
	if kind == "received" && len(c.kept) > 0 {
		m := c.kept[0]
		c.kept = c.kept[1:]
		return m
	}
	timeout := time.After(15 * time.Second)
	for {
		select {
		case m, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("node client exited waiting for %s; stderr: %s", kind, c.stderr())
			}
			if os.Getenv("NODE_DEBUG_LINES") != "" {
				c.t.Logf("node: %v", m)
			}
			if m["kind"] == kind {
				return m
			}
			if m["kind"] == "received" {
				c.kept = append(c.kept, m)
			}
		case <-timeout:
			c.t.Fatalf("no %s from the node client within 15 s; stderr: %s", kind, c.stderr())
		}
	}
}

// received returns the next broadcast's event and data.
func (c *nodeClient) received() (string, map[string]any) {
	c.t.Helper()
	m := c.next("received")["message"].(map[string]any)
	return m["event"].(string), m["data"].(map[string]any)
}

func (c *nodeClient) send(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	if _, err := c.stdin.Write(append(b, '\n')); err != nil {
		c.t.Fatal(err)
	}
}

func (e *env) roomParams(hostID int64, token string) map[string]any {
	return map[string]any{"pubsub_token": token, "account_id": e.account.ID, "user_id": hostID}
}

func (e *env) wsURL() string { return "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/cable" }

func TestRailsActionCableClient(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	e := newEnv(t, realtime.Limits{})

	t.Run("Rejected", func(t *testing.T) {
		c := startNodeClient(t, node, "rails", e.wsURL(), e.roomParams(e.agent.ID, e.app.PubSubToken(e.admin)))
		c.next("rejected")
	})

	t.Run("Receives", func(t *testing.T) {
		c := startNodeClient(t, node, "rails", e.wsURL(), e.roomParams(e.agent.ID, e.app.PubSubToken(e.agent)))
		c.next("connected")
		c.send(map[string]any{"perform": "update_presence"})
		id := e.conversation(e.apiBox)
		e.conversation(e.other) // not the agent's
		msg := e.post(id, "Check-in is at 3 pm.")
		want := []string{"conversation.created", "message.created", "first.reply.created"}
		for _, w := range want {
			ev, data := c.received()
			if ev != w {
				t.Fatalf("received %s, want %s", ev, w)
			}
			if ev == "message.created" && (data["id"] != float64(msg) || data["content"] != "Check-in is at 3 pm.") {
				t.Errorf("message.created data %v", data)
			}
			if data["account_id"] != float64(e.account.ID) {
				t.Errorf("%s account_id=%v", ev, data["account_id"])
			}
		}
	})
}

// TestAnyCableClientCatchesUp cuts the network between an AnyCable client
// and the server while events are written: the client reconnects, asks for
// its history, and receives every event exactly once, in order.
func TestAnyCableClientCatchesUp(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	e := newEnv(t, realtime.Limits{})
	p := newFlakyProxy(t, strings.TrimPrefix(e.srv.URL, "http://"))
	c := startNodeClient(t, node, "anycable", "ws://"+p.addr()+"/cable", e.roomParams(e.admin.ID, e.app.PubSubToken(e.admin)))
	c.next("connected")
	id := e.conversation(e.apiBox)
	// The client asked for the events since it started (whole seconds): the
	// env's own may come first.
	for {
		ev, data := c.received()
		if ev == "conversation.created" && data["id"] == float64(id) {
			break
		}
	}

	var want []int64
	want = append(want, e.post(id, "before"))
	p.cut() // the network goes, and stays down for a while
	c.next("disconnected")
	for i := 0; i < 5; i++ {
		want = append(want, e.post(id, fmt.Sprintf("while away %d", i)))
	}
	p.restore()
	c.next("connected")
	want = append(want, e.post(id, "after"))

	var got []int64
	for len(got) < len(want) {
		ev, data := c.received()
		if ev == "message.created" {
			got = append(got, int64(data["id"].(float64)))
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("messages %v, want %v (each once, in order)", got, want)
	}
	// Nothing more: no duplicates arrive late.
	for _, m := range c.kept {
		if m["message"].(map[string]any)["event"] == "message.created" {
			t.Errorf("extra message %v", m["message"].(map[string]any)["data"].(map[string]any)["id"])
		}
	}
	select {
	case m := <-c.lines:
		if m["kind"] == "received" {
			msg := m["message"].(map[string]any)
			if msg["event"] == "message.created" {
				t.Errorf("late extra message %v", msg["data"].(map[string]any)["id"])
			}
		}
	case <-time.After(500 * time.Millisecond):
	}
}

// flakyProxy forwards TCP connections to a server until cut: then it
// closes them and refuses new ones until restored.
type flakyProxy struct {
	t      *testing.T
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]struct{}
}

func newFlakyProxy(t *testing.T, target string) *flakyProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &flakyProxy{t: t, ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *flakyProxy) addr() string { return p.ln.Addr().String() }

func (p *flakyProxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			in.Close()
			continue
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.conns[in], p.conns[out] = struct{}{}, struct{}{}
		p.mu.Unlock()
		go func() { io.Copy(out, in); out.Close() }()
		go func() { io.Copy(in, out); in.Close() }()
	}
}

func (p *flakyProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *flakyProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}
