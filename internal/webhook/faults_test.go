package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/webhook"
)

func TestFaults(t *testing.T) {
	t.Parallel()

	// A receiver that never answers: the attempt times out and is
	// retried; once it answers, the delivery is made.
	t.Run("Hanging", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		var key keyed
		r := newReceiver(t, key.get)
		hold := make(chan struct{})
		r.hold.Store(&hold)
		key.set(h.webhook(false, r.URL, "message_created").Secret)
		client := webhook.NewClient(true)
		client.Timeout = 300 * time.Millisecond // the real 10 s, shortened
		h.start(client)
		h.conversation("Hello")
		eventually(t, "a timed out attempt", func() bool {
			ds := h.deliveries()
			return len(ds) == 1 && ds[0].Attempts == 1
		})
		if d := h.deliveries()[0]; d.State != inbox.WebhookPending || d.LastError != "timeout" || d.LastStatus != 0 {
			t.Fatalf("state %s, error %q, status %d; want pending after a timeout", d.State, d.LastError, d.LastStatus)
		}
		// New requests are answered; the one the sender gave up on stays
		// held, so the receiver never takes it for a delivery.
		r.hold.Store(nil)
		h.advance(time.Minute)
		eventually(t, "the delivery", func() bool { return h.deliveries()[0].State == inbox.WebhookDelivered })
		if n := len(r.accepted()); n != 1 {
			t.Fatalf("received %d times, want 1", n)
		}
	})

	// A slow receiver within the timeout is a success, first time.
	t.Run("Slow", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		r := newReceiver(t, func() []byte { return []byte(h.secret) })
		slow := func(int) int { time.Sleep(300 * time.Millisecond); return 0 }
		r.status.Store(&slow)
		h.webhook(true, r.URL, "inbox_message_created")
		h.start(nil)
		h.conversation("Hello")
		eventually(t, "the delivery", func() bool {
			ds := h.deliveries()
			return len(ds) == 1 && ds[0].State == inbox.WebhookDelivered
		})
		if d := h.deliveries()[0]; d.Attempts != 1 || d.LastLatency < 300*time.Millisecond {
			t.Fatalf("attempts %d latency %s; want 1 attempt of at least 300ms", d.Attempts, d.LastLatency)
		}
	})

	// A receiver that is down (connection refused), then back.
	t.Run("DownThenBack", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		r := newReceiver(t, func() []byte { return []byte(h.secret) })
		h.webhook(true, r.URL, "inbox_message_created")
		r.close()
		h.start(nil)
		h.conversation("Hello")
		eventually(t, "a refused attempt", func() bool {
			ds := h.deliveries()
			return len(ds) == 1 && ds[0].Attempts >= 1
		})
		if d := h.deliveries()[0]; d.State != inbox.WebhookPending || !strings.Contains(d.LastError, "refused") {
			t.Fatalf("state %s, error %q; want pending, connection refused", d.State, d.LastError)
		}
		r.restart(t)
		h.advance(time.Minute)
		eventually(t, "the delivery", func() bool { return h.deliveries()[0].State == inbox.WebhookDelivered })
		if n := len(r.accepted()); n != 1 {
			t.Fatalf("received %d times, want 1", n)
		}
	})

	// An error status is a failure; a redirect is not followed.
	t.Run("ErrorsAndRedirects", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		r := newReceiver(t, func() []byte { return []byte(h.secret) })
		redirect := func(int) int { return http.StatusFound }
		r.status.Store(&redirect)
		h.webhook(true, r.URL, "inbox_message_created")
		h.start(nil)
		h.conversation("Hello")
		eventually(t, "a failed attempt", func() bool {
			ds := h.deliveries()
			return len(ds) == 1 && ds[0].Attempts == 1
		})
		if d := h.deliveries()[0]; d.State != inbox.WebhookPending || d.LastStatus != http.StatusFound || d.LastError != "HTTP 302" {
			t.Fatalf("state %s status %d error %q; want a failed attempt with 302", d.State, d.LastStatus, d.LastError)
		}
	})
}

