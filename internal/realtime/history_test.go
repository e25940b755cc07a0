package realtime_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/inboxd/inbox/internal/realtime"
)

func TestCableHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t, realtime.Limits{})
	shown := e.conversation(e.apiBox)
	hidden := e.conversation(e.other)
	e.settle()

	// The agent follows, sees one message, and goes away.
	c := e.dial("actioncable-v1-ext-json")
	id := e.roomID(e.agent)
	if got := c.subscribe(id, nil); got != "confirm_subscription" {
		t.Fatalf("subscribe: %s", got)
	}
	first := e.post(shown, "first")
	b := c.nextBroadcast()
	if b.Event != "message.created" || b.Data["id"] != float64(first) {
		t.Fatalf("got %s %v, want message.created %d", b.Event, b.Data["id"], first)
	}
	if b.Stream == "" || b.Epoch == "" || b.Offset == 0 {
		t.Fatalf("broadcast without a stream position: %+v", b)
	}
	seen := b
	c.nextBroadcast() // first.reply.created, same position
	c.ws.CloseNow()

	// Meanwhile: messages in both inboxes.
	var missed []int64
	for i := 0; i < 3; i++ {
		missed = append(missed, e.post(shown, fmt.Sprintf("missed %d", i)))
		e.post(hidden, fmt.Sprintf("hidden %d", i))
	}
	e.settle()

	t.Run("ResumesFromItsPosition", func(t *testing.T) {
		c := e.dial("actioncable-v1-ext-json")
		got := c.subscribe(id, map[string]any{"since": time.Now().Unix(),
			"streams": map[string]any{seen.Stream: map[string]any{"epoch": seen.Epoch, "offset": seen.Offset}}})
		if got != "confirm_subscription" {
			t.Fatalf("subscribe: %s", got)
		}
		var ids []int64
		last := seen.Offset
		for {
			m := c.next()
			if m["type"] == "confirm_history" {
				break
			}
			msg := m["message"].(map[string]any)
			if msg["event"] != "message.created" {
				t.Fatalf("replayed %v, want only the missed messages", msg["event"])
			}
			ids = append(ids, int64(msg["data"].(map[string]any)["id"].(float64)))
			if off := int64(m["offset"].(float64)); off <= last {
				t.Errorf("offset %d after %d: want increasing", off, last)
			} else {
				last = off
			}
		}
		if fmt.Sprint(ids) != fmt.Sprint(missed) {
			t.Errorf("replayed %v, want %v (the agent's inbox only)", ids, missed)
		}
		// Then live, without a gap.
		next := e.post(shown, "live")
		if b := c.nextBroadcast(); b.Data["id"] != float64(next) {
			t.Errorf("after the replay: %v, want %d", b.Data["id"], next)
		}
	})

	t.Run("SinceATime", func(t *testing.T) {
		c := e.dial("actioncable-v1-ext-json")
		// Everything of the last minute: the first message and the missed.
		c.subscribe(id, map[string]any{"since": time.Now().Add(-time.Minute).Unix(), "streams": map[string]any{}})
		n := c.untilHistoryConfirmed()
		// first (+ first reply), three missed, one live (the previous test).
		if n < 6 {
			t.Errorf("replayed %d broadcasts, want the %d of the last minute", n, 6)
		}
	})

	t.Run("AnotherEpochIsRejected", func(t *testing.T) {
		c := e.dial("actioncable-v1-ext-json")
		c.subscribe(id, map[string]any{"since": time.Now().Unix(),
			"streams": map[string]any{seen.Stream: map[string]any{"epoch": "other", "offset": seen.Offset}}})
		if m := c.next(); m["type"] != "reject_history" || m["identifier"] != id {
			t.Errorf("got %v, want reject_history", m)
		}
	})

	t.Run("HistoryCommand", func(t *testing.T) {
		c := e.dial("actioncable-v1-ext-json")
		c.subscribe(id, nil)
		c.send(map[string]any{"command": "history", "identifier": id,
			"history": map[string]any{"streams": map[string]any{seen.Stream: map[string]any{"epoch": seen.Epoch, "offset": seen.Offset}}}})
		n := c.untilHistoryConfirmed()
		if n != 4 { // three missed and the live one
			t.Errorf("replayed %d, want 4", n)
		}
		c.send(map[string]any{"command": "history", "identifier": "unknown", "history": map[string]any{}})
		if m := c.next(); m["type"] != "reject_history" {
			t.Errorf("history of an unknown subscription: %v, want reject_history", m)
		}
	})
}
