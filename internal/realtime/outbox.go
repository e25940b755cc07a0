package realtime

import (
	"context"
	"errors"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/events"
)

// NewOutbox returns the Outbox of a node: its outbox tail, and the outbox's
// history through the background use cases.
func NewOutbox(tail *events.Tail, sys *app.System) Outbox { return &outbox{tail: tail, sys: sys} }

type outbox struct {
	tail *events.Tail
	sys  *app.System
}

// Follow subscribes once for the whole node: the hub routes each event to
// its clients itself.
func (o *outbox) Follow(ctx context.Context, after int64, fn func([]*inbox.Event)) error {
	sub := o.tail.Subscribe(after, events.Filter{})
	for {
		batch, err := sub.Next(ctx, 500)
		if errors.Is(err, events.ErrPruned) {
			// The node stalled past the retention window: its clients
			// catch up (or learn they cannot) when they reconnect.
			sub = o.tail.Subscribe(o.tail.Head(), events.Filter{})
			continue
		} else if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(o.tail.Poll()):
			}
			continue
		}
		fn(batch)
	}
}

func (o *outbox) Head(ctx context.Context) (int64, error) {
	select {
	case <-o.tail.Ready():
		return o.tail.Head(), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (o *outbox) Placed(ctx context.Context) (int64, error) {
	head, _, err := o.sys.EventPositions(ctx)
	return head, err
}

func (o *outbox) History(ctx context.Context, accountID, after int64, limit int) ([]*inbox.Event, error) {
	evs, err := o.tail.History(ctx, accountID, after, limit)
	if errors.Is(err, events.ErrPruned) {
		return nil, ErrHistoryGone
	}
	return evs, err
}

// HistorySince reads by time, then checks that retention has not removed
// events of that time: the oldest event retained must be older than since.
func (o *outbox) HistorySince(ctx context.Context, accountID int64, since time.Time, limit int) ([]*inbox.Event, error) {
	evs, err := o.sys.AccountEventsSince(ctx, accountID, since, limit)
	if err != nil {
		return nil, err
	}
	_, pruned, err := o.sys.EventPositions(ctx)
	if err != nil || pruned == 0 {
		return evs, err
	}
	oldest, err := o.sys.EventsAfter(ctx, pruned, 1)
	if err != nil {
		return nil, err
	}
	if len(oldest) == 0 || oldest[0].CreatedAt.After(since) {
		return nil, ErrHistoryGone
	}
	return evs, nil
}

func (o *outbox) Epoch(ctx context.Context) (string, error) { return o.sys.OutboxEpoch(ctx) }
