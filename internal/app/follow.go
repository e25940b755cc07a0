package app

import (
	"context"
	"errors"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/events"
)

// Follow keeps the app's caches in step with the outbox until ctx ends:
// when any node revokes a token (EventAccessRevoked), this node drops the
// account's cached principals as soon as its tail reads the event, instead
// of serving them until the cache entry expires. Run it beside the tail.
func (a *App) Follow(ctx context.Context, tail *events.Tail) error {
	select {
	case <-tail.Ready():
	case <-ctx.Done():
		return ctx.Err()
	}
	sub := tail.Subscribe(tail.Head(), events.Filter{Types: []string{inbox.EventAccessRevoked}})
	for {
		evs, err := sub.Next(ctx, 100)
		if errors.Is(err, events.ErrPruned) {
			// Far behind (the node was stalled for the retention window):
			// whatever was revoked meanwhile, forget everything.
			a.auth.forgetAll()
			sub = tail.Subscribe(tail.Head(), events.Filter{Types: []string{inbox.EventAccessRevoked}})
			continue
		} else if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			a.log.Warn("auth cache: reading the outbox failed", "error", err)
			if !pause(ctx, tail.Poll()) {
				return ctx.Err()
			}
			continue
		}
		for _, e := range evs {
			a.auth.forgetAccount(e.AccountID)
		}
	}
}

// pause waits d, or less when ctx ends first (then it returns false).
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
