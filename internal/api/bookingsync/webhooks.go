package bookingsync

import (
	"context"
	"encoding/json"
	"net/http"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// /api/v3/webhooks: the subscriptions of the application the token belongs
// to (spec/bookingsync-v3.md §11 leaves their management to inboxd). A
// record: id, url, events, enabled, disabled_at, disabled_reason,
// failing_since, last_success_at, created_at, updated_at. Deliveries are
// signed with the application's client secret.

var webhookSchema = schema{
	create:   []string{"url", "events", "enabled"},
	update:   []string{"url", "events", "enabled"},
	readOnly: []string{"disabled_at", "disabled_reason", "failing_since", "last_success_at"},
}

func webhookRecord(v *app.WebhookView) object {
	var reason any
	if v.DisabledReason != "" {
		reason = v.DisabledReason
	}
	return object{
		{"id", v.ID},
		{"url", v.URL},
		{"events", v.Events},
		{"enabled", v.Enabled()},
		{"disabled_at", tmp(v.DisabledAt)},
		{"disabled_reason", reason},
		{"failing_since", tmp(v.FailingSince)},
		{"last_success_at", tmp(v.LastSuccessAt)},
		{"created_at", tm(v.CreatedAt)},
		{"updated_at", tm(v.UpdatedAt)},
	}
}

func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request) {
	reply(a, w, r, func(ctx context.Context) ([]*app.WebhookView, error) {
		return a.app.Webhooks(ctx, inbox.WebhookBookingSync)
	}, func(vs []*app.WebhookView) httpx.Response {
		return a.envelope(http.StatusOK, nil, "webhooks", records(vs, webhookRecord), nil)
	})
}

func (a *API) showWebhook(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.WebhookView, error) {
		return a.app.Webhook(ctx, inbox.WebhookBookingSync, id)
	}, func(v *app.WebhookView) httpx.Response { return a.updated(nil, "webhooks", webhookRecord(v)) })
}

// webhookChange decodes the writable attributes.
func webhookChange(r *http.Request, creating bool) (app.WebhookChange, error) {
	var ch app.WebhookChange
	at, err := readRecord(r, "webhooks")
	if err != nil {
		return ch, err
	}
	if err := webhookSchema.check(at, creating); err != nil {
		return ch, err
	}
	var errs fieldErrors
	if creating {
		at.require(&errs, "url", "events")
	}
	if s, ok := at.String(&errs, "url"); ok {
		ch.URL = &s
	}
	if at.has("events") {
		var events []string
		if err := json.Unmarshal(at["events"], &events); err != nil {
			errs.add(invalid("events", inbox.MsgInvalid))
		} else {
			ch.Events = &events
		}
	}
	if b, ok := at.Bool(&errs, "enabled"); ok {
		ch.Enabled = &b
	}
	return ch, errs.err()
}

func (a *API) createWebhook(w http.ResponseWriter, r *http.Request) {
	ch, err := webhookChange(r, true)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.WebhookView, error) {
		return a.app.CreateWebhook(ctx, inbox.WebhookBookingSync, ch)
	}, func(v *app.WebhookView) httpx.Response {
		return a.created(r, "/webhooks", v.ID, nil, "webhooks", webhookRecord(v))
	})
}

func (a *API) updateWebhook(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	ch, err := webhookChange(r, false)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.WebhookView, error) {
		return a.app.UpdateWebhook(ctx, inbox.WebhookBookingSync, id, ch)
	}, func(v *app.WebhookView) httpx.Response { return a.updated(nil, "webhooks", webhookRecord(v)) })
}

func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	reply(a, w, r, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, a.app.DeleteWebhook(ctx, inbox.WebhookBookingSync, id)
	}, func(struct{}) httpx.Response { return httpx.Response{Status: http.StatusNoContent} })
}

// registerWebhooks mounts /api/v3/webhooks.
func (a *API) registerWebhooks(mux httpx.Router, v3 string) {
	mux.Handle("GET "+v3+"/webhooks", a.scope(inbox.ScopeWebhooksRead, a.listWebhooks))
	mux.Handle("GET "+v3+"/webhooks/{id}", a.scope(inbox.ScopeWebhooksRead, a.showWebhook))
	mux.Handle("POST "+v3+"/webhooks", a.scope(inbox.ScopeWebhooksWrite, a.createWebhook))
	mux.Handle("PUT "+v3+"/webhooks/{id}", a.scope(inbox.ScopeWebhooksWrite, a.updateWebhook))
	mux.Handle("PATCH "+v3+"/webhooks/{id}", a.scope(inbox.ScopeWebhooksWrite, a.updateWebhook))
	mux.Handle("DELETE "+v3+"/webhooks/{id}", a.scope(inbox.ScopeWebhooksWrite, a.deleteWebhook))
}
