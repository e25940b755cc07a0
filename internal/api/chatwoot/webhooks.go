package chatwoot

import (
	"context"
	"net/http"
	"strconv"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// /api/v1/accounts/{account_id}/webhooks: the account's webhooks
// (administrators). Bodies as Chatwoot's server renders them: index
// {"payload":{"webhooks":[…]}}, create and update {"payload":{"webhook":
// {…}}}, destroy an empty 200. A webhook: id, name, url, account_id,
// subscriptions, secret (Chatwoot ≥ 4.11 shows it to administrators), and
// inboxd's active, disabled_at (Unix seconds or null) and disabled_reason
// (why deliveries stopped).

// webhookJSON is a webhook in Chatwoot's key order.
type webhookJSON struct {
	ID             int64    `json:"id"`
	Name           string   `json:"name"`
	URL            string   `json:"url"`
	AccountID      int64    `json:"account_id"`
	Subscriptions  []string `json:"subscriptions"`
	Secret         string   `json:"secret"`
	Active         bool     `json:"active"`
	DisabledAt     *int64   `json:"disabled_at"`
	DisabledReason *string  `json:"disabled_reason"`
}

func webhookFrom(v *app.WebhookView) *webhookJSON {
	w := &webhookJSON{ID: v.ID, Name: v.Name, URL: v.URL, AccountID: v.AccountID, Subscriptions: v.Events,
		Secret: v.Secret, Active: v.Enabled(), DisabledReason: nullString(v.DisabledReason)}
	if v.DisabledAt != nil {
		at := v.DisabledAt.Unix()
		w.DisabledAt = &at
	}
	return w
}

type webhookPayload struct {
	Payload struct {
		Webhook *webhookJSON `json:"webhook"`
	} `json:"payload"`
}

func webhookResponse(v *app.WebhookView) httpx.Response {
	var p webhookPayload
	p.Payload.Webhook = webhookFrom(v)
	return ok(p)
}

func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request) {
	reply(a, w, r, func(ctx context.Context) ([]*app.WebhookView, error) {
		return a.app.Webhooks(ctx, inbox.WebhookChatwoot)
	}, func(vs []*app.WebhookView) httpx.Response {
		var p struct {
			Payload struct {
				Webhooks []*webhookJSON `json:"webhooks"`
			} `json:"payload"`
		}
		p.Payload.Webhooks = []*webhookJSON{}
		for _, v := range vs {
			p.Payload.Webhooks = append(p.Payload.Webhooks, webhookFrom(v))
		}
		return ok(p)
	})
}

// webhookParams reads a webhook's parameters, top-level or wrapped in
// "webhook" (Rails accepts both).
func (a *API) webhookParams(w http.ResponseWriter, r *http.Request) (app.WebhookChange, bool) {
	var ch app.WebhookChange
	p, err := readParams(r)
	if err == nil {
		if sub, ok := p.sub("webhook"); ok {
			p = sub
		}
		ch, err = webhookChangeFrom(p)
	}
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return ch, false
	}
	return ch, true
}

func webhookChangeFrom(p *params) (app.WebhookChange, error) {
	var ch app.WebhookChange
	var err error
	if ch.URL, err = p.optStr("url"); err != nil {
		return ch, err
	}
	if ch.Name, err = p.optStr("name"); err != nil {
		return ch, err
	}
	if p.has("subscriptions") {
		subs, err := p.list("subscriptions")
		if err != nil {
			return ch, err
		}
		if subs == nil {
			subs = []string{}
		}
		ch.Events = &subs
	}
	if ch.Enabled, err = p.boolean("active"); err != nil {
		return ch, err
	}
	return ch, nil
}

func (a *API) createWebhook(w http.ResponseWriter, r *http.Request) {
	ch, good := a.webhookParams(w, r)
	if !good {
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.WebhookView, error) {
		return a.app.CreateWebhook(ctx, inbox.WebhookChatwoot, ch)
	}, webhookResponse)
}

// webhookID reads the path's webhook id; a malformed one is as unknown as
// a missing one.
func (a *API) webhookID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("webhook_id"), 10, 64)
	if err != nil || id <= 0 {
		a.invalid(w, r, app.ConversationRef{}, apiError(inbox.ENOTFOUND, "webhook_id", msgNotFound))
		return 0, false
	}
	return id, true
}

func (a *API) updateWebhook(w http.ResponseWriter, r *http.Request) {
	id, good := a.webhookID(w, r)
	if !good {
		return
	}
	ch, good := a.webhookParams(w, r)
	if !good {
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.WebhookView, error) {
		return a.app.UpdateWebhook(ctx, inbox.WebhookChatwoot, id, ch)
	}, webhookResponse)
}

func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, good := a.webhookID(w, r)
	if !good {
		return
	}
	reply(a, w, r, func(ctx context.Context) (none, error) {
		return none{}, a.app.DeleteWebhook(ctx, inbox.WebhookChatwoot, id)
	}, func(none) httpx.Response { return empty() })
}

// registerWebhooks mounts the account's webhook routes.
func (a *API) registerWebhooks(mux both) {
	const (
		hooks = "/api/v1/accounts/{account_id}/webhooks"
		hook  = hooks + "/{webhook_id}"
	)
	mux.Handle("GET "+hooks, a.authed(inbox.ScopeWebhooksRead, a.listWebhooks))
	mux.Handle("POST "+hooks, a.authed(inbox.ScopeWebhooksWrite, a.createWebhook))
	mux.Handle("PATCH "+hook, a.authed(inbox.ScopeWebhooksWrite, a.updateWebhook))
	mux.Handle("PUT "+hook, a.authed(inbox.ScopeWebhooksWrite, a.updateWebhook))
	mux.Handle("DELETE "+hook, a.authed(inbox.ScopeWebhooksWrite, a.deleteWebhook))
}
