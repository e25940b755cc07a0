package webhook_test

import (
	"fmt"
	"testing"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/webhook"
)

// TestTwoNodes: two nodes on one PostgreSQL database both deliver, and a
// healthy cluster sends each event once per webhook. When one node stops,
// the other carries on with what comes next.
//
// Both nodes deliver: the receiver holds its requests until it has more
// in flight than one node may send to a webhook at once (so the other
// node has some too), and every attempt records the node that made it.
func TestTwoNodes(t *testing.T) {
	if inboxtest.Engine() != "postgres" {
		t.Skip("one SQLite database is served by one process")
	}
	t.Parallel()
	h := newHarness(t)
	var key keyed
	r := newReceiver(t, key.get)
	hold := make(chan struct{})
	r.hold.Store(&hold)
	cw := h.webhook(false, r.URL, "message_created")
	key.set(cw.Secret)
	other := newReceiver(t, func() []byte { return []byte(h.secret) })
	bs := h.webhook(true, other.URL, "inbox_message_created")
	storeB, appB := h.open()
	a := h.start(nil)
	b := h.startOn(storeB, appB, nil)

	conv := h.conversation("0")
	for i := 1; i < 60; i++ {
		h.message(conv.ID, fmt.Sprint(i))
	}
	eventually(t, "more requests in flight than one node sends to a webhook", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.calls > webhook.PerWebhook
	})
	r.hold.Store(nil)
	close(hold)
	eventually(t, "60 deliveries to each webhook", func() bool { return len(r.accepted()) >= 60 && len(other.accepted()) >= 60 })
	eventually(t, "every delivery recorded", func() bool {
		for _, d := range h.deliveries() {
			if d.Attempts == 0 {
				return false
			}
		}
		return true
	})
	for _, rc := range []*receiver{r, other} {
		seen := map[int64]int{}
		for _, g := range rc.accepted() {
			seen[g.eventID]++
		}
		if len(seen) != 60 || len(rc.accepted()) != 60 {
			t.Fatalf("%d requests for %d events, want 60 for 60", len(rc.accepted()), len(seen))
		}
	}
	// In the database: one delivery per event and webhook, each sent once,
	// by one of the two nodes; and both nodes sent some of the held
	// webhook's.
	nodes := map[string]bool{a.svc.Owner(): true, b.svc.Owner(): true}
	for _, w := range []int64{cw.ID, bs.ID} {
		ds := h.deliveriesOf(w)
		events := map[int64]bool{}
		by := map[string]int{}
		for _, d := range ds {
			if events[d.EventSeq] {
				t.Fatalf("webhook %d: two deliveries of event %d", w, d.EventSeq)
			}
			events[d.EventSeq] = true
			if d.State != inbox.WebhookDelivered || d.Attempts != 1 || len(d.Log) != 1 {
				t.Fatalf("webhook %d, event %d: state=%s attempts=%d log=%d, want delivered after 1", w, d.EventSeq,
					d.State, d.Attempts, len(d.Log))
			}
			if !nodes[d.Log[0].Node] {
				t.Fatalf("webhook %d, event %d: sent by %q, not one of the nodes %v", w, d.EventSeq, d.Log[0].Node, nodes)
			}
			by[d.Log[0].Node]++
		}
		if len(events) != 60 {
			t.Fatalf("webhook %d: %d deliveries, want 60", w, len(events))
		}
		if w == cw.ID && len(by) != 2 {
			t.Fatalf("webhook %d: attempts by node %v, want both nodes", w, by)
		}
		t.Logf("webhook %d: attempts by node %v", w, by)
	}

	a.stop()
	for i := 60; i < 70; i++ {
		h.message(conv.ID, fmt.Sprint(i))
	}
	eventually(t, "the remaining node's deliveries", func() bool { return len(r.accepted()) == 70 && len(other.accepted()) == 70 })
	if r.forgeries()+other.forgeries() != 0 {
		t.Fatalf("forged: %d %d", r.forgeries(), other.forgeries())
	}
}
