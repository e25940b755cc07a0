package main

import (
	"context"
	"sync"

	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/events"
	"github.com/inboxd/inbox/internal/realtime"
)

// background is what a serving node runs beside its HTTP server: the
// outbox tail and the consumers it feeds.
type background struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startBackground creates the outbox tail (Main.Events) and starts it with
// its consumers: the token cache, the realtime hub (Main.Realtime). Handlers that consume events (realtime) are built after
// it, so they can be given the tail.
func (m *Main) startBackground() {
	ctx, cancel := context.WithCancel(context.Background())
	m.bg = &background{cancel: cancel}
	m.Events = events.New(events.Deps{
		Source:   app.NewSystem(m.App),
		Sequence: m.Store.Engine() == "postgres",
		Wake:     m.Store.Changes(ctx),
		Logger:   m.Logger,
	})
	m.Realtime = realtime.New(realtime.Deps{App: m.App, Outbox: realtime.NewOutbox(m.Events, app.NewSystem(m.App)),
		Logger: m.Logger, BaseURL: m.Config.BaseURL, Limits: realtime.Limits{MaxConnections: m.Config.RealtimeLimit()}})
	m.bg.run(func() { m.Events.Run(ctx) })
	m.bg.run(func() { m.App.Follow(ctx, m.Events) })
	m.bg.run(func() { m.Realtime.Run(ctx) })
}

func (b *background) run(fn func()) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		fn()
	}()
}

// stopBackground stops the tail and its consumers and waits for them.
func (m *Main) stopBackground() {
	if m.bg == nil {
		return
	}
	m.bg.cancel()
	m.bg.wg.Wait()
	m.bg = nil
}
