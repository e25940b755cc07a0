package events

import (
	"context"

	inbox "github.com/inboxd/inbox"
)

// Filter selects the events a subscription receives. The zero Filter
// receives every event of every account.
type Filter struct {
	// AccountID, when not 0, keeps one account's events (and lets a lagging
	// subscription page through that account's index).
	AccountID int64
	// Types, when not empty, keeps events of these types only.
	Types []string
}

func (f Filter) match(e *inbox.Event) bool {
	if f.AccountID != 0 && e.AccountID != f.AccountID {
		return false
	}
	if len(f.Types) == 0 {
		return true
	}
	for _, t := range f.Types {
		if e.Type == t {
			return true
		}
	}
	return false
}

// Subscription is a consumer's position in the outbox. It holds no
// resources of the tail: drop it when done. It is not safe for concurrent
// use.
type Subscription struct {
	t      *Tail
	pos    int64
	filter Filter
	// paged are events read from the database, not yet handed out.
	paged []*inbox.Event
}

// Subscribe returns a subscription to every event matching f placed after
// position from: 0 for everything still retained, Head() for what comes
// next, or a position the consumer saved.
func (t *Tail) Subscribe(from int64, f Filter) *Subscription {
	return &Subscription{t: t, pos: from, filter: f}
}

// Position is the position of the last event Next handed out (or skipped as
// not matching): resume from it.
func (s *Subscription) Position() int64 { return s.pos }

// Next returns the next events after the subscription's position, in order,
// at most limit (1 when limit ≤ 0), waiting until there is at least one. It
// returns ctx's error when ctx ends, and ErrPruned when the events after the
// position were removed by retention.
func (s *Subscription) Next(ctx context.Context, limit int) ([]*inbox.Event, error) {
	limit = max(limit, 1)
	for {
		var out []*inbox.Event
		for len(s.paged) > 0 && len(out) < limit {
			e := s.paged[0]
			s.paged = s.paged[1:]
			s.pos = e.Seq
			if s.filter.match(e) {
				out = append(out, e)
			}
		}
		if len(out) > 0 {
			return out, nil
		}
		wait, behind := s.fromWindow(limit, &out)
		if len(out) > 0 {
			return out, nil
		}
		if behind {
			if err := s.page(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if wait != nil {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-wait:
			}
		}
	}
}

// fromWindow hands out what the in-memory window holds after the position.
// It returns a channel to wait on when the subscription is at the head, or
// behind=true when the window no longer reaches back to the position.
func (s *Subscription) fromWindow(limit int, out *[]*inbox.Event) (wait <-chan struct{}, behind bool) {
	t := s.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if s.pos >= t.head {
		return t.changed, false
	}
	if s.pos < t.floor {
		return nil, true
	}
	// The window holds every event after floor; find the first after pos.
	lo, hi := 0, t.n
	for lo < hi {
		mid := (lo + hi) / 2
		if t.ring[(t.start+mid)%len(t.ring)].Seq <= s.pos {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	for i := lo; i < t.n && len(*out) < limit; i++ {
		e := t.ring[(t.start+i)%len(t.ring)]
		s.pos = e.Seq
		if s.filter.match(e) {
			*out = append(*out, e)
		}
	}
	return nil, false
}

// page reads the next page after the position from the database.
func (s *Subscription) page(ctx context.Context) error {
	// Every event up to the tail's head was visible before this read.
	head := s.t.Head()
	var evs []*inbox.Event
	var err error
	if s.filter.AccountID != 0 {
		evs, err = s.t.src.AccountEventsAfter(ctx, s.filter.AccountID, s.pos, pageSize)
	} else {
		evs, err = s.t.src.EventsAfter(ctx, s.pos, pageSize)
	}
	if err != nil {
		return err
	}
	if err := s.t.checkPruned(ctx, s.pos); err != nil {
		return err
	}
	if len(evs) == 0 {
		// Nothing in the database after pos (an account with no newer
		// event): everything up to the head read before is consumed.
		s.pos = max(s.pos, head)
		return nil
	}
	s.paged = evs
	return nil
}
