package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/sqlstore"
)

func mustCreateWebhook(t *testing.T, s inbox.Store, accountID int64) *inbox.Webhook {
	t.Helper()
	w := &inbox.Webhook{AccountID: accountID, Dialect: inbox.WebhookChatwoot, URL: "https://hooks.example/in",
		Events: []string{"message_created"}, SecretSealed: []byte{1, 2}}
	mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateWebhook(ctx, w) })
	return w
}

func mustCreateDeliveries(t *testing.T, s inbox.Store, w *inbox.Webhook, seqs ...int64) []*inbox.Delivery {
	t.Helper()
	var ds []*inbox.Delivery
	for _, seq := range seqs {
		ds = append(ds, &inbox.Delivery{AccountID: w.AccountID, WebhookID: w.ID, EventSeq: seq, Event: "message_created",
			UUID: "uuid", Body: []byte("{}"), NextAttemptAt: t0, RetryUntil: t0.Add(24 * time.Hour)})
	}
	mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateDeliveries(ctx, ds) })
	return ds
}

func TestWebhooks(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	b := inboxtest.MustCreateAccount(t, s)
	setClock(s, t0)
	w := mustCreateWebhook(t, s, a.ID)
	mustCreateWebhook(t, s, b.ID)

	t.Run("Tenancy", func(t *testing.T) {
		_, err := find(s, func(tx inbox.Tx) (*inbox.Webhook, error) { return tx.FindWebhookByID(ctx, b.ID, w.ID) })
		if inbox.ErrorCode(err) != inbox.ENOTFOUND {
			t.Fatalf("FindWebhookByID from B: %v, want not found", err)
		}
		err = s.Update(ctx, func(tx inbox.Tx) error { return tx.DeleteWebhook(ctx, b.ID, w.ID) })
		if inbox.ErrorCode(err) != inbox.ENOTFOUND {
			t.Fatalf("DeleteWebhook from B: %v, want not found", err)
		}
		got := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.Webhook, error) { return tx.FindWebhooks(ctx, a.ID, inbox.WebhookFilter{}) })
		if len(got) != 1 || got[0].ID != w.ID || !slices.Equal(got[0].Events, w.Events) || string(got[0].SecretSealed) != "\x01\x02" {
			t.Fatalf("FindWebhooks(A)=%+v", got)
		}
	})

	t.Run("DisableAndEnable", func(t *testing.T) {
		off, on := false, true
		got := mustWrite(t, s, func(tx inbox.Tx) (*inbox.Webhook, error) {
			return tx.UpdateWebhook(ctx, a.ID, w.ID, inbox.WebhookUpdate{Enabled: &off})
		})
		if got.Enabled() {
			t.Fatal("still enabled")
		}
		enabled := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.Webhook, error) { return tx.FindEnabledWebhooks(ctx, []int64{a.ID, b.ID}) })
		if len(enabled) != 1 || enabled[0].AccountID != b.ID {
			t.Fatalf("FindEnabledWebhooks=%v, want B's only", enabled)
		}
		got.FailingSince = &t0
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.SetWebhookHealth(ctx, got) })
		got = mustWrite(t, s, func(tx inbox.Tx) (*inbox.Webhook, error) {
			return tx.UpdateWebhook(ctx, a.ID, w.ID, inbox.WebhookUpdate{Enabled: &on})
		})
		if !got.Enabled() || got.FailingSince != nil {
			t.Fatalf("enabled=%v failing since %v; want enabled, clock cleared", got.Enabled(), got.FailingSince)
		}
	})
}

