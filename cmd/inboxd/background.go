package main

import (
	"context"
	"sync"
	"time"

	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/events"
	"github.com/inboxd/inbox/internal/realtime"
	"github.com/inboxd/inbox/internal/webhook"
)

// background is what a serving node runs beside its HTTP server: the
// outbox tail, the consumers it feeds and retention.
type background struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startBackground creates the outbox tail (Main.Events) and starts it with
// its consumers: the token cache, the realtime hub (Main.Realtime), webhook
// delivery and retention. Handlers that consume events (realtime) are built
// after it, so they can be given the tail.
func (m *Main) startBackground() {
	ctx, cancel := context.WithCancel(context.Background())
	m.bg = &background{cancel: cancel}
	sys := app.NewSystem(m.App)
	m.Events = events.New(events.Deps{
		Source:   sys,
		Sequence: m.Store.Engine() == "postgres",
		Wake:     m.Store.Changes(ctx),
		Logger:   m.Logger,
	})
	m.Realtime = realtime.New(realtime.Deps{App: m.App, Outbox: realtime.NewOutbox(m.Events, sys),
		Logger: m.Logger, BaseURL: m.Config.BaseURL, Limits: realtime.Limits{MaxConnections: m.Config.RealtimeLimit()}})
	base := m.Config.BaseURL
	if base == "" {
		base = "http://" + m.Addr()
	}
	hooks := webhook.New(webhook.Deps{App: m.App, System: sys, Tail: m.Events, BaseURL: base,
		AllowPrivate: m.Config.WebhookAllowPrivate, Logger: m.Logger, SoleNode: m.Store.Engine() == "sqlite"})
	retention := app.DefaultRetention()
	retention.Events = m.Config.EventRetention
	m.bg.run(func() { m.Events.Run(ctx) })
	m.bg.run(func() { m.App.Follow(ctx, m.Events) })
	m.bg.run(func() { m.Realtime.Run(ctx) })
	m.bg.run(func() { hooks.Run(ctx) })
	m.bg.run(func() { m.prune(ctx, sys, retention) })
}

func (b *background) run(fn func()) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		fn()
	}()
}

// prune applies retention every minute, in batches of 500 rows with a
// pause between them, so writes go on meanwhile.
func (m *Main) prune(ctx context.Context, sys *app.System, r app.Retention) {
	for {
		var total app.Pruned
		for ctx.Err() == nil {
			p, err := sys.Prune(ctx, r, 500)
			if err != nil {
				if ctx.Err() == nil {
					m.Logger.Warn("retention: pruning failed", "error", err)
				}
				break
			}
			total.Events += p.Events
			total.IdempotencyKeys += p.IdempotencyKeys
			total.Deliveries += p.Deliveries
			total.Tombstones += p.Tombstones
			if p.Total() == 0 || !wait(ctx, 50*time.Millisecond) {
				break
			}
		}
		if total.Total() > 0 {
			m.Logger.Info("retention: pruned", "events", total.Events, "idempotency_keys", total.IdempotencyKeys,
				"deliveries", total.Deliveries, "tombstones", total.Tombstones)
		}
		if !wait(ctx, time.Minute) {
			return
		}
	}
}

func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// stopBackground stops the tail and its consumers and waits for them
// (webhook requests in flight finish first, within their 10 s timeout).
func (m *Main) stopBackground() {
	if m.bg == nil {
		return
	}
	m.bg.cancel()
	m.bg.wg.Wait()
	m.bg = nil
}
