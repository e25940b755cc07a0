package realtime

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/inboxd/inbox/internal/httpx"
	"github.com/inboxd/inbox/internal/metrics"
)

// ActionCable's subprotocols: Rails' own and AnyCable's extended one (the
// same messages, plus stream positions on broadcasts and the history
// command). A client that offers both gets the extended one.
const (
	protocolV1    = "actioncable-v1-json"
	protocolV1Ext = "actioncable-v1-ext-json"
)

// Bounds of what a client sends.
const (
	maxCommandBytes         = 16 << 10
	maxSubscriptionsPerConn = 16
)

// Disconnect reasons (ActionCable's, and one of ours).
const (
	reasonServerRestart = "server_restart"
	reasonSlowConsumer  = "slow_consumer"
	reasonUnauthorized  = "unauthorized"
	// reasonResync: events could not be rendered; the client reconnects and
	// asks for them.
	reasonResync = "resync"
)

// Cable serves /cable: ActionCable over WebSocket. Connections are not
// authenticated (as Chatwoot's are not); each RoomChannel subscription is,
// by its pubsub_token.
func (h *Hub) Cable() http.Handler { return http.HandlerFunc(h.serveCable) }

// cableConn is one /cable connection.
type cableConn struct {
	hub  *Hub
	ws   *websocket.Conn
	ext  bool
	base string
	q    *queue

	ctx    context.Context // ends when the connection closes
	cancel context.CancelFunc

	writing atomic.Bool // a goroutine is writing the queue

	mu   sync.Mutex
	subs map[string]*subscription
}

func (h *Hub) serveCable(w http.ResponseWriter, r *http.Request) {
	c := &cableConn{hub: h, base: httpx.BaseURL(h.base, r), q: newQueue(h.limits.QueueFrames, h.limits.QueueBytes),
		subs: map[string]*subscription{}}
	if !h.open() {
		metrics.RealtimeDropped("cable", "full")
		w.Header().Set("Retry-After", "5")
		http.Error(w, "This server has too many connections; try again later.", http.StatusServiceUnavailable)
		return
	}
	// The server's read and write timeouts are for requests; a WebSocket
	// lives on after its upgrade.
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols: []string{protocolV1Ext, protocolV1},
		// Subscriptions are authorised by the token they carry, never by
		// cookies, so a page of another origin gains nothing from
		// connecting: any origin may (as Chatwoot's dashboard may live on
		// another host than its API).
		InsecureSkipVerify: true,
		// Per-connection compression state costs far more memory than the
		// small JSON frames save.
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		h.release()
		return // Accept answered the client
	}
	c.ws = ws
	c.ext = ws.Subprotocol() == protocolV1Ext
	ws.SetReadLimit(maxCommandBytes)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if !h.track(c) {
		c.disconnect(reasonServerRestart, true)
		h.release()
		return
	}
	// The connection outlives this handler on a goroutine of its own: the
	// handler's goroutine grew its stack serving the request, and a
	// goroutine keeps its stack, which would cost every idle connection
	// tens of kilobytes.
	go c.read()
}

// read reads the client's commands until the connection closes.
func (c *cableConn) read() {
	defer metrics.RealtimeConnected("cable")()
	defer c.hub.release()
	defer c.hub.untrack(c)
	defer c.closeNow()
	defer c.unsubscribeAll()
	c.send([]byte(`{"type":"welcome"}`))
	for {
		typ, data, err := c.ws.Read(c.ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			continue
		}
		// Commands read the database and render JSON, which needs a deep
		// stack: they run on a goroutine that ends with them, so that the
		// reader's stays small.
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.handle(data)
		}()
		<-done
	}
}

// command is a message from the client.
type command struct {
	Command    string          `json:"command"`
	Identifier string          `json:"identifier"`
	Data       string          `json:"data"`
	History    *historyRequest `json:"history"`
}

