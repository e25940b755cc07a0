package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
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
// counts the ones it received more than once.
func (c *cableClient) missing(acked map[int64]string) (missing []int64, dups int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return countMissing(c.got, acked)
}

// sseClient follows the account's event stream, reconnecting to the nodes
// it is given (in turn) with the last event id it saw.
type sseClient struct {
	t     *testing.T
	token string
	mu    sync.Mutex
	got   map[int64]int // message id → times received
	last  string
	conns int
}

func (c *sseClient) follow(ctx context.Context, bases ...string) {
	for i := 0; ctx.Err() == nil; i++ {
		c.session(ctx, bases[i%len(bases)])
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *sseClient) session(ctx context.Context, base string) {
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v3/inbox/stream", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	c.mu.Lock()
	if c.last != "" {
		req.Header.Set("Last-Event-ID", c.last)
	}
	c.conns++
	c.mu.Unlock()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		c.t.Errorf("stream on %s: %d %s", base, resp.StatusCode, b)
		return
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var id, name, data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			id = line[4:]
		case strings.HasPrefix(line, "event: "):
			name = line[7:]
		case strings.HasPrefix(line, "data: "):
			data = line[6:]
		case line == "" && name != "":
			var body struct {
				Resource struct {
					Message struct {
						ID int64 `json:"id"`
					} `json:"message"`
				} `json:"resource"`
			}
			c.mu.Lock()
			if name == "inbox_message_created" && json.Unmarshal([]byte(data), &body) == nil {
				c.got[body.Resource.Message.ID]++
			}
			c.last = id
			c.mu.Unlock()
			id, name, data = "", "", ""
		}
	}
}

func (c *sseClient) missing(acked map[int64]string) (missing []int64, dups int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return countMissing(c.got, acked)
}

// countMissing lists acknowledged ids not in got, and counts ids got more
// than once.
func countMissing(got map[int64]int, acked map[int64]string) (missing []int64, dups int) {
	for id := range acked {
		if got[id] == 0 {
			missing = append(missing, id)
		}
	}
	for _, n := range got {
		if n > 1 {
			dups++
		}
	}
	return missing, dups
}

// receiver counts the message_created webhooks it receives, by message id.
type receiver struct {
	mu  sync.Mutex
	got map[int64]int
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Event string `json:"event"`
		ID    int64  `json:"id"`
	}
	if json.NewDecoder(r.Body).Decode(&body) == nil && body.Event == "message_created" {
		rv.mu.Lock()
		rv.got[body.ID]++
		rv.mu.Unlock()
	}
}

func (rv *receiver) missing(acked map[int64]string) (missing []int64, dups int) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return countMissing(rv.got, acked)
}

