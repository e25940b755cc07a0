package app

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	inbox "github.com/inboxd/inbox"
)

// Webhook delivery rules (internal/webhook runs them).

// RetryWindow is how long a delivery is retried: the first attempt that
// fails after it ends the delivery as failed.
const RetryWindow = 24 * time.Hour

// Retry delays: 15 s after the first failed attempt, doubling up to 2 h,
// each with ±20 % jitter so that a receiver coming back is not hit by every
// retry at once (15 s, 30 s, 1 min, 2 min, … 64 min, then every 2 h: about
// 20 attempts over the 24 h window).
const (
	retryFirst = 15 * time.Second
	retryMax   = 2 * time.Hour
)

// RetryDelay returns the delay before the attempt that follows the n-th
// failed one (n ≥ 1), without jitter.
func RetryDelay(n int) time.Duration {
	d := retryFirst
	for i := 1; i < n && d < retryMax; i++ {
		d *= 2
	}
	return min(d, retryMax)
}

func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// FanOutCursor is the shared cursor of the webhook fan-out.
const FanOutCursor = "webhooks.fanout"

// TakeFanOut takes (or renews) the fan-out lease for owner until now+lease
// and returns the position up to which deliveries exist; ok is false while
// another node holds it.
func (s *System) TakeFanOut(ctx context.Context, owner string, lease time.Duration) (pos int64, ok bool, err error) {
	err = s.app.store.Update(ctx, func(tx inbox.Tx) (err error) {
		pos, ok, err = tx.TakeCursor(ctx, FanOutCursor, owner, tx.Now(), tx.Now().Add(lease))
		return err
	})
	return pos, ok, err
}

// CommitFanOut stores the deliveries made from the events after position
// from up to position to, and moves the fan-out cursor there, in one
// transaction: it returns false (storing nothing) when owner no longer
// holds the cursor at from. Deliveries with a LeaseOwner are stored leased
// to it for lease (the fan-out sends them at once, without claiming them).
func (s *System) CommitFanOut(ctx context.Context, owner string, from, to int64, ds []*inbox.Delivery, lease time.Duration) (bool, error) {
	var ok bool
	err := s.app.store.Update(ctx, func(tx inbox.Tx) (err error) {
		if ok, err = tx.AdvanceCursor(ctx, FanOutCursor, owner, from, to); err != nil || !ok {
			return err
		}
		for _, d := range ds {
			d.NextAttemptAt, d.RetryUntil = tx.Now(), tx.Now().Add(RetryWindow)
			if d.LeaseOwner != "" {
				d.LeaseUntil = tx.Now().Add(lease)
			}
		}
		return tx.CreateDeliveries(ctx, ds)
	})
	return ok, err
}

// Outgoing returns deliveries ready to send: with their webhooks and
// signing keys.
func (s *System) Outgoing(ctx context.Context, ds []*inbox.Delivery) ([]*Outgoing, error) {
	var out []*Outgoing
	err := s.app.store.View(ctx, func(tx inbox.Tx) (err error) {
		out, err = s.outgoing(ctx, tx, ds)
		return err
	})
	return out, err
}

func (s *System) outgoing(ctx context.Context, tx inbox.Tx, ds []*inbox.Delivery) ([]*Outgoing, error) {
	var out []*Outgoing
	hooks := map[int64]*Outgoing{}
	for _, d := range ds {
		o := &Outgoing{Delivery: d}
		if h, ok := hooks[d.WebhookID]; ok {
			o.Webhook, o.Key, o.KeyErr = h.Webhook, h.Key, h.KeyErr
		} else {
			var err error
			if o.Webhook, err = tx.FindWebhookByID(ctx, d.AccountID, d.WebhookID); err != nil {
				return nil, err
			}
			o.Key, o.KeyErr = s.signingKey(ctx, tx, o.Webhook)
			hooks[d.WebhookID] = o
		}
		out = append(out, o)
	}
	return out, nil
}

