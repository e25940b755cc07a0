// Package conns guards the HTTP server's connections. It caps how many are
// open, on the node and per client address, making room for a new client
// by closing the oldest connection that is not serving a request (a client
// still sending its headers, or an idle keep-alive connection) rather than
// refusing it; and on shutdown it drains them without cutting a request
// that has been sent.
//
// A Guard is the server's listener. Wire it as
//
//	g := conns.New(ln, limits, logger)
//	srv := &http.Server{Handler: g.Handler(h), ConnState: g.ConnState}
//	go srv.Serve(g)
//	…
//	g.Drain(ctx, grace) // then srv.Shutdown(ctx)
package conns

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Limits are the caps of a Guard. Zero means no cap.
type Limits struct {
	// Max is how many connections the node keeps open at once.
	Max int
	// PerAddr is how many connections one client IP address keeps open.
	PerAddr int
	// Exempt, when set, lifts PerAddr for the addresses it accepts (the
	// reverse proxies every client comes through). Max still applies.
	Exempt func(netip.Addr) bool
}

// Guard is a net.Listener that caps and tracks the connections it accepts.
type Guard struct {
	net.Listener
	lim Limits
	log *slog.Logger

	mu        sync.Mutex
	conns     map[*conn]struct{}
	perAddr   map[netip.Addr]int
	draining  atomic.Bool
	drainOnce sync.Once
	drainCh   chan struct{} // closed when Drain starts

	closeOnce sync.Once
	closeErr  error

	refused, evicted atomic.Int64
	lastLog          atomic.Int64 // unix seconds of the last logCaps line
}

// conn is an accepted connection with the state net/http last reported.
type conn struct {
	net.Conn
	g       *Guard
	addr    netip.Addr
	exempt  bool
	state   http.ConnState // guarded by g.mu
	since   time.Time      // when it entered state; guarded by g.mu
	tracked bool           // counted in g.conns; guarded by g.mu
}

// Close closes the connection and stops counting it.
func (c *conn) Close() error {
	err := c.Conn.Close()
	c.g.mu.Lock()
	c.g.releaseLocked(c)
	c.g.mu.Unlock()
	return err
}

// New returns a Guard accepting from ln.
func New(ln net.Listener, lim Limits, log *slog.Logger) *Guard {
	if log == nil {
		log = slog.Default()
	}
	return &Guard{Listener: ln, lim: lim, log: log, conns: map[*conn]struct{}{}, perAddr: map[netip.Addr]int{},
		drainCh: make(chan struct{})}
}

// Accept returns the next connection within the caps. A connection over a
// cap takes the place of the oldest one not serving a request (of its
// address, for the per-address cap), or is closed at once when every one
// is serving. When the process is out of file descriptors, the oldest such
// connection is closed and accepting goes on at once.
func (g *Guard) Accept() (net.Conn, error) {
	for {
		nc, err := g.Listener.Accept()
		if err != nil {
			if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				if g.evict(func(*conn) bool { return true }) {
					continue
				}
			}
			return nil, err
		}
		c := &conn{Conn: nc, g: g, state: http.StateNew, since: time.Now()}
		if ap, err := netip.ParseAddrPort(nc.RemoteAddr().String()); err == nil {
			c.addr = ap.Addr().Unmap()
		}
		c.exempt = g.lim.Exempt != nil && g.lim.Exempt(c.addr)
		if g.admit(c) {
			return c, nil
		}
		nc.Close()
		g.refused.Add(1)
		g.logCaps()
	}
}

