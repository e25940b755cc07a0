package realtime

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/api/bookingsync"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/conns"
	"github.com/inboxd/inbox/internal/httpx"
	"github.com/inboxd/inbox/internal/metrics"
)

// The event stream (GET /api/v3/inbox/stream) is Server-Sent Events for an
// OAuth application: each event is the BookingSync webhook body
// (spec/bookingsync-v3.md §11) the application would receive for it, named
// by its webhook event and identified by its place in the outbox:
//
//	id: 1234
//	event: inbox_message_created
//	data: {"account_id":1,"event":"inbox_message_created","resource":{…}}
//
// It carries the events the token's scopes allow (inbox events need
// inbox_read, client events clients_read, …), as webhooks do. A client that
// reconnects sends the last id it saw (EventSource does, in Last-Event-ID)
// and gets what followed from the outbox first. A comment line every 15 s
// keeps proxies from closing a quiet stream.

// streamHeartbeatTicks is how many pings apart stream heartbeats go.
const streamHeartbeatTicks = 5

var heartbeatFrame = []byte(": heartbeat\n\n")

// Stream serves the event stream of the application authenticated on r
// (the BookingSync dialect decoded the request): after, when not nil, is
// the last event id the client saw. It returns an error only before the
// stream starts, for the dialect to answer: EUNAVAILABLE when the node
// holds as many connections as it may, EINVALID on last_event_id when the
// events after it are no longer kept (or it is not an id of this outbox).
// Once the stream started it runs until the client goes, the server
// drains, or the client falls too far behind (it reconnects and resumes).
func (h *Hub) Stream(w http.ResponseWriter, r *http.Request, after *int64) error {
	p := inbox.PrincipalFromContext(r.Context())
	if p == nil || p.Host != nil {
		return inbox.Errorf(inbox.EUNAUTHORIZED, "Invalid Access Token")
	}
	if !h.open() {
		metrics.RealtimeDropped("sse", "full")
		w.Header().Set("Retry-After", "5")
		return inbox.Errorf(inbox.EUNAVAILABLE, "This server has too many open streams; try again later.")
	}
	defer h.release()
	scopes := make([]string, len(p.Scopes))
	for i, sc := range p.Scopes {
		scopes[i] = string(sc)
	}
	slices.Sort(scopes)
	s := &streamConn{hub: h, account: p.AccountID, token: p.TokenID, v: view{stream: true, scopes: strings.Join(scopes, " ")},
		base: httpx.BaseURL(h.base, r), q: newQueue(h.limits.QueueFrames, h.limits.QueueBytes), done: make(chan struct{}),
		replaying: after != nil}
	ctx := r.Context()
	// Join before reading the history: what commits meanwhile waits in
	// pending, and follows the history without a gap.
	h.join(s)
	defer h.leave(s)
	var first []*inbox.Event
	if after != nil {
		if *after > h.Position() {
			// Ahead of this node: another node may have sent it already.
			placed, err := h.outbox.Placed(ctx)
			if err != nil {
				return err
			}
			if *after > placed {
				return &inbox.Error{Code: inbox.EINVALID, Field: "last_event_id", Message: "is not an event id of this server"}
			}
		}
		var err error
		if first, err = h.outbox.History(ctx, p.AccountID, *after, historyPage); errors.Is(err, ErrHistoryGone) {
			return &inbox.Error{Code: inbox.EINVALID, Field: "last_event_id",
				Message: "is older than the events kept: read the current state with updated_since, then stream without it"}
		} else if err != nil {
			return err
		}
		s.last = *after
	}
	if !h.track(s) {
		return inbox.Errorf(inbox.EUNAVAILABLE, "This server is shutting down; try again later.")
	}
	defer h.untrack(s)
	defer metrics.RealtimeConnected("sse")()

	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{})
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream; charset=utf-8")
	hd.Set("Cache-Control", "no-cache")
	// nginx buffers responses unless told not to.
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s.w, s.rc = w, rc
	if !s.write([]byte("retry: 3000\n\n")) {
		return nil
	}
	if after != nil && !s.replay(ctx, first) {
		return nil
	}
	s.mu.Lock()
	pending := s.pending
	s.pending, s.replaying = nil, false
	s.handLocked(pending)
	s.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.done:
			return nil
		case <-conns.Draining(ctx):
			return nil
		case <-s.q.ready:
			frames, overflow := s.q.take()
			if overflow {
				metrics.RealtimeDropped("sse", reasonSlowConsumer)
				return nil
			}
			for _, f := range frames {
				if !s.write(f) {
					return nil
				}
			}
			s.q.drained()
		}
	}
}

