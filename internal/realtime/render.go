package realtime

import (
	"context"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/api/chatwoot"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/metrics"
)

// delivery is one event rendered for the members of its account.
type delivery struct {
	seq int64
	// audience and cable: the Chatwoot broadcasts and the hosts that may
	// receive them.
	audience app.Audience
	cable    []chatwoot.Broadcast
	// stream: the BookingSync event, for applications holding scope.
	stream *streamEvent
}

// streamEvent is one BookingSync event of the stream.
type streamEvent struct {
	name  string
	scope inbox.Scope
	body  []byte
}

// render renders events of one account for what its members read, in one
// read transaction. An event nobody may receive renders to an empty
// delivery, which still carries its position.
func (h *Hub) render(ctx context.Context, accountID int64, events []*inbox.Event, rs renderings, base string) ([]*delivery, error) {
	out := make([]*delivery, 0, len(events))
	err := h.app.Load(ctx, app.Visibility{AccountID: accountID}, func(l *app.Loader) error {
		out = out[:0]
		now := time.Now()
		for _, e := range events {
			d := &delivery{seq: e.Seq}
			out = append(out, d)
			if rs.cable {
				au, err := l.EventAudience(e)
				if err != nil {
					return err
				}
				if len(au.Hosts) > 0 {
					if d.cable, err = chatwoot.RealtimeEvents(l, e, base, now); err != nil {
						return err
					}
					d.audience = au
				}
			}
			if rs.stream {
				se, err := renderStream(l, e, base)
				if err != nil {
					return err
				}
				d.stream = se
			}
		}
		return nil
	})
	return out, err
}

// dispatch renders a batch of the tail and hands it to the members of each
// account it touches. A batch that fails to render is tried again a few
// times; past that its events are logged and skipped, and the clients that
// missed them get them when they next ask for their history.
func (h *Hub) dispatch(ctx context.Context, batch []*inbox.Event) {
	if len(batch) == 0 {
		return
	}
	byAccount := map[int64][]*inbox.Event{}
	var order []int64
	for _, e := range batch {
		if _, ok := byAccount[e.AccountID]; !ok {
			order = append(order, e.AccountID)
		}
		byAccount[e.AccountID] = append(byAccount[e.AccountID], e)
	}
	for _, acc := range order {
		groups := h.membersOf(acc)
		for base, g := range groups {
			var ds []*delivery
			var err error
			for attempt := 0; attempt < 3; attempt++ {
				if ds, err = h.render(ctx, acc, byAccount[acc], g.rs, base); err == nil || ctx.Err() != nil {
					break
				}
				time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
			}
			if err != nil {
				h.log.Error("realtime: render events", "account_id", acc, "first", byAccount[acc][0].Seq, "err", err)
				continue
			}
			for _, m := range g.members {
				m.deliver(ds)
			}
		}
	}
	last := batch[len(batch)-1]
	h.position.Store(last.Seq)
	metrics.RealtimeLag(time.Since(last.CreatedAt))
}

// group is the members of an account that render with one base URL.
type group struct {
	rs      renderings
	members []member
}

// membersOf returns an account's members grouped by base URL.
func (h *Hub) membersOf(accountID int64) map[string]*group {
	h.mu.Lock()
	defer h.mu.Unlock()
	ms := h.accounts[accountID]
	if len(ms) == 0 {
		return nil
	}
	out := map[string]*group{}
	for m := range ms {
		base := m.baseURL()
		g := out[base]
		if g == nil {
			g = &group{}
			out[base] = g
		}
		w := m.wants()
		g.rs.cable, g.rs.stream = g.rs.cable || w.cable, g.rs.stream || w.stream
		g.members = append(g.members, m)
	}
	return out
}