// Target is a webhook that receives events, with the visibility its
// payloads are rendered with.
type Target struct {
	Webhook *inbox.Webhook
	// Visibility is what the webhook's owner may see: the whole account
	// (Chatwoot account webhooks), one inbox (an API inbox's webhook_url),
	// or an application's scopes (BookingSync).
	Visibility Visibility
}

// Wants reports whether the target receives an event of that name created
// at that time: one of its events, and not older than the webhook.
func (t *Target) Wants(name string, at time.Time) bool {
	if at.Before(t.Webhook.CreatedAt) {
		return false
	}
	for _, e := range t.Webhook.Events {
		if e == name {
			return t.Webhook.Dialect != inbox.WebhookBookingSync || t.Visibility.Has(inbox.BookingSyncEventScope(name))
		}
	}
	return false
}

// Targets returns the enabled webhooks of the accounts with the visibility
// of each.
func (s *System) Targets(ctx context.Context, accountIDs []int64) ([]*Target, error) {
	var out []*Target
	err := s.app.store.View(ctx, func(tx inbox.Tx) error {
		ws, err := tx.FindEnabledWebhooks(ctx, accountIDs)
		if err != nil {
			return err
		}
		apps := map[int64]*inbox.Application{}
		for _, w := range ws {
			t := &Target{Webhook: w, Visibility: Visibility{AccountID: w.AccountID}}
			switch {
			case w.InboxID != nil:
				t.Visibility.InboxIDs = []int64{*w.InboxID}
			case w.ApplicationID != nil:
				app, ok := apps[*w.ApplicationID]
				if !ok {
					if app, err = tx.FindApplicationByID(ctx, w.AccountID, *w.ApplicationID); err != nil {
						return err
					}
					apps[app.ID] = app
				}
				t.Visibility.Scopes = append(inbox.Scopes{}, app.Scopes...)
			}
			out = append(out, t)
		}
		return nil
	})
	return out, err
}