// TestDeadEndpointDelaysNoOne: while one webhook's receiver holds every
// request it gets, another webhook gets all its deliveries. The first
// receiver answers nothing until the second has everything, so if one lane
// waited for the other, this test could not finish.
func TestDeadEndpointDelaysNoOne(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dead := newReceiver(t, func() []byte { return []byte(h.secret) })
	hold := make(chan struct{})
	dead.hold.Store(&hold)
	healthy := newReceiver(t, func() []byte { return []byte(h.secret) })
	h.webhook(true, dead.URL, "inbox_message_created")
	h.webhook(true, healthy.URL, "inbox_message_created")
	h.start(nil)
	conv := h.conversation("first")
	for i := range 29 {
		h.message(conv.ID, fmt.Sprint("message ", i))
	}
	eventually(t, "30 deliveries to the healthy receiver", func() bool { return len(healthy.accepted()) == 30 })
	if n := len(dead.accepted()); n != 0 {
		t.Fatalf("the held receiver answered %d requests", n)
	}
	dead.hold.Store(nil)
	close(hold)
	eventually(t, "30 deliveries to the released receiver", func() bool { return len(dead.accepted()) == 30 })
}

// TestRetryWindowAndDisable: a delivery that fails for 24 h is failed; a
// webhook failing without a success for 72 h is disabled and says why, in
// the log and in its record; it then gets no new deliveries until enabled.
func TestRetryWindowAndDisable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var key keyed
	r := newReceiver(t, key.get)
	fail := func(int) int { return http.StatusInternalServerError }
	r.status.Store(&fail)
	hook := h.webhook(false, r.URL, "message_created")
	key.set(hook.Secret)
	h.start(nil)

	conv := h.conversation("one")
	eventually(t, "the first attempt", func() bool {
		ds := h.deliveries()
		return len(ds) == 1 && ds[0].Attempts == 1
	})
	h.advance(25 * time.Hour)
	eventually(t, "the delivery failed", func() bool { return h.deliveries()[0].State == inbox.WebhookFailed })
	if d := h.deliveries()[0]; d.Attempts != 2 {
		t.Fatalf("attempts %d, want 2 (one at the start, one when the window closed)", d.Attempts)
	}

	h.advance(48 * time.Hour) // 73 h since the first failure
	h.message(conv.ID, "two")
	eventually(t, "the webhook disabled", func() bool {
		vs, err := h.admin.Webhooks(context.Background(), h.acc.ID)
		must(t, err)
		return !vs[0].Enabled()
	})
	vs, _ := h.admin.Webhooks(context.Background(), h.acc.ID)
	if !strings.Contains(vs[0].DisabledReason, "failing without a success since") {
		t.Fatalf("disabled_reason %q", vs[0].DisabledReason)
	}
	eventually(t, "the log line", func() bool { return h.logs.contains("webhook disabled") })
	for _, d := range h.deliveries() {
		if d.State == inbox.WebhookPending {
			t.Fatalf("delivery %d still pending on a disabled webhook", d.ID)
		}
	}
	// A webhook made now shows when the fan-out has passed the next events.
	marker := newReceiver(t, func() []byte { return []byte(h.secret) })
	h.webhook(true, marker.URL, "inbox_message_created")
	before := len(h.deliveriesOf(hook.ID))
	h.message(conv.ID, "three")
	eventually(t, "the marker's delivery", func() bool { return len(marker.accepted()) == 1 })
	if n := len(h.deliveriesOf(hook.ID)); n != before {
		t.Fatalf("%d deliveries, want still %d: a disabled webhook gets none", n, before)
	}

	// Enabled again, it receives what comes next.
	ok := func(int) int { return 0 }
	r.status.Store(&ok)
	on := true
	_, err := h.admin.UpdateWebhook(context.Background(), h.acc.ID, hook.ID, app.WebhookChange{Enabled: &on})
	must(t, err)
	h.message(conv.ID, "back")
	eventually(t, "a delivery after enabling", func() bool { return len(r.accepted()) == 1 })
	if vs, _ := h.admin.Webhooks(context.Background(), h.acc.ID); vs[0].FailingSince != nil || vs[0].DisabledReason != "" {
		t.Fatalf("after enabling: failing since %v, reason %q", vs[0].FailingSince, vs[0].DisabledReason)
	}
}

