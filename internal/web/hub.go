package web

import (
	"context"
	"log/slog"
	"sync"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/events"
)

// hub hands the outbox tail's events to this node's event streams. It holds
// one subscription for all of them (internal/events asks for one per
// consumer, not per connection) and runs only while a stream is open. Each
// stream gets its account's events in a bounded queue; a stream that falls
// behind loses its queue and catches up from the database instead, so a
// slow browser never holds the hub or the others.
type hub struct {
	tail *events.Tail
	log  *slog.Logger

	mu      sync.Mutex
	streams map[int64]map[*stream]struct{} // by account
	count   int
	gen     int // the running loop's generation
	cancel  context.CancelFunc
}

// streamQueue bounds a stream's queue of undelivered events.
const streamQueue = 512

// stream is one open event stream's queue.
type stream struct {
	account int64
	wake    chan struct{} // has a value when the queue changed

	mu    sync.Mutex
	queue []*inbox.Event
	lost  bool // the queue overflowed: what it held must be read again
}

func newHub(tail *events.Tail, log *slog.Logger) *hub {
	return &hub{tail: tail, log: log, streams: map[int64]map[*stream]struct{}{}}
}

// join registers a stream for an account's events from now on. The caller
// then reads what it missed before (events.Tail.History) and drops what the
// queue repeats of it: everything the hub has not dispatched yet when the
// stream joins reaches its queue, and everything it has is in the
// database already.
func (h *hub) join(ctx context.Context, account int64) (*stream, error) {
	select {
	case <-h.tail.Ready():
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s := &stream{account: account, wake: make(chan struct{}, 1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.count == 0 {
		runCtx, cancel := context.WithCancel(context.Background())
		h.cancel = cancel
		h.gen++
		// Subscribed here, under the lock, so that no event after the head
		// escapes both the database read and the queue.
		go h.run(runCtx, h.gen, h.tail.Subscribe(h.tail.Head(), events.Filter{}))
	}
	if h.streams[account] == nil {
		h.streams[account] = map[*stream]struct{}{}
	}
	h.streams[account][s] = struct{}{}
	h.count++
	return s, nil
}

// leave unregisters a stream; the last one stops the hub's loop.
func (h *hub) leave(s *stream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.streams[s.account][s]; !ok {
		return
	}
	delete(h.streams[s.account], s)
	if len(h.streams[s.account]) == 0 {
		delete(h.streams, s.account)
	}
	if h.count--; h.count == 0 {
		h.cancel()
		h.cancel = nil
	}
}

// run dispatches events to the streams until ctx ends.
func (h *hub) run(ctx context.Context, gen int, sub *events.Subscription) {
	for {
		evs, err := sub.Next(ctx, 500)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			// The database failed, or (far behind the head) retention
			// pruned the events: start again at the head and let every
			// stream catch up itself, after a pause that keeps a database
			// outage from spinning this loop.
			h.log.Warn("web: event stream hub restarts at the head", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(h.tail.Poll()):
			}
			h.mu.Lock()
			for _, ss := range h.streams {
				for s := range ss {
					s.overflow()
				}
			}
			sub = h.tail.Subscribe(h.tail.Head(), events.Filter{})
			h.mu.Unlock()
			continue
		}
		h.mu.Lock()
		if h.gen != gen {
			h.mu.Unlock()
			return
		}
		for _, e := range evs {
			for s := range h.streams[e.AccountID] {
				s.push(e)
			}
		}
		h.mu.Unlock()
	}
}

func (s *stream) push(e *inbox.Event) {
	s.mu.Lock()
	if !s.lost {
		if len(s.queue) < streamQueue {
			s.queue = append(s.queue, e)
		} else {
			s.queue, s.lost = nil, true
		}
	}
	s.mu.Unlock()
	s.signal()
}

func (s *stream) overflow() {
	s.mu.Lock()
	s.queue, s.lost = nil, true
	s.mu.Unlock()
	s.signal()
}

func (s *stream) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// take empties the queue; lost reports that events were dropped since the
// last take and must be read from the database.
func (s *stream) take() (evs []*inbox.Event, lost bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	evs, lost = s.queue, s.lost
	s.queue, s.lost = nil, false
	return evs, lost
}
