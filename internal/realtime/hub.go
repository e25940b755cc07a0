// Package realtime delivers outbox events to connected clients as they
// commit: Chatwoot's ActionCable feed at /cable (RoomChannel, with
// AnyCable's extended protocol for catching up) and BookingSync's Server-
// Sent Events stream at /api/v3/inbox/stream.
//
// One Hub per process follows the outbox tail (internal/events), so every
// node of a cluster sees every event, whichever node wrote it: a client
// connected to any node receives what any node committed. Each event is
// rendered once per account, by the dialect the clients connected through
// (internal/api/chatwoot, internal/api/bookingsync), and handed to the
// clients that may see it (app.Loader.EventAudience, inbox.BookingSyncEventScope).
//
// Nothing is missed across a reconnect: every delivery carries the event's
// place in the outbox (its Seq), and a client that names the last place it
// saw gets what followed from the outbox itself, within the retention
// window.
//
// Everything is bounded: the number of connections per node, the frames
// and bytes queued for each client (a slow consumer is disconnected and
// catches up when it reconnects), and the memory an idle connection holds
// (no goroutine writes for it until there is something to write).
package realtime

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// Outbox is what the hub reads: the live tail and the history behind it.
type Outbox interface {
	// Follow calls fn with the events placed after position after, batch
	// by batch in outbox order, as they are placed, until ctx ends.
	Follow(ctx context.Context, after int64, fn func(batch []*inbox.Event)) error
	// Head returns the position of the newest event this node's tail read:
	// where a node that starts follows from.
	Head(ctx context.Context) (int64, error)
	// Placed returns the position of the newest event placed in the outbox
	// by any node (the database's, ahead of Head while the tail catches
	// up).
	Placed(ctx context.Context) (int64, error)
	// History returns up to limit events of an account placed after a
	// position, in order; ErrHistoryGone when retention removed events
	// after it.
	History(ctx context.Context, accountID, after int64, limit int) ([]*inbox.Event, error)
	// HistorySince returns up to limit events of an account written at or
	// after a time, in order; ErrHistoryGone when retention removed events
	// of that time.
	HistorySince(ctx context.Context, accountID int64, since time.Time, limit int) ([]*inbox.Event, error)
	// Epoch names the outbox's numbering: positions of another epoch (a
	// database restored or replaced) mean nothing in this one.
	Epoch(ctx context.Context) (string, error)
}

// ErrHistoryGone says that events a client asked for were removed by
// retention: it must read the current state through the API instead.
var ErrHistoryGone = errors.New("realtime: the events asked for are older than the retention window")

// Limits bound what a node holds for its clients.
type Limits struct {
	// MaxConnections is the number of /cable and stream connections a node
	// accepts at once; more are refused with 503 (clients retry).
	MaxConnections int
	// QueueFrames and QueueBytes bound what waits to be written to one
	// client; a client that lets more pile up is disconnected.
	QueueFrames int
	QueueBytes  int
	// WriteTimeout bounds one write to a client; a client that takes longer
	// is disconnected.
	WriteTimeout time.Duration
	// PingInterval is ActionCable's ping period (3 s, as Rails; clients
	// reconnect after two missed pings). Stream heartbeats go out every
	// fifth ping.
	PingInterval time.Duration
}

// DefaultLimits are the limits of a node that sets none.
var DefaultLimits = Limits{MaxConnections: 10000, QueueFrames: 512, QueueBytes: 4 << 20,
	WriteTimeout: 10 * time.Second, PingInterval: 3 * time.Second}

// Deps are what a Hub needs.
type Deps struct {
	App    *app.App
	Outbox Outbox
	Logger *slog.Logger
	// BaseURL is the public base URL for attachment links; "" uses the URL
	// of the request each client connected with.
	BaseURL string
	Limits  Limits
}

// Hub follows the outbox and hands events to the clients connected to this
// node.
type Hub struct {
	app    *app.App
	outbox Outbox
	log    *slog.Logger
	base   string
	limits Limits

	conns    atomic.Int64 // open connections
	position atomic.Int64 // the last position dispatched

	mu       sync.Mutex
	accounts map[int64]map[member]struct{}
	all      map[closer]struct{} // every open connection, for pings and shutdown
	closed   bool

	epochMu sync.Mutex
	epoch   string

	started chan struct{} // closed once Run follows the outbox
}

// member is a subscriber of one account's events: a RoomChannel
// subscription or a stream.
type member interface {
	accountID() int64
	// deliver hands over the rendered events of one batch, in order.
	deliver(ds []*delivery)
	// view says how the member reads events.
	view() view
	// resync sends the client away to reconnect and catch up from the
	// outbox, when the hub could not render what it should receive.
	resync()
	// revoked says that access of the account was revoked: the token with
	// that id, or (0) several tokens or users. A member whose access may be
	// gone checks it again, or ends.
	revoked(tokenID int64)
	// baseURL is the base URL of the request the member connected with.
	baseURL() string
}

