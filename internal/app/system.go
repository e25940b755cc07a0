package app

import (
	"context"

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
