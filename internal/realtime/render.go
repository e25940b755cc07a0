package realtime

import (
	"context"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/api/chatwoot"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/metrics"
)

// delivery is one event rendered for the members of its account that read
// it one way (a view).
type delivery struct {
	seq int64
	// audience and cable (Chatwoot's view): the broadcasts and the hosts
	// that may receive them.
	audience app.Audience
	cable    []chatwoot.Broadcast
	// stream (BookingSync's view): the events, as SSE frames.
	stream [][]byte
}

// view is how a member reads events: which dialect renders them, with what
// visibility. Members with equal views (and base URLs) share one rendering.
type view struct {
	// stream: BookingSync's webhook bodies for an application; else
	// Chatwoot's broadcasts for hosts.
	stream bool
	// scopes are the application's scopes (streams), space-separated.
	scopes string
}

// render renders events of one account for one view, in one read
// transaction. An event nobody may receive renders to an empty delivery,
// which still carries its position.
func (h *Hub) render(ctx context.Context, accountID int64, events []*inbox.Event, v view, base string) ([]*delivery, error) {
	vis := app.Visibility{AccountID: accountID}
	if v.stream {
		scopes, err := inbox.ParseScopes(v.scopes)
		if err != nil {
			return nil, err
		}
		vis.Scopes = append(inbox.Scopes{}, scopes...) // never nil: nil would mean every scope
	}
	out := make([]*delivery, 0, len(events))
	err := h.app.Load(ctx, vis, func(l *app.Loader) error {
		out = out[:0]
		now := time.Now()
		for _, e := range events {
			d := &delivery{seq: e.Seq}
			out = append(out, d)
			var err error
			if v.stream {
				d.stream, err = streamFrames(l, e, base)
			} else {
				d.audience, d.cable, err = cableBroadcasts(l, e, base, now)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// cableBroadcasts renders Chatwoot's broadcasts of an event for the hosts
// that may see it.
func cableBroadcasts(l *app.Loader, e *inbox.Event, base string, now time.Time) (app.Audience, []chatwoot.Broadcast, error) {
	au, err := l.EventAudience(e)
	if err != nil || len(au.Hosts) == 0 {
		return au, nil, err
	}
	bs, err := chatwoot.RealtimeEvents(l, e, base, now)
	return au, bs, err
}

// dispatch renders a batch of the tail and hands it to the members of each
// account it touches. A batch that fails to render is tried again a few
// times; past that its members are disconnected, so that they reconnect and
// get the events from the outbox (their position is before them).
func (h *Hub) dispatch(ctx context.Context, batch []*inbox.Event) {
	if len(batch) == 0 {
		return
	}
	byAccount := map[int64][]*inbox.Event{}
	var order []int64
	for _, e := range batch {
		if e.Type == inbox.EventAccessRevoked {
			h.revoke(e.AccountID, e.SubjectID)
		}
		if _, ok := byAccount[e.AccountID]; !ok {
			order = append(order, e.AccountID)
		}
		byAccount[e.AccountID] = append(byAccount[e.AccountID], e)
	}
	for _, acc := range order {
		for _, g := range h.membersOf(acc) {
			var ds []*delivery
			var err error
			for attempt := 0; attempt < 3; attempt++ {
				if ds, err = h.render(ctx, acc, byAccount[acc], g.view, g.base); err == nil || ctx.Err() != nil {
					break
				}
				time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
			}
			if err != nil {
				// The members would miss these events: they are sent away
				// instead, to reconnect and ask for them from the outbox.
				h.log.Error("realtime: render events; their clients are asked to reconnect", "account_id", acc,
					"first", byAccount[acc][0].Seq, "err", err)
				for _, m := range g.members {
					m.resync()
				}
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

// revoke tells an account's members that access was revoked (see
// member.revoked).
func (h *Hub) revoke(accountID, tokenID int64) {
	h.mu.Lock()
	ms := make([]member, 0, len(h.accounts[accountID]))
	for m := range h.accounts[accountID] {
		ms = append(ms, m)
	}
	h.mu.Unlock()
	for _, m := range ms {
		m.revoked(tokenID)
	}
}

// group is the members of an account that share a rendering.
type group struct {
	view    view
	base    string
	members []member
}

// membersOf returns an account's members grouped by view and base URL.
func (h *Hub) membersOf(accountID int64) []*group {
	h.mu.Lock()
	defer h.mu.Unlock()
	ms := h.accounts[accountID]
	if len(ms) == 0 {
		return nil
	}
	type key struct {
		v    view
		base string
	}
	byKey := map[key]*group{}
	var out []*group
	for m := range ms {
		k := key{m.view(), m.baseURL()}
		g := byKey[k]
		if g == nil {
			g = &group{view: k.v, base: k.base}
			byKey[k] = g
			out = append(out, g)
		}
		g.members = append(g.members, m)
	}
	return out
}