// closer is an open connection.
type closer interface {
	// ping sends a keep-alive: ActionCable's ping frame (streams send a
	// heartbeat of their own every fifth tick).
	ping(frame []byte, tick int)
	// shutdown tells the client the server is going away, then closes.
	shutdown()
}

// New returns a Hub; Run starts it.
func New(d Deps) *Hub {
	h := &Hub{app: d.App, outbox: d.Outbox, log: d.Logger, base: d.BaseURL, limits: d.Limits,
		accounts: map[int64]map[member]struct{}{}, all: map[closer]struct{}{}, started: make(chan struct{})}
	if h.log == nil {
		h.log = slog.Default()
	}
	def := DefaultLimits
	if h.limits.MaxConnections <= 0 {
		h.limits.MaxConnections = def.MaxConnections
	}
	if h.limits.QueueFrames <= 0 {
		h.limits.QueueFrames = def.QueueFrames
	}
	if h.limits.QueueBytes <= 0 {
		h.limits.QueueBytes = def.QueueBytes
	}
	if h.limits.WriteTimeout <= 0 {
		h.limits.WriteTimeout = def.WriteTimeout
	}
	if h.limits.PingInterval <= 0 {
		h.limits.PingInterval = def.PingInterval
	}
	return h
}

// Run follows the outbox from its head and dispatches every event until ctx
// ends. It also sends the pings.
func (h *Hub) Run(ctx context.Context) error {
	var head int64
	for {
		var err error
		if head, err = h.outbox.Head(ctx); err == nil {
			break
		}
		h.log.Error("realtime: read the outbox head", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	h.position.Store(head)
	close(h.started)
	go h.pings(ctx)
	err := h.outbox.Follow(ctx, head, func(batch []*inbox.Event) { h.dispatch(ctx, batch) })
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// Position returns the last outbox position dispatched.
func (h *Hub) Position() int64 { return h.position.Load() }

// Connections returns the number of open connections.
func (h *Hub) Connections() int { return int(h.conns.Load()) }

// pings sends keep-alives to every connection.
func (h *Hub) pings(ctx context.Context) {
	t := time.NewTicker(h.limits.PingInterval)
	defer t.Stop()
	for tick := 1; ; tick++ {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			frame := strconv.AppendInt([]byte(`{"type":"ping","message":`), now.Unix(), 10)
			frame = append(frame, '}')
			h.mu.Lock()
			cs := make([]closer, 0, len(h.all))
			for c := range h.all {
				cs = append(cs, c)
			}
			h.mu.Unlock()
			for _, c := range cs {
				c.ping(frame, tick)
			}
		}
	}
}

// open counts a new connection before it is accepted; false when the node
// is full or closing.
func (h *Hub) open() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || int(h.conns.Load()) >= h.limits.MaxConnections {
		return false
	}
	h.conns.Add(1)
	return true
}

// track starts pinging an accepted connection and closing it on shutdown;
// false when the hub is shutting down.
func (h *Hub) track(c closer) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.all[c] = struct{}{}
	return true
}

// untrack stops pinging a connection.
func (h *Hub) untrack(c closer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.all, c)
}

// release gives back the place open counted.
func (h *Hub) release() { h.conns.Add(-1) }

// join adds a member to its account's audience.
func (h *Hub) join(m member) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ms := h.accounts[m.accountID()]
	if ms == nil {
		ms = map[member]struct{}{}
		h.accounts[m.accountID()] = ms
	}
	ms[m] = struct{}{}
}

// leave removes a member.
func (h *Hub) leave(m member) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ms := h.accounts[m.accountID()]; ms != nil {
		delete(ms, m)
		if len(ms) == 0 {
			delete(h.accounts, m.accountID())
		}
	}
}

// Shutdown tells every client the server is restarting and closes the
// connections (http.Server.Shutdown does not wait for hijacked ones, and
// waits for streams forever). New connections are refused.
func (h *Hub) Shutdown() {
	h.mu.Lock()
	h.closed = true
	cs := make([]closer, 0, len(h.all))
	for c := range h.all {
		cs = append(cs, c)
	}
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.shutdown()
		}()
	}
	wg.Wait()
}

// epochOf returns the outbox's epoch, read once.
func (h *Hub) epochOf(ctx context.Context) (string, error) {
	h.epochMu.Lock()
	defer h.epochMu.Unlock()
	if h.epoch == "" {
		e, err := h.outbox.Epoch(ctx)
		if err != nil {
			return "", err
		}
		h.epoch = e
	}
	return h.epoch, nil
}
