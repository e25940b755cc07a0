package realtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/events"
	"github.com/inboxd/inbox/internal/fetch"
	"github.com/inboxd/inbox/internal/filestore"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/realtime"
	"github.com/inboxd/inbox/internal/server"
)

var ctx = context.Background()

// env is a server with realtime over a fresh store: an account with an
// administrator, an agent who is a member of the default API inbox only,
// and a second inbox the agent is not a member of.
type env struct {
	t       *testing.T
	store   inbox.Store
	app     *app.App
	sys     *app.System
	hub     *realtime.Hub
	srv     *httptest.Server
	account *inbox.Account
	apiBox  *inbox.Inbox
	other   *inbox.Inbox
	admin   *inbox.Host
	agent   *inbox.Host
	adminTk string
	agentTk string
	contact *inbox.Client
}

// envOption changes how newEnv builds the server.
type envOption func(*httptest.Server)

// smallSendBuffers gives the server's sockets a small send buffer, so that
// a client that stops reading backs up into the server's queue quickly.
func smallSendBuffers(srv *httptest.Server) {
	srv.Listener = smallBufferListener{srv.Listener}
}

type smallBufferListener struct{ net.Listener }

func (l smallBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(8 << 10)
	}
	return c, err
}

func newEnv(t *testing.T, limits realtime.Limits, opts ...envOption) *env {
	t.Helper()
	if limits.PingInterval == 0 {
		limits.PingInterval = 200 * time.Millisecond
	}
	store := inboxtest.MustOpenStore(t)
	files, err := filestore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Deps{Store: store, Files: files, Fetcher: fetch.New()})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	runCtx, cancel := context.WithCancel(ctx)
	sys := app.NewSystem(a)
	tail := events.New(events.Deps{Source: sys, Sequence: store.Engine() == "postgres", Wake: store.Changes(runCtx), Logger: log})
	hub := realtime.New(realtime.Deps{App: a, Outbox: realtime.NewOutbox(tail, sys), Logger: log, Limits: limits})
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		tail.Run(runCtx)
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		hub.Run(runCtx)
	}()
	srv := httptest.NewUnstartedServer(server.New(server.Deps{App: a, Logger: log, Realtime: hub}))
	for _, o := range opts {
		o(srv)
	}
	srv.Start()
	t.Cleanup(func() {
		hub.Shutdown()
		srv.Close()
		cancel()
		<-done
		<-done
	})
	e := &env{t: t, store: store, app: a, sys: sys, hub: hub, srv: srv}
	ad := app.NewAdmin(a)
	e.account = &inbox.Account{Name: "Acme Rentals", Email: "acme@example.com"}
	if err := ad.CreateAccount(ctx, e.account); err != nil {
		t.Fatal(err)
	}
	err = store.View(ctx, func(tx inbox.Tx) error {
		boxes, err := tx.FindInboxes(ctx, e.account.ID)
		if err == nil {
			e.apiBox = boxes[0]
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.other = &inbox.Inbox{AccountID: e.account.ID, Name: "Website", Channel: inbox.ChannelAPI}
	if err := ad.CreateInbox(ctx, e.other); err != nil {
		t.Fatal(err)
	}
	e.admin, e.adminTk = e.mustHost("Ada", inbox.RoleAdministrator)
	e.agent, e.agentTk = e.mustHost("Anna", inbox.RoleAgent)
	e.contact = &inbox.Client{AccountID: e.account.ID, Fullname: "Jane Doe", Email: "jane@example.com"}
	if err := ad.CreateClient(ctx, e.contact); err != nil {
		t.Fatal(err)
	}
	e.settle()
	return e
}

// settle waits until the hub has dispatched every event written so far, so
// that a client subscribing next receives only what follows.
func (e *env) settle() {
	e.t.Helper()
	var last int64
	for deadline := time.Now().Add(5 * time.Second); ; {
		// On PostgreSQL events get their position after commit.
		head, _, err := e.sys.EventPositions(ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		var evs []*inbox.Event
		if err := e.store.View(ctx, func(tx inbox.Tx) (err error) {
			evs, err = tx.FindEvents(ctx, e.account.ID, 0, 100000)
			return err
		}); err != nil {
			e.t.Fatal(err)
		}
		placed := true
		for _, ev := range evs {
			placed = placed && ev.Seq != 0
		}
		if placed {
			last = head
			break
		}
		if time.Now().After(deadline) {
			e.t.Fatal("events not placed in the outbox order")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for deadline := time.Now().Add(5 * time.Second); e.hub.Position() < last; {
		if time.Now().After(deadline) {
			e.t.Fatalf("hub at %d, want %d", e.hub.Position(), last)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (e *env) mustHost(first, role string) (*inbox.Host, string) {
	e.t.Helper()
	h := &inbox.Host{AccountID: e.account.ID, Firstname: first, Lastname: "Host", Email: strings.ToLower(first) + "@example.com", Role: role}
	tok, err := app.NewAdmin(e.app).CreateHostWithToken(ctx, h, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return h, tok
}

// api calls the Chatwoot API of the env's account and decodes the answer.
func (e *env) api(method, path, token string, body any) map[string]any {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, fmt.Sprintf("%s/api/v1/accounts/%d%s", e.srv.URL, e.account.ID, path), rd)
	req.Header.Set("api_access_token", token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		e.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		e.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
	}
	return out
}

// conversation opens a conversation in an inbox and returns its display id.
func (e *env) conversation(box *inbox.Inbox) int64 {
	e.t.Helper()
	c := e.api("POST", "/conversations", e.adminTk, map[string]any{"inbox_id": box.ID, "contact_id": e.contact.ID})
	return int64(c["id"].(float64))
}

// post writes a message in a conversation and returns its id.
func (e *env) post(display int64, content string) int64 {
	e.t.Helper()
	m := e.api("POST", fmt.Sprintf("/conversations/%d/messages", display), e.adminTk, map[string]any{"content": content})
	return int64(m["id"].(float64))
}

// roomID is the RoomChannel identifier of a host.
func (e *env) roomID(h *inbox.Host) string {
	b, _ := json.Marshal(map[string]any{"channel": "RoomChannel", "pubsub_token": e.app.PubSubToken(h),
		"account_id": h.AccountID, "user_id": h.ID})
	return string(b)
}

// cable is a raw ActionCable client.
type cable struct {
	t  *testing.T
	ws *websocket.Conn
}

// dial opens /cable with a subprotocol and reads the welcome.
func (e *env) dial(protocol string) *cable {
	e.t.Helper()
	c := e.dialRaw(protocol)
	if m := c.next(); m["type"] != "welcome" {
		e.t.Fatalf("first message=%v, want welcome", m)
	}
	return c
}

// dialSmall opens /cable with a small socket receive buffer, so that a
// client that stops reading fills the server's side quickly.
func (e *env) dialSmall(protocol string) *cable {
	e.t.Helper()
	d := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	c := e.dialWith(protocol, client)
	if m := c.next(); m["type"] != "welcome" {
		e.t.Fatalf("first message=%v, want welcome", m)
	}
	return c
}

func (e *env) dialRaw(protocol string) *cable { return e.dialWith(protocol, nil) }

func (e *env) dialWith(protocol string, client *http.Client) *cable {
	e.t.Helper()
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ws, res, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/cable",
		&websocket.DialOptions{Subprotocols: []string{protocol}, HTTPClient: client})
	if err != nil {
		e.t.Fatalf("dial /cable: %v", err)
	}
	if got := res.Header.Get("Sec-WebSocket-Protocol"); got != protocol {
		e.t.Fatalf("subprotocol=%q, want %q", got, protocol)
	}
	ws.SetReadLimit(1 << 20)
	c := &cable{t: e.t, ws: ws}
	e.t.Cleanup(func() { ws.CloseNow() })
	return c
}

func (c *cable) send(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// next returns the next message that is not a ping.
func (c *cable) next() map[string]any {
	c.t.Helper()
	// Pings arrive every 200 ms, so each read succeeds; the wait for
	// anything else is bounded as a whole.
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		m, err := c.read(5 * time.Second)
		if err != nil {
			c.t.Fatalf("read: %v", err)
		}
		if m["type"] != "ping" {
			return m
		}
	}
	c.t.Fatalf("only pings for 15 s")
	return nil
}

func (c *cable) read(timeout time.Duration) (map[string]any, error) {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, b, err := c.ws.Read(rctx)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%v in %s", err, b)
	}
	return m, nil
}

// subscribe subscribes to an identifier and returns the answer's type.
func (c *cable) subscribe(identifier string, history any) string {
	c.t.Helper()
	cmd := map[string]any{"command": "subscribe", "identifier": identifier}
	if history != nil {
		cmd["history"] = history
	}
	c.send(cmd)
	m := c.next()
	if m["identifier"] != identifier {
		c.t.Fatalf("answer %v, want one for %s", m, identifier)
	}
	return m["type"].(string)
}

// broadcast is a received broadcast.
type broadcast struct {
	Event  string
	Data   map[string]any
	Offset int64
	Stream string
	Epoch  string
}

// nextBroadcast reads the next broadcast.
func (c *cable) nextBroadcast() broadcast {
	c.t.Helper()
	m := c.next()
	msg, ok := m["message"].(map[string]any)
	if !ok {
		c.t.Fatalf("message %v, want a broadcast", m)
	}
	b := broadcast{Event: msg["event"].(string), Data: msg["data"].(map[string]any)}
	if off, ok := m["offset"].(float64); ok {
		b.Offset = int64(off)
	}
	b.Stream, _ = m["stream_id"].(string)
	b.Epoch, _ = m["epoch"].(string)
	return b
}

// untilHistoryConfirmed counts the messages before confirm_history.
func (c *cable) untilHistoryConfirmed() int {
	c.t.Helper()
	for n := 0; ; n++ {
		if m := c.next(); m["type"] == "confirm_history" {
			return n
		}
	}
}

// quiet checks that nothing but pings arrives for a while.
func (c *cable) quiet(d time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for time.Until(deadline) > 0 {
		m, err := c.read(time.Until(deadline))
		if err != nil {
			return
		}
		if m["type"] != "ping" {
			c.t.Fatalf("got %v, want nothing", m)
		}
	}
}

// epoch is the outbox's epoch.
func (e *env) epoch() string {
	e.t.Helper()
	ep, err := e.sys.OutboxEpoch(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return ep
}