// handle runs one command. Malformed commands are ignored, as ActionCable
// logs and ignores them; the connection stays up.
func (c *cableConn) handle(data []byte) {
	var cmd command
	if json.Unmarshal(data, &cmd) != nil {
		return
	}
	switch cmd.Command {
	case "subscribe":
		c.subscribe(cmd)
	case "unsubscribe":
		c.unsubscribe(cmd.Identifier)
	case "history":
		c.mu.Lock()
		s := c.subs[cmd.Identifier]
		c.mu.Unlock()
		if s != nil && cmd.History != nil {
			s.catchUp(cmd.History)
		} else {
			c.send(typed(cmd.Identifier, "reject_history"))
		}
	case "message":
		// RoomChannel's one action is update_presence, which Chatwoot's
		// dashboard performs every 20 s. inboxd does not track presence
		// (agents show the availability they chose), so there is nothing
		// to do; any other action is unknown to the channel and ignored.
	}
	// "pong" (AnyCable's extended protocol) needs no answer: any frame
	// from the client shows it is alive.
}

func (c *cableConn) unsubscribe(identifier string) {
	c.mu.Lock()
	s := c.subs[identifier]
	delete(c.subs, identifier)
	c.mu.Unlock()
	if s != nil {
		c.hub.leave(s)
	}
}

func (c *cableConn) unsubscribeAll() {
	c.mu.Lock()
	subs := c.subs
	c.subs = map[string]*subscription{}
	c.mu.Unlock()
	for _, s := range subs {
		c.hub.leave(s)
	}
}

// send queues a frame; a client whose queue overflows is disconnected.
func (c *cableConn) send(frame []byte) {
	c.q.push(frame)
	c.kick()
}

// kick starts a writer unless one runs. Idle connections have none, so
// they hold no goroutine but their reader.
func (c *cableConn) kick() {
	if c.writing.CompareAndSwap(false, true) {
		go c.write()
	}
}

// write writes queued frames until the queue is empty.
func (c *cableConn) write() {
	for {
		frames, overflow := c.q.take()
		if overflow {
			c.disconnect(reasonSlowConsumer, true)
			return
		}
		if len(frames) == 0 {
			c.writing.Store(false)
			// A frame queued between take and Store found a writer
			// running and did not start one: look again.
			if c.q.empty() || !c.writing.CompareAndSwap(false, true) {
				return
			}
			continue
		}
		for _, f := range frames {
			if !c.writeFrame(f) {
				c.closeNow()
				return
			}
		}
		c.q.drained()
	}
}

func (c *cableConn) writeFrame(f []byte) bool {
	ctx, cancel := context.WithTimeout(c.ctx, c.hub.limits.WriteTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, f) == nil
}

// disconnect tells the client why the server closes the connection, then
// closes it. The queue's frames are dropped.
func (c *cableConn) disconnect(reason string, reconnect bool) {
	metrics.RealtimeDropped("cable", reason)
	c.q.close()
	frame := []byte(`{"type":"disconnect","reason":` + strconv.Quote(reason) + `,"reconnect":` + strconv.FormatBool(reconnect) + `}`)
	ctx, cancel := context.WithTimeout(c.ctx, time.Second)
	defer cancel()
	c.ws.Write(ctx, websocket.MessageText, frame)
	// No closing handshake: the client reconnects on the disconnect frame
	// or on the closed socket alike, and a slow client would hold it.
	c.closeNow()
}

func (c *cableConn) closeNow() {
	c.q.close()
	if c.cancel != nil {
		c.cancel()
	}
	if c.ws != nil {
		c.ws.CloseNow()
	}
}

func (c *cableConn) ping(frame []byte, _ int) { c.send(frame) }

func (c *cableConn) shutdown() {
	// Wait for the writer, so the disconnect frame follows what it writes.
	// A writer that failed leaves the flag set: the connection is closed
	// already.
	for !c.writing.CompareAndSwap(false, true) {
		if c.ctx.Err() != nil {
			return
		}
		time.Sleep(time.Millisecond)
	}
	c.disconnect(reasonServerRestart, true)
}

// typed is a protocol message about a subscription.
func typed(identifier, typ string) []byte {
	b, _ := json.Marshal(struct {
		Identifier string `json:"identifier"`
		Type       string `json:"type"`
	}{identifier, typ})
	return b
}
