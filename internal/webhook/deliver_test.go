package webhook_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
)

// keyed holds a secret known once the webhook exists.
type keyed struct{ v atomic.Pointer[[]byte] }

func (k *keyed) set(s string) { b := []byte(s); k.v.Store(&b) }
func (k *keyed) get() []byte {
	if p := k.v.Load(); p != nil {
		return *p
	}
	return nil
}

func eventNames(rs []received) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.event)
	}
	slices.Sort(out)
	return out
}

func TestDeliver(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	bs := newReceiver(t, func() []byte { return []byte(h.secret) })
	var cwKey keyed
	cw := newReceiver(t, cwKey.get)
	h.webhook(true, bs.URL, "inbox_conversation_created", "inbox_message_created")
	cwKey.set(h.webhook(false, cw.URL, "conversation_created", "message_created").Secret)
	h.start(nil)

	conv := h.conversation("Your keys are in the lockbox.")
	eventually(t, "both deliveries to each webhook", func() bool { return len(bs.accepted()) >= 2 && len(cw.accepted()) >= 2 })
	// Nothing else comes, nothing twice: every delivery is recorded delivered.
	eventually(t, "every delivery recorded", func() bool {
		ds := h.deliveries()
		for _, d := range ds {
			if d.State != inbox.WebhookDelivered {
				return false
			}
		}
		return len(ds) == 4
	})
	if got := eventNames(bs.accepted()); !slices.Equal(got, []string{"inbox_conversation_created", "inbox_message_created"}) {
		t.Fatalf("BookingSync events=%v", got)
	}
	if got := eventNames(cw.accepted()); !slices.Equal(got, []string{"conversation_created", "message_created"}) {
		t.Fatalf("Chatwoot events=%v", got)
	}
	if bs.forgeries()+cw.forgeries() != 0 {
		t.Fatalf("forged signatures: %d BookingSync, %d Chatwoot", bs.forgeries(), cw.forgeries())
	}

	byEvent := map[string]received{}
	for _, r := range append(bs.accepted(), cw.accepted()...) {
		byEvent[r.event] = r
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", r.event, ct)
		}
	}
	// The event id header is the event's place in the outbox: the
	// conversation was created before its message, and both dialects
	// name the same events with the same ids.
	if a, b := byEvent["inbox_conversation_created"].eventID, byEvent["inbox_message_created"].eventID; a <= 0 || a >= b {
		t.Errorf("event ids: conversation %d, message %d", a, b)
	}
	if a, b := byEvent["conversation_created"].eventID, byEvent["inbox_conversation_created"].eventID; a != b {
		t.Errorf("conversation_created id %d, inbox_conversation_created id %d", a, b)
	}
	if d := byEvent["message_created"].delivery; len(d) != 36 {
		t.Errorf("X-Chatwoot-Delivery=%q, want a UUID", d)
	}

	var body struct {
		AccountID int64  `json:"account_id"`
		Event     string `json:"event"`
		Resource  struct {
			Links   map[string]string `json:"links"`
			Message struct {
				ID      int64  `json:"id"`
				Content string `json:"content"`
				Links   struct {
					Conversation int64 `json:"conversation"`
				} `json:"links"`
			} `json:"message"`
		} `json:"resource"`
	}
	must(t, json.Unmarshal(byEvent["inbox_message_created"].body, &body))
	if body.AccountID != h.acc.ID || body.Event != "inbox_message_created" || body.Resource.Message.Content != "Your keys are in the lockbox." ||
		body.Resource.Message.Links.Conversation != conv.ID ||
		body.Resource.Links["messages.conversation"] != "http://inboxd.test/api/v3/inbox/conversations/{messages.conversation}" {
		t.Fatalf("BookingSync body: %s", byEvent["inbox_message_created"].body)
	}
	var cwBody map[string]any
	must(t, json.Unmarshal(byEvent["message_created"].body, &cwBody))
	if cwBody["event"] != "message_created" || cwBody["content"] != "Your keys are in the lockbox." || cwBody["message_type"] != "outgoing" {
		t.Fatalf("Chatwoot body: %s", byEvent["message_created"].body)
	}
}

// TestRetries: a receiver that fails twice gets the delivery a third time,
// with the same delivery id and event id, and the attempts are logged.
func TestRetries(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var key keyed
	r := newReceiver(t, key.get)
	fail := func(n int) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return 0
	}
	r.status.Store(&fail)
	key.set(h.webhook(false, r.URL, "message_created").Secret)
	h.start(nil)
	h.conversation("Hello")
	for i := 1; i <= 2; i++ {
		eventually(t, "a failed attempt", func() bool {
			ds := h.deliveries()
			return len(ds) == 1 && ds[0].Attempts == i
		})
		if d := h.deliveries()[0]; d.State != inbox.WebhookPending || d.LastStatus != 500 {
			t.Fatalf("after attempt %d: state %s, last status %d", i, d.State, d.LastStatus)
		}
		h.advance(3 * time.Minute) // past the retry delay (15 s, then 30 s, with jitter)
	}
	eventually(t, "the delivery", func() bool { return len(r.accepted()) == 1 })
	eventually(t, "the success recorded", func() bool { return h.deliveries()[0].State == inbox.WebhookDelivered })
	d := h.deliveries()[0]
	if len(d.Log) != 3 || d.Log[0].Status != 500 || d.Log[1].Status != 500 || d.Log[2].Status != 200 {
		t.Fatalf("attempts: %+v", d.Log)
	}
	if got := r.accepted()[0]; got.delivery != d.UUID || got.eventID != d.EventSeq {
		t.Fatalf("delivery %q event %d, want %q %d", got.delivery, got.eventID, d.UUID, d.EventSeq)
	}
}