// streamConn is one event stream.
type streamConn struct {
	hub     *Hub
	account int64
	token   int64 // the access token's id
	v       view
	base    string
	q       *queue
	done    chan struct{} // closed on shutdown
	once    sync.Once

	w  http.ResponseWriter // written by the handler's goroutine only
	rc *http.ResponseController

	mu        sync.Mutex
	last      int64
	replaying bool
	pending   []*delivery
}

func (s *streamConn) accountID() int64 { return s.account }
func (s *streamConn) baseURL() string  { return s.base }
func (s *streamConn) view() view       { return s.v }
func (s *streamConn) resync()          { s.shutdown() }

// revoked ends the stream when its token may be the one revoked: the client
// reconnects, and is let in again only if its token still works.
func (s *streamConn) revoked(tokenID int64) {
	if tokenID == 0 || tokenID == s.token {
		s.shutdown()
	}
}

func (s *streamConn) deliver(ds []*delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.replaying {
		s.pending = append(s.pending, ds...)
		if len(s.pending) > s.hub.limits.QueueFrames {
			s.pending = nil
			s.q.close()
			s.shutdown()
		}
		return
	}
	s.handLocked(ds)
}

// handLocked queues the frames of deliveries past the last id handed over.
func (s *streamConn) handLocked(ds []*delivery) {
	for _, d := range ds {
		if d.seq <= s.last {
			continue
		}
		s.last = d.seq
		for _, f := range d.stream {
			s.q.push(f)
		}
	}
}

// replay writes the history after the position the client gave, page by
// page, starting with the page already read. It reports false when the
// client went away or the replay was too long (the client resumes from
// where it got to).
func (s *streamConn) replay(ctx context.Context, page []*inbox.Event) bool {
	for sent := 0; ; sent += historyPage {
		if len(page) == 0 {
			return true
		}
		if sent >= maxReplay {
			return false
		}
		ds, err := s.hub.render(ctx, s.account, page, s.v, s.base)
		if err != nil {
			s.hub.log.Error("realtime: replay stream history", "account_id", s.account, "err", err)
			return false
		}
		for _, d := range ds {
			for _, f := range d.stream {
				if !s.write(f) {
					return false
				}
			}
			s.last = d.seq
		}
		if len(page) < historyPage {
			return true
		}
		if page, err = s.hub.outbox.History(ctx, s.account, s.last, historyPage); err != nil {
			return false
		}
	}
}

// write writes and flushes a frame within the write timeout.
func (s *streamConn) write(f []byte) bool {
	s.rc.SetWriteDeadline(time.Now().Add(s.hub.limits.WriteTimeout))
	if _, err := s.w.Write(f); err != nil {
		return false
	}
	return s.rc.Flush() == nil
}

func (s *streamConn) ping(_ []byte, tick int) {
	if tick%streamHeartbeatTicks == 0 {
		s.q.push(heartbeatFrame)
	}
}

// shutdown ends the stream: the client reconnects (to another node) with
// its last id.
func (s *streamConn) shutdown() { s.once.Do(func() { close(s.done) }) }

// streamFrames renders an event as the stream frames of the reader's view:
// the BookingSync webhook bodies of the events its scopes allow.
func streamFrames(l *app.Loader, e *inbox.Event, base string) ([][]byte, error) {
	payloads, err := bookingsync.EncodeEvent(l, e, base)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, p := range payloads {
		if !l.Visibility().Has(inbox.BookingSyncEventScope(p.Name)) {
			continue
		}
		f := make([]byte, 0, len(p.Body)+len(p.Name)+40)
		f = append(f, "id: "...)
		f = strconv.AppendInt(f, e.Seq, 10)
		f = append(f, "\nevent: "...)
		f = append(f, p.Name...)
		f = append(f, "\ndata: "...)
		f = append(f, p.Body...)
		out = append(out, append(f, "\n\n"...))
	}
	return out, nil
}
