package webhook_test

import (
	"fmt"
	"testing"

	"github.com/inboxd/inbox/internal/inboxtest"
)

// TestTwoNodes: two nodes on one PostgreSQL database both deliver, and a
// healthy cluster sends each event once per webhook. When one node stops,
// the other carries on with what comes next.
func TestTwoNodes(t *testing.T) {
	if inboxtest.Engine() != "postgres" {
		t.Skip("one SQLite database is served by one process")
	}
	t.Parallel()
	h := newHarness(t)
	var key keyed
	r := newReceiver(t, key.get)
	key.set(h.webhook(false, r.URL, "message_created").Secret)
	other := newReceiver(t, func() []byte { return []byte(h.secret) })
	h.webhook(true, other.URL, "inbox_message_created")
	storeB, appB := h.open()
	a := h.start(nil)
	h.startOn(storeB, appB, nil)

	conv := h.conversation("0")
	for i := 1; i < 60; i++ {
		h.message(conv.ID, fmt.Sprint(i))
	}
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

	a.stop()
	for i := 60; i < 70; i++ {
		h.message(conv.ID, fmt.Sprint(i))
	}
	eventually(t, "the remaining node's deliveries", func() bool { return len(r.accepted()) == 70 && len(other.accepted()) == 70 })
	if r.forgeries()+other.forgeries() != 0 {
		t.Fatalf("forged: %d %d", r.forgeries(), other.forgeries())
	}
}