// appToken issues a BookingSync token with inbox_read straight through the
// database.
func (e *env) appToken(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	ad := app.NewAdmin(app.New(app.Deps{Store: e.openStore(t)}))
	a := &inbox.Application{AccountID: e.account, Name: "Stream reader", Scopes: inbox.Scopes{inbox.ScopeInboxRead}}
	if _, err := ad.CreateApplication(ctx, a); err != nil {
		t.Fatal(err)
	}
	g, err := ad.CreateToken(ctx, e.account, a.Scopes, &a.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return g.AccessToken
}

// TestRealtimeAcrossNodes runs two nodes on one PostgreSQL database, with
// a /cable client on each, an event stream client on node A and a webhook.
// While both nodes are up, what is posted on either node reaches every
// client, and the webhook receives each message exactly once. Then node A
// is killed (SIGKILL) while messages are posted: its clients reconnect to
// node B and resume from their positions, and every message acknowledged
// anywhere reaches each client exactly once and the webhook at least once
// (twice only for a delivery in flight when node A died).
func TestRealtimeAcrossNodes(t *testing.T) {
	if inboxtest.Engine() != "postgres" {
		t.Skip("several nodes need PostgreSQL (one SQLite database is served by one process)")
	}
	e := newEnv(t, 2)
	e.env = append(e.env, "INBOXD_WEBHOOK_ALLOW_PRIVATE=true")
	rv := &receiver{got: map[int64]int{}}
	hook := httptest.NewServer(rv)
	defer hook.Close()
	a, b := e.start(t), e.start(t)
	e.createWebhook(t, a.url, hook.URL)
	room := e.room(t, b.url)
	onA := &cableClient{t: t, room: room, got: map[int64]int{}}
	onB := &cableClient{t: t, room: room, got: map[int64]int{}}
	stream := &sseClient{t: t, token: e.appToken(t), got: map[int64]int{}}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var wg sync.WaitGroup
	for _, f := range []func(){
		func() { onA.follow(ctx, a.url, b.url) },
		func() { onB.follow(ctx, b.url) },
		func() { stream.follow(ctx, a.url, b.url) },
	} {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	client := &http.Client{Timeout: 10 * time.Second}
	var mu sync.Mutex
	acked := map[int64]string{}
	everyone := func(want map[int64]string, timeout time.Duration) bool {
		for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			m1, _ := onA.missing(want)
			m2, _ := onB.missing(want)
			m3, _ := stream.missing(want)
			m4, _ := rv.missing(want)
			if len(m1)+len(m2)+len(m3)+len(m4) == 0 {
				return true
			}
		}
		return false
	}
	// Both nodes up: post on each in turn until every client follows.
	healthy := map[int64]string{}
	for i, deadline := 0, time.Now().Add(20*time.Second); ; i++ {
		base := []string{a.url, b.url}[i%2]
		id, _, err := e.postMessage(ctx, client, base, e.convs[i%len(e.convs)], fmt.Sprintf("healthy %d", i))
		if err != nil {
			t.Fatal(err)
		}
		healthy[id], acked[id] = "healthy", "healthy"
		if i >= 10 && everyone(healthy, 200*time.Millisecond) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the clients and the webhook did not receive the messages")
		}
	}
	if !everyone(healthy, 15*time.Second) {
		t.Fatal("not everything posted while both nodes were up arrived")
	}
	if _, dups := rv.missing(healthy); dups > 0 {
		t.Fatalf("with both nodes up, %d webhooks were delivered more than once", dups)
	}
	// And the database agrees: every delivery made so far was sent once,
	// by one node or the other (a second sending records a second attempt).
	e.sentOnce(t, len(healthy))

	// Post on node A, kill it mid-stream, carry on through node B.
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

	mu.Lock()
	defer mu.Unlock()
	everyone(acked, 30*time.Second)
	stop()
	wg.Wait()
	missA, dupA := onA.missing(acked)
	missB, dupB := onB.missing(acked)
	missS, dupS := stream.missing(acked)
	missW, dupW := rv.missing(acked)
	if len(missA)+len(missB)+len(missS)+len(missW) > 0 || dupA+dupB+dupS > 0 {
		t.Fatalf("of %d acknowledged messages: /cable on node A missed %d (%d twice), /cable on node B missed %d (%d twice), "+
			"the stream missed %d (%d twice), the webhook missed %d", len(acked), len(missA), dupA, len(missB), dupB,
			len(missS), dupS, len(missW))
	}
	if onA.conns < 2 || stream.conns < 2 {
		t.Fatalf("node A's clients connected %d and %d times; the kill should have moved them to node B", onA.conns, stream.conns)
	}
	t.Logf("%d acknowledged messages (%d while both nodes were up, each webhook once) reached a /cable client on each node "+
		"and a stream client once, across a SIGKILL of node A; the webhook received %d twice", len(acked), len(healthy), dupW)
}

// createWebhook subscribes url to message_created through the Chatwoot API.
func (e *env) createWebhook(t *testing.T, base, url string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"url": url, "subscriptions": []string{"message_created"}})
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/accounts/%d/webhooks", base, e.account), bytes.NewReader(body))
	req.Header.Set("api_access_token", e.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("create webhook: %d %s", resp.StatusCode, b)
	}
}

// sentOnce waits until the account's n deliveries are recorded as
// delivered and fails when any took more than one attempt.
func (e *env) sentOnce(t *testing.T, n int) {
	t.Helper()
	st := e.openStore(t)
	var ds []*inbox.Delivery
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		err := st.View(context.Background(), func(tx inbox.Tx) (err error) {
			ds, err = tx.FindDeliveries(context.Background(), e.account, inbox.DeliveryFilter{Limit: 10 * n})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, d := range ds {
			if d.State == inbox.WebhookDelivered {
				done++
			}
		}
		if len(ds) == n && done == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries, %d delivered, want %d delivered", len(ds), done, n)
		}
	}
	for _, d := range ds {
		if d.Attempts != 1 {
			t.Fatalf("delivery %d (event %d) took %d attempts with both nodes healthy, want 1", d.ID, d.EventSeq, d.Attempts)
		}
	}
}