// SyncInboxWebhooks brings the webhooks of the accounts' API inboxes in step
// with their webhook_url: one for each API inbox that has a URL (created
// with its own secret), its URL followed, removed when the URL is. The use
// cases that create and change inboxes do this in their own transaction;
// this catches up inboxes made before (their webhooks then get the events
// that follow, not the older ones still in the outbox).
func (s *System) SyncInboxWebhooks(ctx context.Context, accountIDs []int64) error {
	type change struct {
		create *inbox.Webhook
		update *inbox.Webhook
		remove *inbox.Webhook
	}
	var changes []change
	err := s.app.store.View(ctx, func(tx inbox.Tx) error {
		for _, acc := range accountIDs {
			inboxes, err := tx.FindInboxes(ctx, acc)
			if err != nil {
				return err
			}
			ws, err := tx.FindWebhooks(ctx, acc, inbox.WebhookFilter{Dialect: inbox.WebhookChatwoot})
			if err != nil {
				return err
			}
			have := map[int64]*inbox.Webhook{}
			for _, w := range ws {
				if w.InboxID != nil {
					have[*w.InboxID] = w
				}
			}
			for _, b := range inboxes {
				w, url := have[b.ID], ""
				delete(have, b.ID)
				if b.Channel == inbox.ChannelAPI {
					url = b.WebhookURL
				}
				switch {
				case w == nil && url != "":
					changes = append(changes, change{create: &inbox.Webhook{AccountID: acc, Dialect: inbox.WebhookChatwoot,
						InboxID: &b.ID, Name: b.Name, URL: url, Events: inbox.ChatwootInboxWebhookEvents}})
				case w != nil && url == "":
					changes = append(changes, change{remove: w})
				case w != nil && w.URL != url:
					w.URL = url
					changes = append(changes, change{update: w})
				}
			}
			for _, w := range have { // the inbox is gone
				changes = append(changes, change{remove: w})
			}
		}
		return nil
	})
	if err != nil || len(changes) == 0 {
		return err
	}
	return s.app.store.Update(ctx, func(tx inbox.Tx) error {
		for _, c := range changes {
			var err error
			switch {
			case c.create != nil:
				secret := newWebhookSecret()
				c.create.SecretSealed = s.app.secret.Seal([]byte(secret), webhookSecretPurpose(c.create.AccountID))
				if err = tx.CreateWebhook(ctx, c.create); inbox.ErrorCode(err) == inbox.ECONFLICT {
					err = nil // another node made it first
				}
			case c.update != nil:
				_, err = tx.UpdateWebhook(ctx, c.update.AccountID, c.update.ID, inbox.WebhookUpdate{URL: &c.update.URL})
			default:
				if err = tx.DeleteWebhook(ctx, c.remove.AccountID, c.remove.ID); inbox.ErrorCode(err) == inbox.ENOTFOUND {
					err = nil
				}
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// ReleaseLeases gives up the fan-out cursor and the deliveries owner holds
// (a node stopping), or every lease when owner is "" (a SQLite database has
// one serving process: at its start, whatever a killed predecessor held
// can be taken back at once instead of when the leases end).
func (s *System) ReleaseLeases(ctx context.Context, owner string) error {
	return s.app.store.Update(ctx, func(tx inbox.Tx) error { return tx.ReleaseLeases(ctx, owner) })
}

// Outgoing is a claimed delivery with what sending it takes.
type Outgoing struct {
	Delivery *inbox.Delivery
	Webhook  *inbox.Webhook
	// Key signs the body: the webhook's secret (Chatwoot) or its
	// application's client secret (BookingSync). nil when it cannot be
	// recovered; KeyErr says why, and the attempt fails without a request.
	Key    []byte
	KeyErr error
}

// ClaimDeliveries leases up to limit due deliveries (of any account) to
// owner for lease, leaving out the webhooks in skip, and returns them ready
// to send.
func (s *System) ClaimDeliveries(ctx context.Context, owner string, lease time.Duration, limit int, skip []int64) ([]*Outgoing, error) {
	var out []*Outgoing
	err := s.app.store.Update(ctx, func(tx inbox.Tx) error {
		ds, err := tx.ClaimDeliveries(ctx, owner, tx.Now(), tx.Now().Add(lease), limit, skip)
		if err != nil {
			return err
		}
		out, err = s.outgoing(ctx, tx, ds)
		return err
	})
	return out, err
}

// signingKey recovers the key that signs a webhook's deliveries.
func (s *System) signingKey(ctx context.Context, tx inbox.Tx, w *inbox.Webhook) ([]byte, error) {
	if w.ApplicationID != nil {
		app, err := tx.FindApplicationByID(ctx, w.AccountID, *w.ApplicationID)
		if err != nil {
			return nil, err
		}
		secret, err := s.app.ClientSecret(app)
		if err != nil {
			return nil, err
		}
		return []byte(secret), nil
	}
	b, err := s.app.secret.Open(w.SecretSealed, webhookSecretPurpose(w.AccountID))
	if err != nil {
		return nil, errors.New("the webhook's secret cannot be recovered (sealed under another server key): delete and re-create the webhook")
	}
	return b, nil
}

// Attempt is the outcome of one POST.
type Attempt struct {
	At      time.Time
	Status  int // 0 when no response came back
	Latency time.Duration
	Err     string // "" on success
	// Timeout reports that the receiver did not answer in time.
	Timeout bool
}

// OK reports whether the receiver accepted the delivery (any 2xx).
func (a Attempt) OK() bool { return a.Err == "" && a.Status >= 200 && a.Status < 300 }

// Completion is the outcome of one attempt of a claimed delivery.
type Completion struct {
	Out     *Outgoing
	Attempt Attempt
	// Node is the node that made the attempt.
	Node string
}

// CompleteDeliveries records attempts, in order, in one transaction, and
// decides what follows each: delivered on a 2xx; otherwise a retry after
// RetryDelay (with jitter) until the retry window closes, then failed. A
// webhook that has failed without a success for inbox.WebhookDisableAfter
// is disabled (its pending deliveries fail); those this disabled are
// returned, with the reason. An attempt of a delivery no longer pending
// (redelivered meanwhile, or its webhook deleted) is dropped.
func (s *System) CompleteDeliveries(ctx context.Context, cs []Completion) ([]*inbox.Webhook, error) {
	var disabled []*inbox.Webhook
	done := make([]inbox.Delivery, len(cs))
	err := s.app.store.Update(ctx, func(tx inbox.Tx) error {
		disabled = nil
		hooks := map[int64]*inbox.Webhook{}
		dirty := map[int64]bool{}
		var order []int64
		now := tx.Now()
		ds := make([]*inbox.Delivery, len(cs))
		ats := make([]*inbox.DeliveryAttempt, len(cs))
		for i, c := range cs {
			d, at := *c.Out.Delivery, c.Attempt
			d.LastStatus, d.LastError, d.LastLatency = at.Status, at.Err, at.Latency
			switch {
			case at.OK():
				d.State, d.DeliveredAt = inbox.WebhookDelivered, &now
			case !now.Before(d.RetryUntil):
				d.State = inbox.WebhookFailed
			default:
				d.State = inbox.WebhookPending
				// The last retry falls on the window's end.
				if d.NextAttemptAt = now.Add(jitter(RetryDelay(d.Attempts + 1))); d.NextAttemptAt.After(d.RetryUntil) {
					d.NextAttemptAt = d.RetryUntil
				}
			}
			ds[i] = &d
			ats[i] = &inbox.DeliveryAttempt{At: at.At, Status: at.Status, Latency: at.Latency, Error: at.Err, Node: c.Node}
		}
		// Recorded with a few statements for the whole batch: one each per
		// delivery made the recorder fall behind the sends on a loaded
		// PostgreSQL, until leases ran out and deliveries were sent twice.
		recorded, err := tx.CompleteDeliveries(ctx, ds, ats)
		if err != nil {
			return err
		}
		for i, c := range cs {
			if !recorded[i] { // no longer pending (redelivered by hand, webhook deleted)
				done[i] = *c.Out.Delivery
				continue
			}
			d, at := ds[i], c.Attempt
			done[i] = *d
			w, ok := hooks[d.WebhookID]
			if !ok {
				if w, err = tx.FindWebhookByID(ctx, d.AccountID, d.WebhookID); err != nil {
					return err
				}
				hooks[w.ID] = w
				order = append(order, w.ID)
			}
			switch {
			case at.OK():
				// Written only when it changes something worth the write.
				if w.FailingSince != nil || w.LastSuccessAt == nil || now.Sub(*w.LastSuccessAt) >= time.Minute {
					w.FailingSince, w.LastSuccessAt, dirty[w.ID] = nil, &now, true
				}
			case w.FailingSince == nil:
				w.FailingSince, dirty[w.ID] = &now, true
			case w.DisabledAt == nil && now.Sub(*w.FailingSince) >= inbox.WebhookDisableAfter:
				w.DisabledAt, dirty[w.ID] = &now, true
				w.DisabledReason = fmt.Sprintf("disabled after failing without a success since %s (last error: %s)",
					w.FailingSince.Format(time.RFC3339), at.Err)
				disabled = append(disabled, w)
			}
		}
		for _, id := range order {
			if w := hooks[id]; dirty[id] {
				if err := tx.SetWebhookHealth(ctx, w); err != nil {
					return err
				}
			}
		}
		for _, w := range disabled {
			if err := tx.FailDeliveries(ctx, w.AccountID, w.ID, "webhook disabled"); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for i, c := range cs {
			*c.Out.Delivery = done[i]
		}
	}
	return disabled, err
}

// PendingDeliveries returns how many deliveries wait, per dialect.
func (s *System) PendingDeliveries(ctx context.Context) (map[string]int, error) {
	var out map[string]int
	err := s.app.store.View(ctx, func(tx inbox.Tx) (err error) {
		out, err = tx.CountPendingDeliveries(ctx)
		return err
	})
	return out, err
}