func TestDeliveries(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	setClock(s, t0)
	w1, w2 := mustCreateWebhook(t, s, a.ID), mustCreateWebhook(t, s, a.ID)
	d1 := mustCreateDeliveries(t, s, w1, 1, 2, 3)
	mustCreateDeliveries(t, s, w2, 1)

	t.Run("DuplicatesSkipped", func(t *testing.T) {
		again := mustCreateDeliveries(t, s, w1, 1)
		if again[0].ID != 0 {
			t.Fatalf("a second delivery of event 1 to webhook 1 was made (id %d)", again[0].ID)
		}
	})

	t.Run("Claim", func(t *testing.T) {
		claim := func(owner string, now time.Time, limit int, skip ...int64) []*inbox.Delivery {
			return mustWrite(t, s, func(tx inbox.Tx) ([]*inbox.Delivery, error) {
				return tx.ClaimDeliveries(ctx, owner, now, now.Add(time.Minute), limit, skip)
			})
		}
		if got := claim("n1", t0, 10, w1.ID); len(got) != 1 || got[0].WebhookID != w2.ID {
			t.Fatalf("claim skipping webhook 1: %v", got)
		}
		if got := claim("n1", t0, 10); len(got) != 3 {
			t.Fatalf("claimed %d, want webhook 1's three", len(got))
		}
		if got := claim("n2", t0.Add(30*time.Second), 10); len(got) != 0 {
			t.Fatalf("claimed %d leased deliveries, want none", len(got))
		}
		if got := claim("n2", t0.Add(2*time.Minute), 10); len(got) != 4 {
			t.Fatalf("claimed %d after the leases ended, want 4", len(got))
		}
		// The outcome of an attempt releases its lease.
		d := *d1[0]
		d.State, d.LastStatus, d.LastLatency, d.DeliveredAt = inbox.WebhookDelivered, 200, 3*time.Millisecond, &t0
		mustUpdate(t, s, func(tx inbox.Tx) error {
			return tx.CompleteDelivery(ctx, &d, &inbox.DeliveryAttempt{At: t0, Status: 200, Latency: 3 * time.Millisecond})
		})
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Delivery, error) { return tx.FindDeliveryByID(ctx, a.ID, d.ID) })
		if got.State != inbox.WebhookDelivered || got.Attempts != 1 || got.LastLatency != 3*time.Millisecond {
			t.Fatalf("after completing: %+v", got)
		}
		// Leases of a node are released when it stops.
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.ReleaseLeases(ctx, "n2") })
		if got := claim("n3", t0.Add(2*time.Minute), 10); len(got) != 3 {
			t.Fatalf("claimed %d after n2 released its leases, want the 3 pending", len(got))
		}
	})

	t.Run("Retry", func(t *testing.T) {
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.FailDeliveries(ctx, a.ID, w1.ID, "webhook disabled") })
		failed := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.Delivery, error) {
			return tx.FindDeliveries(ctx, a.ID, inbox.DeliveryFilter{State: inbox.WebhookFailed})
		})
		if len(failed) != 2 {
			t.Fatalf("%d failed, want webhook 1's two pending", len(failed))
		}
		var n int
		mustUpdate(t, s, func(tx inbox.Tx) (err error) {
			n, err = tx.RetryDeliveries(ctx, a.ID, nil, &w1.ID, &t0, t0.Add(time.Hour))
			return err
		})
		if n != 2 {
			t.Fatalf("retried %d, want 2", n)
		}
	})
}

