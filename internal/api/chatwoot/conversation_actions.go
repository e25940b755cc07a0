package chatwoot

import (
	"context"
	"net/http"
	"strings"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// POST /conversations/{id}/toggle_status: set the status, or toggle
// open ↔ resolved when none is given. snoozed_until is Unix seconds.
func (a *API) toggleStatus(w http.ResponseWriter, r *http.Request) {
	ref, p, good := a.conversationParams(w, r)
	if !good {
		return
	}
	status, err := p.str("status")
	if err != nil {
		a.invalid(w, r, ref, err)
		return
	}
	status = strings.TrimSpace(status)
	until, err := p.unixOrISO("snoozed_until")
	if err != nil {
		a.invalid(w, r, ref, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*inbox.Conversation, error) {
		return a.app.ToggleStatus(ctx, ref, status, until)
	}, func(c *inbox.Conversation) httpx.Response { return ok(toggleStatusFrom(c)) })
}

// POST /conversations/{id}/toggle_priority: missing or empty clears it.
func (a *API) togglePriority(w http.ResponseWriter, r *http.Request) {
	ref, p, good := a.conversationParams(w, r)
	if !good {
		return
	}
	priority, err := p.str("priority")
	if err != nil {
		a.invalid(w, r, ref, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.ConversationView, error) {
		return a.app.UpdateConversation(ctx, ref, app.ConversationChange{Priority: &priority}, app.ViewOptions{})
	}, func(*app.ConversationView) httpx.Response { return empty() })
}

// POST /conversations/{id}/assignments: assignee_id (present, even null)
// assigns that agent or unassigns; a team assignment answers null, as teams
// are not modelled.
func (a *API) assign(w http.ResponseWriter, r *http.Request) {
	ref, p, good := a.conversationParams(w, r)
	if !good {
		return
	}
	if !p.has("assignee_id") {
		// Nothing to change; the conversation must still be one the
		// caller may act on.
		if err := a.app.Check(r.Context(), &ref); err != nil {
			a.writeError(w, r, err)
			return
		}
		ok(nil).Write(w)
		return
	}
	if t, err := p.str("assignee_type"); err != nil {
		a.invalid(w, r, ref, err)
		return
	} else if t == "AgentBot" {
		a.invalid(w, r, ref, inbox.FieldError("assignee_type", "Agent bots are not supported"))
		return
	}
	id, err := p.id("assignee_id")
	if err != nil {
		a.invalid(w, r, ref, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.ConversationView, error) {
		return a.app.UpdateConversation(ctx, ref, app.ConversationChange{AssigneeID: &id}, details)
	}, func(v *app.ConversationView) httpx.Response {
		if v.Assignee == nil {
			return ok(nil)
		}
		return ok(agentFrom(v.Assignee))
	})
}

// GET /conversations/{id}/labels
func (a *API) listLabels(w http.ResponseWriter, r *http.Request) {
	ref, err := conversationRef(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	a.read(w, r, func(l *app.Loader) (any, error) {
		v, err := l.Conversation(ref, app.ViewOptions{})
		if err != nil {
			return nil, err
		}
		return labelsFrom(v.Labels), nil
	})
}

// POST /conversations/{id}/labels replaces the label list; as in Chatwoot,
// a request without labels clears it.
func (a *API) setLabels(w http.ResponseWriter, r *http.Request) {
	ref, p, good := a.conversationParams(w, r)
	if !good {
		return
	}
	labels, err := p.list("labels")
	if err != nil {
		a.invalid(w, r, ref, err)
		return
	}
	if labels == nil {
		labels = []string{}
	}
	reply(a, w, r, func(ctx context.Context) (*app.ConversationView, error) {
		return a.app.UpdateConversation(ctx, ref, app.ConversationChange{Labels: &labels}, app.ViewOptions{})
	}, func(v *app.ConversationView) httpx.Response { return ok(labelsFrom(v.Labels)) })
}

// POST /conversations/{id}/custom_attributes replaces the whole object.
func (a *API) setCustomAttributes(w http.ResponseWriter, r *http.Request) {
	ref, p, good := a.conversationParams(w, r)
	if !good {
		return
	}
	custom, present, err := p.object("custom_attributes")
	if err != nil {
		a.invalid(w, r, ref, err)
		return
	} else if !present {
		a.invalid(w, r, ref, missingParam("custom_attributes"))
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.ConversationView, error) {
		return a.app.UpdateConversation(ctx, ref, app.ConversationChange{CustomAttributes: &custom}, app.ViewOptions{})
	}, func(v *app.ConversationView) httpx.Response {
		return ok(customAttributesPayload{CustomAttributes: attrs(v.CustomAttributes)})
	})
}

// POST /conversations/{id}/update_last_seen
func (a *API) updateLastSeen(w http.ResponseWriter, r *http.Request) {
	ref, err := conversationRef(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.ConversationView, error) {
		return a.app.MarkSeen(ctx, ref, details)
	}, a.conversationResponse(r))
}

// POST /conversations/{id}/unread
func (a *API) markUnread(w http.ResponseWriter, r *http.Request) {
	ref, err := conversationRef(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.ConversationView, error) {
		return a.app.MarkUnread(ctx, ref, details)
	}, a.conversationResponse(r))
}

// POST /conversations/{id}/mute and /unmute
func (a *API) setMuted(muted bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ref, err := conversationRef(r)
		if err != nil {
			a.invalid(w, r, app.ConversationRef{}, err)
			return
		}
		reply(a, w, r, func(ctx context.Context) (none, error) {
			return none{}, a.app.SetMuted(ctx, ref, muted)
		}, func(none) httpx.Response { return empty() })
	}
}
