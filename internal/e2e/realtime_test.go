package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/inboxd/inbox/internal/inboxtest"
)

// cableClient follows an administrator's RoomChannel with AnyCable's
// extended protocol, as @anycable/web does, reconnecting to the nodes it is
// given (in turn) and asking for the history it missed.
type cableClient struct {
	t    *testing.T
	room string
	mu   sync.Mutex
	got  map[int64]int // message id → times received
	pos  struct {
		stream, epoch string
		offset        int64
	}
	conns int // connections made
}

// room reads the RoomChannel identifier of the env's administrator.
func (e *env) room(t *testing.T, base string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v1/profile", nil)
	req.Header.Set("api_access_token", e.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct {
		ID          int64  `json:"id"`
		AccountID   int64  `json:"account_id"`
		PubSubToken string `json:"pubsub_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || p.PubSubToken == "" {
		t.Fatalf("profile: %d %v", resp.StatusCode, err)
	}
	b, _ := json.Marshal(map[string]any{"channel": "RoomChannel", "pubsub_token": p.PubSubToken, "account_id": p.AccountID, "user_id": p.ID})
	return string(b)
}

// follow keeps the client connected to one of bases until ctx ends: when a
// connection drops it connects to the next node and resumes from its last
// position.
func (c *cableClient) follow(ctx context.Context, bases ...string) {
	for i := 0; ctx.Err() == nil; i++ {
		c.session(ctx, bases[i%len(bases)])
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// session runs one connection: subscribe (with the position reached so
// far), then read until it drops.
func (c *cableClient) session(ctx context.Context, base string) {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	ws, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(base, "http")+"/cable",
		&websocket.DialOptions{Subprotocols: []string{"actioncable-v1-ext-json"}})
	cancel()
	if err != nil {
		return
	}
	defer ws.CloseNow()
	ws.SetReadLimit(1 << 20)
	c.mu.Lock()
	c.conns++
	cmd := map[string]any{"command": "subscribe", "identifier": c.room}
	if c.pos.stream != "" {
		cmd["history"] = map[string]any{"streams": map[string]any{c.pos.stream: map[string]any{"epoch": c.pos.epoch, "offset": c.pos.offset}}}
	}
	c.mu.Unlock()
	b, _ := json.Marshal(cmd)
	if ws.Write(ctx, websocket.MessageText, b) != nil {
		return
	}
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var m struct {
			Type     string `json:"type"`
			StreamID string `json:"stream_id"`
			Epoch    string `json:"epoch"`
			Offset   int64  `json:"offset"`
			Message  *struct {
				Event string `json:"event"`
				Data  struct {
					ID int64 `json:"id"`
				} `json:"data"`
			} `json:"message"`
		}
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		if m.Type == "reject_subscription" || m.Type == "reject_history" {
			c.t.Errorf("%s from %s", m.Type, base)
			return
		}
		if m.Message == nil || m.StreamID == "" {
			continue
		}
		c.mu.Lock()
		c.pos.stream, c.pos.epoch, c.pos.offset = m.StreamID, m.Epoch, m.Offset
		if m.Message.Event == "message.created" {
			c.got[m.Message.Data.ID]++
		}
		c.mu.Unlock()
	}
}

// missing lists acknowledged messages the client has not received, and
// the ones it received more than once.
func (c *cableClient) missing(acked map[int64]string) (missing []int64, dups int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id := range acked {
		if c.got[id] == 0 {
			missing = append(missing, id)
		}
	}
	for _, n := range c.got {
		if n > 1 {
			dups++
		}
	}
	return missing, dups
}

// TestRealtimeAcrossNodes runs two nodes on one PostgreSQL database. A
// /cable client on node B receives what is posted on node A; a client on
// node A keeps up too. Then node A is killed (SIGKILL) while messages are
// posted: its client reconnects to node B and resumes from its position,
// and every message acknowledged anywhere reaches both clients exactly
// once.
func TestRealtimeAcrossNodes(t *testing.T) {
	if inboxtest.Engine() != "postgres" {
		t.Skip("several nodes need PostgreSQL (one SQLite database is served by one process)")
	}
	e := newEnv(t, 2)
	a, b := e.start(t), e.start(t)
	room := e.room(t, b.url)
	onA := &cableClient{t: t, room: room, got: map[int64]int{}}
	onB := &cableClient{t: t, room: room, got: map[int64]int{}}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var wg sync.WaitGroup
	for _, f := range []func(){func() { onA.follow(ctx, a.url, b.url) }, func() { onB.follow(ctx, b.url) }} {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	// Both are subscribed once a first message reaches them.
	client := &http.Client{Timeout: 10 * time.Second}
	acked := map[int64]string{}
	deadline := time.Now().Add(20 * time.Second)
	for {
		id, _, err := e.postMessage(ctx, client, a.url, e.convs[0], "hello")
		if err != nil {
			t.Fatal(err)
		}
		acked[id] = "hello"
		time.Sleep(200 * time.Millisecond)
		if m, _ := onA.missing(map[int64]string{id: ""}); len(m) == 0 {
			if m, _ := onB.missing(map[int64]string{id: ""}); len(m) == 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the clients received nothing")
		}
	}

	// Post on node A, kill it mid-stream, carry on through node B.
	var mu sync.Mutex
	loadCtx, stopLoad := context.WithCancel(ctx)
	var loadWG sync.WaitGroup
	for w := 0; w < 4; w++ {
		loadWG.Add(1)
		go func() {
			defer loadWG.Done()
			base := a.url
			for i := 0; loadCtx.Err() == nil; i++ {
				content := fmt.Sprintf("worker %d message %d", w, i)
				id, _, err := e.postMessage(loadCtx, client, base, e.convs[i%len(e.convs)], content)
				if err != nil {
					base = b.url // node A is gone
					continue
				}
				mu.Lock()
				acked[id] = content
				mu.Unlock()
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	a.signal(t, syscall.SIGKILL)
	time.Sleep(1500 * time.Millisecond)
	stopLoad()
	loadWG.Wait()

	// Everything acknowledged reaches both clients, once.
	mu.Lock()
	defer mu.Unlock()
	var missA, missB []int64
	var dupA, dupB int
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		missA, dupA = onA.missing(acked)
		missB, dupB = onB.missing(acked)
		if len(missA) == 0 && len(missB) == 0 {
			break
		}
	}
	stop()
	wg.Wait()
	if len(missA) > 0 || len(missB) > 0 || dupA > 0 || dupB > 0 {
		t.Fatalf("of %d acknowledged messages: client of node A missed %d (%d twice), client of node B missed %d (%d twice)",
			len(acked), len(missA), dupA, len(missB), dupB)
	}
	if onA.conns < 2 {
		t.Fatalf("node A's client connected %d times; the kill should have moved it to node B", onA.conns)
	}
	t.Logf("%d acknowledged messages reached a client on each node once, across a SIGKILL of node A", len(acked))
}
