package events

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	inbox "github.com/inboxd/inbox"
)

// ErrPruned says that events after a position were removed by retention:
// the consumer cannot catch up from there and must start over.
var ErrPruned = errors.New("events after this position are older than the retention window")

// Source is the outbox as the tail reads it (app.System implements it).
type Source interface {
	// SequenceEvents places up to limit committed events in the outbox
	// order and returns how many it placed (PostgreSQL; see the package
	// comment).
	SequenceEvents(ctx context.Context, limit int) (int, error)
	// EventsAfter lists the events of every account after a position, in
	// order.
	EventsAfter(ctx context.Context, after int64, limit int) ([]*inbox.Event, error)
	// AccountEventsAfter lists one account's events after a position, in
	// order.
	AccountEventsAfter(ctx context.Context, accountID, after int64, limit int) ([]*inbox.Event, error)
	// EventPositions returns the newest position given and the newest one
	// removed by retention.
	EventPositions(ctx context.Context) (head, pruned int64, err error)
}

// Deps configure a Tail.
type Deps struct {
	Source Source
	// Sequence runs a sequencing pass before each read: true on
	// PostgreSQL, false on SQLite (whose ids are already in order).
	Sequence bool
	// Wake receives a value when new events may have committed
	// (sqlstore.Store.Changes). nil: the tail only polls.
	Wake <-chan struct{}
	// Poll is how often the tail reads without being woken (250 ms).
	Poll time.Duration
	// Window is how many recent events are kept in memory (4,096).
	Window int
	Logger *slog.Logger
}

// pageSize is how many events one database read returns.
const pageSize = 500

// sequenceBatch is how many events one sequencing transaction places.
const sequenceBatch = 1000

// Tail reads the outbox and serves its subscriptions. Create one per
// process with New and run it with Run.
type Tail struct {
	src      Source
	sequence bool
	wake     <-chan struct{}
	poll     time.Duration
	log      *slog.Logger

	mu sync.Mutex
	// ring holds the newest events in order: ring[(start+i)%len(ring)] for
	// i < n. Every event with floor < Seq <= head is in it.
	ring     []*inbox.Event
	start, n int
	floor    int64
	head     int64
	// changed is closed (and replaced) whenever head moves.
	changed chan struct{}
	ready   chan struct{}
	// lastRead is when the last read of the outbox succeeded.
	lastRead time.Time
}

// New returns a tail; it reads nothing before Run.
func New(d Deps) *Tail {
	t := &Tail{src: d.Source, sequence: d.Sequence, wake: d.Wake, poll: d.Poll, log: d.Logger,
		changed: make(chan struct{}), ready: make(chan struct{})}
	if t.poll <= 0 {
		t.poll = 250 * time.Millisecond
	}
	if d.Window <= 0 {
		d.Window = 4096
	}
	t.ring = make([]*inbox.Event, d.Window)
	if t.log == nil {
		t.log = slog.Default()
	}
	return t
}

// Run tails the outbox until ctx ends. It starts at the newest position
// (earlier events are read from the database by the subscriptions that want
// them) and returns ctx's error.
func (t *Tail) Run(ctx context.Context) error {
	for {
		head, _, err := t.src.EventPositions(ctx)
		if err == nil {
			t.mu.Lock()
			t.head, t.floor, t.lastRead = head, head, time.Now()
			t.broadcast()
			t.mu.Unlock()
			close(t.ready)
			break
		}
		t.log.Warn("events: cannot read the outbox position", "error", err)
		if !sleep(ctx, t.poll) {
			return ctx.Err()
		}
	}
	timer := time.NewTimer(t.poll)
	defer timer.Stop()
	for {
		t.step(ctx)
		timer.Reset(t.poll)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.wake:
		case <-timer.C:
		}
	}
}

// step sequences what committed and reads everything new.
func (t *Tail) step(ctx context.Context) {
	if t.sequence {
		for {
			n, err := t.src.SequenceEvents(ctx, sequenceBatch)
			if err != nil {
				if ctx.Err() == nil {
					t.log.Warn("events: sequencing failed", "error", err)
				}
				break
			}
			if n < sequenceBatch {
				break
			}
		}
	}
	for {
		t.mu.Lock()
		head := t.head
		t.mu.Unlock()
		evs, err := t.src.EventsAfter(ctx, head, pageSize)
		if err != nil {
			if ctx.Err() == nil {
				t.log.Warn("events: reading the outbox failed", "error", err)
			}
			return
		}
		t.append(evs)
		if len(evs) < pageSize {
			return
		}
	}
}

// append adds events read after head to the window.
func (t *Tail) append(evs []*inbox.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastRead = time.Now()
	moved := false
	for _, e := range evs {
		if e.Seq <= t.head {
			continue
		}
		if t.n == len(t.ring) {
			t.floor = t.ring[t.start].Seq
			t.ring[t.start] = nil
			t.start = (t.start + 1) % len(t.ring)
			t.n--
		}
		t.ring[(t.start+t.n)%len(t.ring)] = e
		t.n++
		t.head = e.Seq
		moved = true
	}
	if moved {
		t.broadcast()
	}
}

// broadcast wakes every waiting subscription; t.mu is held.
func (t *Tail) broadcast() {
	close(t.changed)
	t.changed = make(chan struct{})
}

// Ready is closed once the tail knows the newest position (Head).
func (t *Tail) Ready() <-chan struct{} { return t.ready }

// Head returns the newest position this node has read (0 before Ready).
func (t *Tail) Head() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.head
}

// LastRead returns when the tail last read the outbox successfully (zero
// before the first read): a cache that relies on the tail for
// invalidation can tell when the tail is not keeping up.
func (t *Tail) LastRead() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lastRead
}

// Poll returns the tail's polling interval.
func (t *Tail) Poll() time.Duration { return t.poll }

// History returns an account's events after a position, oldest first, at
// most limit (500 when limit ≤ 0), read from the database. It answers
// ErrPruned when events after the position were removed by retention.
func (t *Tail) History(ctx context.Context, accountID, after int64, limit int) ([]*inbox.Event, error) {
	if limit <= 0 {
		limit = pageSize
	}
	evs, err := t.src.AccountEventsAfter(ctx, accountID, after, limit)
	if err != nil {
		return nil, err
	}
	if err := t.checkPruned(ctx, after); err != nil {
		return nil, err
	}
	return evs, nil
}

// checkPruned answers ErrPruned when retention removed events after pos.
// Called after a read: retention only ever moves forward, so if it is not
// past pos now, nothing the read should have returned was missing.
func (t *Tail) checkPruned(ctx context.Context, pos int64) error {
	_, pruned, err := t.src.EventPositions(ctx)
	if err != nil {
		return err
	}
	if pruned > pos {
		return ErrPruned
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}