// TestRedeliver sends failed deliveries again, with the same delivery id.
func TestRedeliver(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var key keyed
	r := newReceiver(t, key.get)
	fail := func(int) int { return http.StatusServiceUnavailable }
	r.status.Store(&fail)
	key.set(h.webhook(false, r.URL, "message_created").Secret)
	h.start(nil)
	since := time.Now().Add(time.Duration(h.offset.Load()))
	h.conversation("one")
	eventually(t, "the first attempt", func() bool {
		ds := h.deliveries()
		return len(ds) == 1 && ds[0].Attempts == 1
	})
	h.advance(25 * time.Hour)
	eventually(t, "the delivery failed", func() bool { return h.deliveries()[0].State == inbox.WebhookFailed })
	ok := func(int) int { return 0 }
	r.status.Store(&ok)
	n, err := h.admin.Redeliver(context.Background(), h.acc.ID, nil, nil, &since)
	must(t, err)
	if n != 1 {
		t.Fatalf("queued %d, want 1", n)
	}
	eventually(t, "the delivery", func() bool { return h.deliveries()[0].State == inbox.WebhookDelivered })
	d := h.deliveries()[0]
	if got := r.accepted(); len(got) != 1 || got[0].delivery != d.UUID {
		t.Fatalf("received %d, delivery id %v, want 1 with %s", len(got), got, d.UUID)
	}
	// One delivery by id, in any state: sent again.
	n, err = h.admin.Redeliver(context.Background(), h.acc.ID, &d.ID, nil, nil)
	must(t, err)
	if n != 1 {
		t.Fatalf("queued %d, want 1", n)
	}
	eventually(t, "the second sending", func() bool { return len(r.accepted()) == 2 })
}

// TestInboxWebhook: an API inbox with a webhook_url gets its conversations'
// events in Chatwoot's shape, signed with its own secret, and nothing of
// other inboxes.
func TestInboxWebhook(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var key keyed
	r := newReceiver(t, key.get)
	hold := make(chan struct{}) // until the test knows the inbox webhook's secret
	r.hold.Store(&hold)
	box := &inbox.Inbox{AccountID: h.acc.ID, Name: "Website API", Channel: inbox.ChannelAPI, WebhookURL: r.URL}
	must(t, h.admin.CreateInbox(context.Background(), box))
	h.start(nil)
	cl, err := h.app.CreateClient(h.ctx, &inbox.Client{Fullname: "Jane Doe"})
	must(t, err)
	conv, err := h.app.CreateConversation(h.ctx, app.ConversationCreate{ClientID: &cl.ID, InboxID: &box.ID})
	must(t, err)
	h.message(conv.ID, "in the inbox")
	h.conversation("elsewhere") // the account's default API inbox, without a webhook_url
	eventually(t, "the inbox's webhook", func() bool {
		vs, err := h.admin.Webhooks(context.Background(), h.acc.ID)
		must(t, err)
		for _, v := range vs {
			if v.InboxID != nil && *v.InboxID == box.ID {
				key.set(v.Secret)
				close(hold)
				return true
			}
		}
		return false
	})
	eventually(t, "conversation_created and message_created", func() bool { return len(r.accepted()) == 2 })
	if got := eventNames(r.accepted()); got[0] != "conversation_created" || got[1] != "message_created" {
		t.Fatalf("events %v", got)
	}
	for _, g := range r.accepted() {
		if !strings.Contains(string(g.body), `"inbox_id":`+fmt.Sprint(box.ID)) || strings.Contains(string(g.body), "elsewhere") {
			t.Fatalf("a payload of another inbox: %s", g.body)
		}
	}
	if r.forgeries() != 0 {
		t.Fatalf("%d forged signatures", r.forgeries())
	}
}
