package app

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/auth"
	"github.com/inboxd/inbox/internal/fetch"
)

// Webhook subscriptions, managed through both APIs and the command line.
// Who owns a webhook depends on the dialect it is managed through:
//
//   - Chatwoot (/api/v1/accounts/{id}/webhooks): the account's webhooks;
//     administrators only (agents get EFORBIDDEN, which Chatwoot answers
//     401). Each has a generated secret that signs its deliveries.
//   - BookingSync (/api/v3/webhooks): the subscriptions of the application
//     the token belongs to (scopes webhooks_read, webhooks_write). They are
//     signed with the application's client secret, and only carry events
//     the application's scopes allow.

// WebhookView is a webhook as its owner sees it.
type WebhookView struct {
	*inbox.Webhook
	// Secret is the signing secret in clear (Chatwoot webhooks); "" for
	// BookingSync, which signs with the application's client secret.
	Secret string
}

// WebhookChange is a new webhook or the changes to one; nil fields are left
// as they are (a new webhook needs URL and Events).
type WebhookChange struct {
	Name    *string
	URL     *string
	Events  *[]string
	Enabled *bool
}

// webhookOwner is whose webhooks a caller manages.
type webhookOwner struct {
	accountID     int64
	dialect       string
	applicationID *int64
}

// owns reports whether a webhook is the owner's (inbox webhooks are
// inboxd's own, kept in step with their inbox).
func (o webhookOwner) owns(w *inbox.Webhook) bool {
	if w.Dialect != o.dialect || w.InboxID != nil {
		return false
	}
	return o.applicationID == nil || (w.ApplicationID != nil && *w.ApplicationID == *o.applicationID)
}

// callerOwner resolves whose webhooks the caller manages through dialect.
func callerOwner(p *inbox.Principal, dialect string) (webhookOwner, error) {
	o := webhookOwner{accountID: p.AccountID, dialect: dialect}
	switch dialect {
	case inbox.WebhookChatwoot:
		if p.Host == nil || !p.IsAdmin() {
			return o, errNotPermitted()
		}
	case inbox.WebhookBookingSync:
		if p.ApplicationID == nil {
			return o, inbox.Errorf(inbox.EFORBIDDEN, "Webhook subscriptions belong to an application: use a token of the application.")
		}
		o.applicationID = p.ApplicationID
	default:
		return o, inbox.Errorf(inbox.EINTERNAL, "unknown webhook dialect %q", dialect)
	}
	return o, nil
}

// Webhooks lists the caller's webhooks.
func (a *App) Webhooks(ctx context.Context, dialect string) ([]*WebhookView, error) {
	return viewAs(ctx, a, inbox.ScopeWebhooksRead, func(l *Loader, p *inbox.Principal) ([]*WebhookView, error) {
		o, err := callerOwner(p, dialect)
		if err != nil {
			return nil, err
		}
		return a.listWebhooks(ctx, l.tx, o)
	})
}

// Webhook returns one of the caller's webhooks.
func (a *App) Webhook(ctx context.Context, dialect string, id int64) (*WebhookView, error) {
	return viewAs(ctx, a, inbox.ScopeWebhooksRead, func(l *Loader, p *inbox.Principal) (*WebhookView, error) {
		o, err := callerOwner(p, dialect)
		if err != nil {
			return nil, err
		}
		w, err := findOwnedWebhook(ctx, l.tx, o, id)
		if err != nil {
			return nil, err
		}
		return a.webhookView(w), nil
	})
}

// CreateWebhook subscribes a URL to events for the caller.
func (a *App) CreateWebhook(ctx context.Context, dialect string, ch WebhookChange) (*WebhookView, error) {
	return updateAs(ctx, a, inbox.ScopeWebhooksWrite, func(l *Loader, p *inbox.Principal) (*WebhookView, error) {
		o, err := callerOwner(p, dialect)
		if err != nil {
			return nil, err
		}
		return a.createWebhook(ctx, l.tx, o, ch)
	})
}

