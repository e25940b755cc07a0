package app

import (
	"context"
	"time"

	inbox "github.com/inboxd/inbox"
)

// System holds the use cases inboxd runs for itself, in the background and
// across accounts: reading the outbox (internal/events), fanning events out
// to webhooks and delivering them (internal/webhook), retention. Like Admin
// it is a type of its own, so that no HTTP handler reaches it.
type System struct {
	app *App
}

// NewSystem returns the background use cases over a's store.
func NewSystem(a *App) *System { return &System{app: a} }

// SequenceEvents places up to limit committed events in the outbox order
// (see internal/events) and returns how many it placed.
func (s *System) SequenceEvents(ctx context.Context, limit int) (int, error) {
	var n int
	err := s.app.store.Update(ctx, func(tx inbox.Tx) (err error) {
		n, err = tx.SequenceEvents(ctx, limit)
		return err
	})
	return n, err
}

// EventsAfter lists the events of every account after a position, in
// outbox order.
func (s *System) EventsAfter(ctx context.Context, after int64, limit int) ([]*inbox.Event, error) {
	var evs []*inbox.Event
	err := s.app.store.View(ctx, func(tx inbox.Tx) (err error) {
		evs, err = tx.FindEventsAfter(ctx, after, limit)
		return err
	})
	return evs, err
}

// AccountEventsAfter lists an account's events after a position, in outbox
// order.
func (s *System) AccountEventsAfter(ctx context.Context, accountID, after int64, limit int) ([]*inbox.Event, error) {
	var evs []*inbox.Event
	err := s.app.store.View(ctx, func(tx inbox.Tx) (err error) {
		evs, err = tx.FindAccountEventsAfter(ctx, accountID, after, limit)
		return err
	})
	return evs, err
}

// EventPositions returns the newest position given and the newest one
// removed by retention.
func (s *System) EventPositions(ctx context.Context) (head, pruned int64, err error) {
	err = s.app.store.View(ctx, func(tx inbox.Tx) (err error) {
		head, pruned, err = tx.EventPositions(ctx)
		return err
	})
	return head, pruned, err
}

// Retention is how long inboxd keeps what it only keeps for a while.
type Retention struct {
	// Events stay in the outbox this long (INBOXD_EVENT_RETENTION): the
	// window in which realtime clients catch up. An event is kept longer
	// while webhook deliveries have not been made from it.
	Events time.Duration
	// IdempotencyKeys and their stored responses: 24 h.
	IdempotencyKeys time.Duration
	// Deliveries: finished webhook deliveries and attempts, 30 days.
	Deliveries time.Duration
	// Tombstones (ids of deleted records that updated_since reports in
	// meta.deleted_ids): 90 days. A client syncing from an older
	// updated_since no longer learns of deletions before that; it must
	// sync again from scratch.
	Tombstones time.Duration
}

// DefaultRetention is the retention of a default configuration.
func DefaultRetention() Retention {
	return Retention{Events: 7 * 24 * time.Hour, IdempotencyKeys: 24 * time.Hour, Deliveries: 30 * 24 * time.Hour,
		Tombstones: 90 * 24 * time.Hour}
}

// Pruned counts what one Prune removed.
type Pruned struct {
	Events, IdempotencyKeys, Deliveries, Tombstones int
}

// Total is the number of rows removed.
func (p Pruned) Total() int { return p.Events + p.IdempotencyKeys + p.Deliveries + p.Tombstones }

// Prune removes at most batch rows of each kind past its retention, each
// kind in its own short transaction so that writes go on meanwhile. Call it
// again while it removes something.
func (s *System) Prune(ctx context.Context, r Retention, batch int) (Pruned, error) {
	var p Pruned
	steps := []struct {
		n     *int
		keep  time.Duration
		prune func(inbox.Tx, time.Time) (int, error)
	}{
		{&p.Events, r.Events, func(tx inbox.Tx, t time.Time) (int, error) { return tx.PruneEvents(ctx, t, batch) }},
		{&p.IdempotencyKeys, r.IdempotencyKeys, func(tx inbox.Tx, t time.Time) (int, error) {
			return tx.PruneIdempotencyKeys(ctx, t, batch)
		}},
		{&p.Deliveries, r.Deliveries, func(tx inbox.Tx, t time.Time) (int, error) { return tx.PruneDeliveries(ctx, t, batch) }},
		{&p.Tombstones, r.Tombstones, func(tx inbox.Tx, t time.Time) (int, error) { return tx.PruneTombstones(ctx, t, batch) }},
	}
	for _, st := range steps {
		if st.keep <= 0 {
			continue
		}
		err := s.app.store.Update(ctx, func(tx inbox.Tx) (err error) {
			*st.n, err = st.prune(tx, tx.Now().Add(-st.keep))
			return err
		})
		if err != nil {
			return p, err
		}
	}
	return p, nil
}