// admit counts c in, making room under the caps; false means c must go.
func (g *Guard) admit(c *conn) bool {
	if g.lim.PerAddr > 0 && !c.exempt && g.count(c.addr) >= g.lim.PerAddr &&
		!g.evict(func(o *conn) bool { return o.addr == c.addr }) {
		return false
	}
	if g.lim.Max > 0 && g.total() >= g.lim.Max && !g.evict(func(*conn) bool { return true }) {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	c.tracked = true
	g.conns[c] = struct{}{}
	g.perAddr[c.addr]++
	return true
}

func (g *Guard) count(a netip.Addr) int { g.mu.Lock(); defer g.mu.Unlock(); return g.perAddr[a] }
func (g *Guard) total() int             { g.mu.Lock(); defer g.mu.Unlock(); return len(g.conns) }

// evict closes the connection that has waited longest without serving a
// request (new or idle) among those match accepts. It reports whether there
// was one.
func (g *Guard) evict(match func(*conn) bool) bool {
	g.mu.Lock()
	var victim *conn
	for c := range g.conns {
		if (c.state == http.StateNew || c.state == http.StateIdle) && match(c) &&
			(victim == nil || c.since.Before(victim.since)) {
			victim = c
		}
	}
	if victim != nil {
		g.releaseLocked(victim)
	}
	g.mu.Unlock()
	if victim == nil {
		return false
	}
	victim.Conn.Close()
	g.evicted.Add(1)
	g.logCaps()
	return true
}

// releaseLocked stops counting c. g.mu is held.
func (g *Guard) releaseLocked(c *conn) {
	if !c.tracked {
		return
	}
	c.tracked = false
	delete(g.conns, c)
	if g.perAddr[c.addr]--; g.perAddr[c.addr] <= 0 {
		delete(g.perAddr, c.addr)
	}
}

// logCaps logs that the caps are biting, at most once a minute, so that a
// flood of connections does not flood the log too.
func (g *Guard) logCaps() {
	now := time.Now().Unix()
	if last := g.lastLog.Load(); now-last >= 60 && g.lastLog.CompareAndSwap(last, now) {
		g.log.Warn("connection cap reached: closing connections that wait for a request, refusing new ones when all are serving",
			"evicted_total", g.evicted.Load(), "refused_total", g.refused.Load(),
			"max_conns", g.lim.Max, "max_conns_per_ip", g.lim.PerAddr)
	}
}

// ConnState is the http.Server ConnState hook that tells the Guard which
// connections are serving a request.
func (g *Guard) ConnState(nc net.Conn, state http.ConnState) {
	c, ok := nc.(*conn)
	if !ok {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	c.state, c.since = state, time.Now()
}

// Close stops accepting. It may be called more than once.
func (g *Guard) Close() error {
	g.closeOnce.Do(func() { g.closeErr = g.Listener.Close() })
	return g.closeErr
}

// Stats are a Guard's counters.
type Stats struct {
	Open, Refused, Evicted int64
}

// Stats returns the open connections and how many were refused or evicted.
func (g *Guard) Stats() Stats {
	return Stats{Open: int64(g.total()), Refused: g.refused.Load(), Evicted: g.evicted.Load()}
}

// Handler wraps the server's handler: once the Guard drains, every response
// asks the client to close its connection (Connection: close), which
// net/http then does after the response, so a client never sends another
// request on a connection that is about to go.
func (g *Guard) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), drainKey{}, (<-chan struct{})(g.drainCh)))
		next.ServeHTTP(&drainWriter{ResponseWriter: w, g: g}, r)
	})
}

type drainKey struct{}

// Draining returns a channel that is closed when the server of ctx's
// request starts to drain. A long-lived response (an event stream) ends
// then: the drain waits for every request in flight. Outside a Guard's
// handler it returns nil, which is never ready.
func Draining(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(drainKey{}).(<-chan struct{})
	return ch
}

// drainWriter adds Connection: close to a response written while draining.
type drainWriter struct {
	http.ResponseWriter
	g     *Guard
	wrote bool
}

func (w *drainWriter) WriteHeader(code int) {
	if !w.wrote && code >= 200 {
		w.wrote = true
		if w.g.draining.Load() {
			w.Header().Set("Connection", "close")
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *drainWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *drainWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Drain stops accepting and waits until no connection serves a request.
// Every response from then on closes its connection; a connection that has
// not started a request for grace (counted from the drain at the earliest)
// is closed, since its client is idle or too slow to be waited for. The
// grace keeps a client that just sent a request on an idle keep-alive
// connection from finding it closed. Connections taken over by a handler
// (hijacked, as WebSockets are) are left to it. Drain returns ctx's error
// if ctx ends first.
func (g *Guard) Drain(ctx context.Context, grace time.Duration) error {
	g.draining.Store(true)
	g.drainOnce.Do(func() { close(g.drainCh) })
	start := time.Now()
	g.Close()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		var stale []*conn
		busy := 0
		now := time.Now()
		g.mu.Lock()
		for c := range g.conns {
			switch c.state {
			case http.StateActive:
				busy++
			case http.StateNew, http.StateIdle:
				if now.Sub(later(c.since, start)) >= grace {
					g.releaseLocked(c)
					stale = append(stale, c)
				} else {
					busy++
				}
			}
		}
		g.mu.Unlock()
		for _, c := range stale {
			c.Conn.Close()
		}
		if busy == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