// UpdateWebhook changes one of the caller's webhooks.
func (a *App) UpdateWebhook(ctx context.Context, dialect string, id int64, ch WebhookChange) (*WebhookView, error) {
	return updateAs(ctx, a, inbox.ScopeWebhooksWrite, func(l *Loader, p *inbox.Principal) (*WebhookView, error) {
		o, err := callerOwner(p, dialect)
		if err != nil {
			return nil, err
		}
		return a.updateWebhook(ctx, l.tx, o, id, ch)
	})
}

// DeleteWebhook removes one of the caller's webhooks with its deliveries.
func (a *App) DeleteWebhook(ctx context.Context, dialect string, id int64) error {
	_, err := updateAs(ctx, a, inbox.ScopeWebhooksWrite, func(l *Loader, p *inbox.Principal) (struct{}, error) {
		o, err := callerOwner(p, dialect)
		if err != nil {
			return struct{}{}, err
		}
		if _, err := findOwnedWebhook(ctx, l.tx, o, id); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, l.tx.DeleteWebhook(ctx, p.AccountID, id)
	})
	return err
}

func (a *App) listWebhooks(ctx context.Context, tx inbox.Tx, o webhookOwner) ([]*WebhookView, error) {
	ws, err := tx.FindWebhooks(ctx, o.accountID, inbox.WebhookFilter{Dialect: o.dialect, ApplicationID: o.applicationID})
	if err != nil {
		return nil, err
	}
	out := []*WebhookView{}
	for _, w := range ws {
		if o.owns(w) {
			out = append(out, a.webhookView(w))
		}
	}
	return out, nil
}

// findOwnedWebhook finds a webhook of the owner; another's is ENOTFOUND.
func findOwnedWebhook(ctx context.Context, tx inbox.Tx, o webhookOwner, id int64) (*inbox.Webhook, error) {
	w, err := tx.FindWebhookByID(ctx, o.accountID, id)
	if err != nil {
		return nil, err
	}
	if !o.owns(w) {
		return nil, inbox.NotFound("Webhook")
	}
	return w, nil
}

func (a *App) createWebhook(ctx context.Context, tx inbox.Tx, o webhookOwner, ch WebhookChange) (*WebhookView, error) {
	w := &inbox.Webhook{AccountID: o.accountID, Dialect: o.dialect, ApplicationID: o.applicationID}
	if ch.Name != nil {
		w.Name = strings.TrimSpace(*ch.Name)
	}
	if ch.URL != nil {
		w.URL = strings.TrimSpace(*ch.URL)
	}
	if ch.Events != nil {
		w.Events = dedupe(*ch.Events)
	}
	if ch.Enabled != nil && !*ch.Enabled {
		w.DisabledAt = ptr(tx.Now())
	}
	if err := a.checkWebhook(ctx, tx, w); err != nil {
		return nil, err
	}
	var secret string
	if w.Dialect == inbox.WebhookChatwoot {
		secret = newWebhookSecret()
		w.SecretSealed = a.secret.Seal([]byte(secret), webhookSecretPurpose(w.AccountID))
	}
	if err := tx.CreateWebhook(ctx, w); err != nil {
		return nil, err
	}
	return &WebhookView{Webhook: w, Secret: secret}, nil
}

func (a *App) updateWebhook(ctx context.Context, tx inbox.Tx, o webhookOwner, id int64, ch WebhookChange) (*WebhookView, error) {
	w, err := findOwnedWebhook(ctx, tx, o, id)
	if err != nil {
		return nil, err
	}
	u := inbox.WebhookUpdate{Enabled: ch.Enabled}
	if ch.Name != nil {
		w.Name = strings.TrimSpace(*ch.Name)
		u.Name = &w.Name
	}
	if ch.URL != nil {
		w.URL = strings.TrimSpace(*ch.URL)
		u.URL = &w.URL
	}
	if ch.Events != nil {
		w.Events = dedupe(*ch.Events)
		u.Events = &w.Events
	}
	if err := a.checkWebhook(ctx, tx, w); err != nil {
		return nil, err
	}
	if w, err = tx.UpdateWebhook(ctx, o.accountID, id, u); err != nil {
		return nil, err
	}
	return a.webhookView(w), nil
}