// TestPrune: retention removes old rows, but never an event the webhook
// fan-out has not made deliveries from, nor a delivery still pending.
func TestPrune(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	old := t0.Add(-10 * 24 * time.Hour)
	setClock(s, old)
	var evs []*inbox.Event
	mustUpdate(t, s, func(tx inbox.Tx) error {
		for i := range 5 {
			e := &inbox.Event{AccountID: a.ID, Type: inbox.EventClientUpdated, SubjectID: int64(i)}
			if err := tx.CreateEvent(ctx, e); err != nil {
				return err
			}
			evs = append(evs, e)
		}
		return tx.CreateIdempotencyKey(ctx, &inbox.IdempotencyRecord{AccountID: a.ID, Key: "old", RequestHash: "h", Status: 201})
	})
	w := mustCreateWebhook(t, s, a.ID)
	ds := mustCreateDeliveries(t, s, w, 1, 2)
	setClock(s, t0)
	mustUpdate(t, s, func(tx inbox.Tx) error {
		_, err := tx.SequenceEvents(ctx, 100)
		return err
	})
	seqs := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.Event, error) { return tx.FindEventsAfter(ctx, 0, 100) })
	prune := func(f func(tx inbox.Tx) (int, error)) int {
		var n int
		mustUpdate(t, s, func(tx inbox.Tx) (err error) {
			n, err = f(tx)
			return err
		})
		return n
	}
	week := t0.Add(-7 * 24 * time.Hour)

	// The fan-out has not started: no event goes.
	if n := prune(func(tx inbox.Tx) (int, error) { return tx.PruneEvents(ctx, week, 100) }); n != 0 {
		t.Fatalf("pruned %d events the fan-out has not passed", n)
	}
	// It has passed the second event: only the first two go.
	moveFanOut(t, s, seqs[1].Seq)
	if n := prune(func(tx inbox.Tx) (int, error) { return tx.PruneEvents(ctx, week, 100) }); n != 2 {
		t.Fatalf("pruned %d events, want the 2 the fan-out passed", n)
	}
	_, pruned := mustPositions(t, s)
	if pruned != seqs[1].Seq {
		t.Fatalf("pruned position %d, want %d", pruned, seqs[1].Seq)
	}
	left := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.Event, error) { return tx.FindEventsAfter(ctx, 0, 100) })
	if len(left) != 3 || left[0].Seq != seqs[2].Seq {
		t.Fatalf("events left: %d from %d", len(left), left[0].Seq)
	}
	// Events younger than the retention stay, whatever the cursor.
	moveFanOut(t, s, seqs[4].Seq)
	if n := prune(func(tx inbox.Tx) (int, error) { return tx.PruneEvents(ctx, old.Add(-time.Hour), 100) }); n != 0 {
		t.Fatalf("pruned %d events younger than the retention", n)
	}

	if n := prune(func(tx inbox.Tx) (int, error) { return tx.PruneIdempotencyKeys(ctx, t0.Add(-24*time.Hour), 100) }); n != 1 {
		t.Fatalf("pruned %d idempotency keys, want 1", n)
	}
	// Deliveries: the pending one stays, the finished one goes.
	d := *ds[0]
	d.State = inbox.WebhookDelivered
	setClock(s, old)
	mustUpdate(t, s, func(tx inbox.Tx) error {
		return tx.CompleteDelivery(ctx, &d, &inbox.DeliveryAttempt{At: old, Status: 200})
	})
	setClock(s, t0)
	if n := prune(func(tx inbox.Tx) (int, error) { return tx.PruneDeliveries(ctx, t0.Add(-24*time.Hour), 100) }); n != 1 {
		t.Fatalf("pruned %d deliveries, want the delivered one", n)
	}
	rest := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.Delivery, error) {
		return tx.FindDeliveries(ctx, a.ID, inbox.DeliveryFilter{})
	})
	if len(rest) != 1 || rest[0].ID != ds[1].ID || rest[0].State != inbox.WebhookPending {
		t.Fatalf("deliveries left: %+v", rest)
	}
}

// mustWrite runs fn in a read-write transaction and returns its result.
func mustWrite[T any](t *testing.T, s inbox.Store, fn func(tx inbox.Tx) (T, error)) T {
	t.Helper()
	var v T
	mustUpdate(t, s, func(tx inbox.Tx) (err error) {
		v, err = fn(tx)
		return err
	})
	return v
}

func mustPositions(t *testing.T, s *sqlstore.Store) (head, pruned int64) {
	t.Helper()
	mustUpdate(t, s, func(tx inbox.Tx) (err error) {
		head, pruned, err = tx.EventPositions(ctx)
		return err
	})
	return head, pruned
}

// moveFanOut sets the webhook fan-out cursor, as a fan-out would.
func moveFanOut(t *testing.T, s *sqlstore.Store, to int64) {
	t.Helper()
	mustUpdate(t, s, func(tx inbox.Tx) error {
		pos, ok, err := tx.TakeCursor(ctx, "webhooks.fanout", "test", tx.Now(), tx.Now().Add(time.Minute))
		if err != nil || !ok {
			t.Fatalf("TakeCursor: %v %v", ok, err)
		}
		if moved, err := tx.AdvanceCursor(ctx, "webhooks.fanout", "test", pos, to); err != nil || !moved {
			t.Fatalf("AdvanceCursor: %v %v", moved, err)
		}
		return nil
	})
}

