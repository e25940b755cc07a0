package app

import (
	"context"
	"time"

	inbox "github.com/inboxd/inbox"
)

// The command line manages the same webhooks as the APIs (inboxd webhooks
// create|list|update|delete), looks at deliveries and sends them again.
// With an application id they are that application's BookingSync
// subscriptions, without one the account's Chatwoot webhooks.

func adminOwner(accountID int64, appID *int64) webhookOwner {
	if appID != nil {
		return webhookOwner{accountID: accountID, dialect: inbox.WebhookBookingSync, applicationID: appID}
	}
	return webhookOwner{accountID: accountID, dialect: inbox.WebhookChatwoot}
}

// CreateWebhook creates a webhook of an application (BookingSync) or, with
// appID nil, of the account (Chatwoot).
func (ad *Admin) CreateWebhook(ctx context.Context, accountID int64, appID *int64, ch WebhookChange) (*WebhookView, error) {
	var v *WebhookView
	err := ad.app.store.Update(ctx, func(tx inbox.Tx) (err error) {
		if _, err := tx.FindAccountByID(ctx, accountID); err != nil {
			return err
		}
		v, err = ad.app.createWebhook(ctx, tx, adminOwner(accountID, appID), ch)
		return err
	})
	return v, err
}

// Webhooks lists every webhook of an account, its API inboxes' included.
func (ad *Admin) Webhooks(ctx context.Context, accountID int64) ([]*WebhookView, error) {
	var out []*WebhookView
	err := ad.app.store.View(ctx, func(tx inbox.Tx) error {
		if _, err := tx.FindAccountByID(ctx, accountID); err != nil {
			return err
		}
		ws, err := tx.FindWebhooks(ctx, accountID, inbox.WebhookFilter{})
		for _, w := range ws {
			out = append(out, ad.app.webhookView(w))
		}
		return err
	})
	return out, err
}

// UpdateWebhook changes a webhook of an account.
func (ad *Admin) UpdateWebhook(ctx context.Context, accountID, id int64, ch WebhookChange) (*WebhookView, error) {
	var v *WebhookView
	err := ad.app.store.Update(ctx, func(tx inbox.Tx) error {
		w, err := tx.FindWebhookByID(ctx, accountID, id)
		if err != nil {
			return err
		}
		if w.InboxID != nil && (ch.URL != nil || ch.Events != nil) {
			return inbox.FieldError("url", "is the inbox's webhook_url: change it on the inbox")
		}
		o := webhookOwner{accountID: accountID, dialect: w.Dialect, applicationID: w.ApplicationID}
		if w.InboxID != nil {
			v, err = ad.app.setInboxWebhookEnabled(ctx, tx, w, ch)
			return err
		}
		v, err = ad.app.updateWebhook(ctx, tx, o, id, ch)
		return err
	})
	return v, err
}

// setInboxWebhookEnabled applies what may change of an inbox's webhook:
// its name and whether it is enabled.
func (a *App) setInboxWebhookEnabled(ctx context.Context, tx inbox.Tx, w *inbox.Webhook, ch WebhookChange) (*WebhookView, error) {
	w, err := tx.UpdateWebhook(ctx, w.AccountID, w.ID, inbox.WebhookUpdate{Name: ch.Name, Enabled: ch.Enabled})
	if err != nil {
		return nil, err
	}
	return a.webhookView(w), nil
}

// DeleteWebhook removes a webhook of an account with its deliveries.
func (ad *Admin) DeleteWebhook(ctx context.Context, accountID, id int64) error {
	return ad.app.store.Update(ctx, func(tx inbox.Tx) error {
		return tx.DeleteWebhook(ctx, accountID, id)
	})
}

// DeliveryView is a delivery with its attempts (when asked for).
type DeliveryView struct {
	*inbox.Delivery
	Log []*inbox.DeliveryAttempt
}

// Deliveries lists an account's recent deliveries, newest first; with
// attempts, each with its attempts.
func (ad *Admin) Deliveries(ctx context.Context, accountID int64, f inbox.DeliveryFilter, attempts bool) ([]*DeliveryView, error) {
	var out []*DeliveryView
	err := ad.app.store.View(ctx, func(tx inbox.Tx) error {
		if _, err := tx.FindAccountByID(ctx, accountID); err != nil {
			return err
		}
		ds, err := tx.FindDeliveries(ctx, accountID, f)
		if err != nil {
			return err
		}
		for _, d := range ds {
			v := &DeliveryView{Delivery: d}
			if attempts {
				if v.Log, err = tx.FindDeliveryAttempts(ctx, accountID, d.ID); err != nil {
					return err
				}
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// Redeliver sends deliveries again, with the same delivery id and a new
// retry window: one delivery (id, in any state), or every failed one
// created at or after since (of one webhook when webhookID is set). It
// returns how many it queued.
func (ad *Admin) Redeliver(ctx context.Context, accountID int64, id, webhookID *int64, since *time.Time) (int, error) {
	if id == nil && since == nil {
		return 0, inbox.FieldError("since", inbox.MsgBlank)
	}
	var n int
	err := ad.app.store.Update(ctx, func(tx inbox.Tx) error {
		if _, err := tx.FindAccountByID(ctx, accountID); err != nil {
			return err
		}
		if id != nil {
			if _, err := tx.FindDeliveryByID(ctx, accountID, *id); err != nil {
				return err
			}
		}
		var err error
		n, err = tx.RetryDeliveries(ctx, accountID, id, webhookID, since, tx.Now().Add(RetryWindow))
		return err
	})
	return n, err
}