// checkWebhook validates a webhook: its fields, a target that is not
// private (unless allowed), and for an application, that its scopes allow
// every event it asks for.
func (a *App) checkWebhook(ctx context.Context, tx inbox.Tx, w *inbox.Webhook) error {
	if err := w.Validate(); err != nil {
		return err
	}
	if err := a.checkTarget(w.URL); err != nil {
		return err
	}
	if w.ApplicationID == nil {
		return nil
	}
	app, err := tx.FindApplicationByID(ctx, w.AccountID, *w.ApplicationID)
	if err != nil {
		return asInvalid(err, "application")
	}
	for _, e := range w.Events {
		if s := inbox.BookingSyncEventScope(e); !app.Scopes.Has(s) {
			return inbox.FieldError("events", fmt.Sprintf("include %s, which needs the %s scope", e, s))
		}
	}
	return nil
}

// checkTarget refuses a URL whose host is, on its face, loopback, private
// or link-local, unless private targets are allowed. (Names are checked
// again at every connection, after DNS.)
func (a *App) checkTarget(raw string) error {
	if a.webhookAllowPrivate {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return inbox.FieldError("url", inbox.MsgInvalid)
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return inbox.FieldError("url", "points to an address that is not public")
	}
	if addr, err := netip.ParseAddr(host); err == nil && !fetch.Public(addr) {
		return inbox.FieldError("url", "points to an address that is not public")
	}
	return nil
}

func (a *App) webhookView(w *inbox.Webhook) *WebhookView {
	v := &WebhookView{Webhook: w}
	if len(w.SecretSealed) > 0 {
		if b, err := a.secret.Open(w.SecretSealed, webhookSecretPurpose(w.AccountID)); err == nil {
			v.Secret = string(b)
		}
	}
	return v
}

// newWebhookSecret returns a new signing secret (64 hex characters).
func newWebhookSecret() string {
	secret, _ := auth.NewSecret()
	return secret
}

func webhookSecretPurpose(accountID int64) string {
	return fmt.Sprintf("webhook-secret:%d", accountID)
}

func dedupe(in []string) []string {
	out := []string{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// syncInboxWebhook keeps an inbox's webhook in step with its webhook_url,
// inside the transaction that created or changed the inbox: one webhook
// (with its own secret) for an API inbox with a URL, following the URL,
// removed with it. Events from then on reach it.
func (a *App) syncInboxWebhook(ctx context.Context, tx inbox.Tx, b *inbox.Inbox) error {
	ws, err := tx.FindWebhooks(ctx, b.AccountID, inbox.WebhookFilter{InboxID: &b.ID})
	if err != nil {
		return err
	}
	url := ""
	if b.Channel == inbox.ChannelAPI {
		url = b.WebhookURL
	}
	switch {
	case len(ws) == 0 && url != "":
		w := &inbox.Webhook{AccountID: b.AccountID, Dialect: inbox.WebhookChatwoot, InboxID: &b.ID, Name: b.Name, URL: url,
			Events: inbox.ChatwootInboxWebhookEvents}
		w.SecretSealed = a.secret.Seal([]byte(newWebhookSecret()), webhookSecretPurpose(w.AccountID))
		return tx.CreateWebhook(ctx, w)
	case len(ws) > 0 && url == "":
		return tx.DeleteWebhook(ctx, b.AccountID, ws[0].ID)
	case len(ws) > 0 && ws[0].URL != url:
		_, err := tx.UpdateWebhook(ctx, b.AccountID, ws[0].ID, inbox.WebhookUpdate{URL: &url})
		return err
	}
	return nil
}