// Deleting what a webhook hangs on deletes the webhook with its deliveries.
func TestDeleteWithWebhooks(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	setClock(s, t0)
	app := &inbox.Application{AccountID: a.ID, Name: "App", ClientID: "webhooks-delete", SecretHash: []byte{1}}
	box := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateApplication(ctx, app) })
	for _, w := range []*inbox.Webhook{
		{AccountID: a.ID, Dialect: inbox.WebhookBookingSync, ApplicationID: &app.ID, URL: "https://a.example", Events: []string{"inbox_message_created"}},
		{AccountID: a.ID, Dialect: inbox.WebhookChatwoot, InboxID: &box.ID, URL: "https://b.example", Events: []string{"message_created"}},
	} {
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateWebhook(ctx, w) })
		d := mustCreateDeliveries(t, s, w, 1)[0]
		d.State = inbox.WebhookFailed
		mustUpdate(t, s, func(tx inbox.Tx) error {
			return tx.CompleteDelivery(ctx, d, &inbox.DeliveryAttempt{At: t0, Status: 500})
		})
	}
	mustUpdate(t, s, func(tx inbox.Tx) error { return tx.DeleteApplication(ctx, a.ID, app.ID) })
	mustUpdate(t, s, func(tx inbox.Tx) error { return tx.DeleteInbox(ctx, a.ID, box.ID) })
	if ws := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.Webhook, error) { return tx.FindWebhooks(ctx, a.ID, inbox.WebhookFilter{}) }); len(ws) != 0 {
		t.Fatalf("%d webhooks left", len(ws))
	}
	if ds := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.Delivery, error) {
		return tx.FindDeliveries(ctx, a.ID, inbox.DeliveryFilter{})
	}); len(ds) != 0 {
		t.Fatalf("%d deliveries left", len(ds))
	}
	w := mustCreateWebhook(t, s, a.ID)
	mustCreateDeliveries(t, s, w, 1)
	mustUpdate(t, s, func(tx inbox.Tx) error { return tx.DeleteAccount(ctx, a.ID) })
}

// TestPruneTombstones: tombstones of records deleted before the cutoff go,
// at most a batch at a time; younger ones stay, so an updated_since inside
// the retention still learns of every deletion after it.
func TestPruneTombstones(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	i := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	var convs []*inbox.Conversation
	for range 3 {
		convs = append(convs, inboxtest.MustCreateConversation(t, s, a.ID, i.ID))
	}
	del := func(at time.Time, c *inbox.Conversation) {
		setClock(s, at)
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.DeleteConversation(ctx, a.ID, c.ID) })
	}
	del(t0.Add(-92*24*time.Hour), convs[0])
	del(t0.Add(-91*24*time.Hour), convs[1])
	del(t0.Add(-89*24*time.Hour), convs[2])
	setClock(s, t0)
	cutoff := t0.Add(-90 * 24 * time.Hour)
	prune := func() int {
		return mustWrite(t, s, func(tx inbox.Tx) (int, error) { return tx.PruneTombstones(ctx, cutoff, 1) })
	}
	if n := prune(); n != 1 {
		t.Fatalf("first batch of 1 pruned %d", n)
	}
	if n := prune(); n != 1 {
		t.Fatalf("second batch of 1 pruned %d", n)
	}
	if n := prune(); n != 0 {
		t.Fatalf("third batch pruned %d, want none: the last tombstone is younger than the cutoff", n)
	}
	ids := mustFind(t, s, func(tx inbox.Tx) ([]int64, error) {
		return tx.FindDeletedIDs(ctx, a.ID, "conversations", t0.Add(-100*24*time.Hour))
	})
	if len(ids) != 1 || ids[0] != convs[2].ID {
		t.Fatalf("tombstones left: %v, want only conversation %d", ids, convs[2].ID)
	}
}
