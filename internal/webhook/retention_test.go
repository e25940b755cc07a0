package webhook_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// TestRetentionKeepsUndelivered: retention, run as the server runs it (every
// kind pruned in small batches, again and again, while messages are
// written), removes nothing still undelivered: not a pending delivery past
// the delivery log's 30 days (its old attempt log may go), not an event
// the fan-out has not made deliveries from past the event retention. Once the receiver answers and
// a node runs again, every message reaches it, once.
func TestRetentionKeepsUndelivered(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var key keyed
	r := newReceiver(t, key.get)
	down := func(int) int { return 500 }
	r.status.Store(&down)
	w := h.webhook(false, r.URL, "message_created")
	key.set(w.Secret)
	conv := h.conversation("0")
	posted := 1

	// Deliveries made and failed once: pending, to be retried.
	n := h.start(nil)
	for ; posted < 10; posted++ {
		h.message(conv.ID, fmt.Sprint(posted))
	}
	eventually(t, "a failed attempt of each of the 10 deliveries", func() bool {
		ds := h.deliveriesOf(w.ID)
		for _, d := range ds {
			if d.Attempts == 0 {
				return false
			}
		}
		return len(ds) == 10
	})
	n.stop()
	// Events no fan-out has read.
	for ; posted < 20; posted++ {
		h.message(conv.ID, fmt.Sprint(posted))
	}

	// 31 days on, every kind is past its retention; prune in batches of 2
	// until nothing more goes, while another 20 messages are written.
	h.advance(31 * 24 * time.Hour)
	sys := app.NewSystem(h.app)
	// Placed in the outbox order (PostgreSQL; a tail would), so that their
	// age alone would let them go.
	for {
		n, err := sys.SequenceEvents(context.Background(), 1000)
		must(t, err)
		if n == 0 {
			break
		}
	}
	retention := app.DefaultRetention()
	retention.Events = 7 * 24 * time.Hour
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 20; i < 40; i++ {
			text := fmt.Sprint(i)
			if _, err := h.app.CreateMessage(h.ctx, app.MessageCreate{ConversationID: conv.ID, Content: &text}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var total app.Pruned
	for {
		p, err := sys.Prune(context.Background(), retention, 2)
		must(t, err)
		total.Events += p.Events
		total.Deliveries += p.Deliveries
		if p.Total() == 0 {
			break
		}
	}
	wg.Wait()
	posted = 40
	// The pending deliveries stay (the log of their attempts, 31 days old,
	// may go: Pruned.Deliveries counts those rows).
	ds := h.deliveriesOf(w.ID)
	if len(ds) != 10 {
		t.Fatalf("%d deliveries left, want the 10 pending", len(ds))
	}
	for _, d := range ds {
		if d.State != inbox.WebhookPending || d.Attempts != 1 {
			t.Fatalf("delivery %d: state=%s attempts=%d, want pending after one attempt", d.ID, d.State, d.Attempts)
		}
	}
	// The events the deliveries were made from went; the 30 no fan-out
	// read stayed.
	if total.Events == 0 {
		t.Fatal("no event pruned: the test proves nothing")
	}
	for {
		n, err := sys.SequenceEvents(context.Background(), 1000)
		must(t, err)
		if n == 0 {
			break
		}
	}
	events, err := sys.EventsAfter(context.Background(), 0, 1000)
	must(t, err)
	left := map[int64]bool{}
	for _, e := range events {
		if e.Type == inbox.EventMessageCreated {
			left[*e.MessageID] = true
		}
	}
	if got := len(left); got != 30 {
		t.Fatalf("%d message_created events left, want the 30 no fan-out read", got)
	}

	// The receiver answers again; a node runs: every message arrives once.
	r.status.Store(nil)
	h.start(nil)
	eventually(t, "every message's webhook", func() bool { return len(r.accepted()) >= posted })
	eventually(t, "every delivery recorded", func() bool {
		for _, d := range h.deliveriesOf(w.ID) {
			if d.State != inbox.WebhookDelivered {
				return false
			}
		}
		return true
	})
	seen := map[int64]int{}
	for _, g := range r.accepted() {
		seen[g.eventID]++
	}
	if len(seen) != posted || len(r.accepted()) != posted {
		t.Fatalf("%d requests for %d events, want %d for %d", len(r.accepted()), len(seen), posted, posted)
	}
}
