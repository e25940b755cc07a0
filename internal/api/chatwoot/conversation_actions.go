package chatwoot

import (
	"net/http"
	"strings"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// conversationAction loads the path's conversation and its parameters, or
// answers the error itself (ok false).
func (a *API) conversationAction(w http.ResponseWriter, r *http.Request) (*inbox.Conversation, *params, bool) {
	c, err := a.findConversation(r)
	if err != nil {
		a.writeError(w, r, err)
		return nil, nil, false
	}
	p, err := readParams(r)
	if err != nil {
		a.writeError(w, r, err)
		return nil, nil, false
	}
	return c, p, true
}

// POST /conversations/{id}/toggle_status: set the status, or toggle
// open ↔ resolved when none is given. snoozed_until is Unix seconds.
func (a *API) toggleStatus(w http.ResponseWriter, r *http.Request) {
	c, p, ok := a.conversationAction(w, r)
	if !ok {
		return
	}
	status, err := p.str("status")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	status = strings.TrimSpace(status)
	until, err := p.unixOrISO("snoozed_until")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if c, err = a.app.ToggleStatus(r.Context(), c.ID, status, until); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, toggleStatusFrom(c))
}

// POST /conversations/{id}/toggle_priority: missing or empty clears it.
func (a *API) togglePriority(w http.ResponseWriter, r *http.Request) {
	c, p, ok := a.conversationAction(w, r)
	if !ok {
		return
	}
	priority, err := p.str("priority")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if _, err := a.app.UpdateConversation(r.Context(), c.ID, app.ConversationChange{Priority: &priority}); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeEmpty(w)
}

// POST /conversations/{id}/assignments: assignee_id (present, even null)
// assigns that agent or unassigns; a team assignment answers null, as teams
// are not modelled.
func (a *API) assign(w http.ResponseWriter, r *http.Request) {
	c, p, ok := a.conversationAction(w, r)
	if !ok {
		return
	}
	if !p.has("assignee_id") {
		writeJSON(w, nil)
		return
	}
	if t, err := p.str("assignee_type"); err != nil {
		a.writeError(w, r, err)
		return
	} else if t == "AgentBot" {
		a.writeError(w, r, inbox.FieldError("assignee_type", "Agent bots are not supported"))
		return
	}
	id, err := p.id("assignee_id")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if c, err = a.app.UpdateConversation(r.Context(), c.ID, app.ConversationChange{AssigneeID: &id}); err != nil {
		a.writeError(w, r, err)
		return
	}
	views, err := a.app.ConversationViews(r.Context(), []*inbox.Conversation{c}, app.ViewOptions{Details: true})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if views[0].Assignee == nil {
		writeJSON(w, nil)
		return
	}
	writeJSON(w, agentFrom(views[0].Assignee))
}

// GET /conversations/{id}/labels
func (a *API) listLabels(w http.ResponseWriter, r *http.Request) {
	c, err := a.findConversation(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, labelsFrom(c.Labels))
}

// POST /conversations/{id}/labels replaces the label list; as in Chatwoot,
// a request without labels clears it.
func (a *API) setLabels(w http.ResponseWriter, r *http.Request) {
	c, p, ok := a.conversationAction(w, r)
	if !ok {
		return
	}
	labels, err := p.list("labels")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if labels == nil {
		labels = []string{}
	}
	if c, err = a.app.UpdateConversation(r.Context(), c.ID, app.ConversationChange{Labels: &labels}); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, labelsFrom(c.Labels))
}

// POST /conversations/{id}/custom_attributes replaces the whole object.
func (a *API) setCustomAttributes(w http.ResponseWriter, r *http.Request) {
	c, p, ok := a.conversationAction(w, r)
	if !ok {
		return
	}
	custom, present, err := p.object("custom_attributes")
	if err != nil {
		a.writeError(w, r, err)
		return
	} else if !present {
		a.writeError(w, r, missingParam("custom_attributes"))
		return
	}
	if c, err = a.app.UpdateConversation(r.Context(), c.ID, app.ConversationChange{CustomAttributes: &custom}); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, customAttributesPayload{CustomAttributes: attrs(c.CustomAttributes)})
}

// POST /conversations/{id}/update_last_seen
func (a *API) updateLastSeen(w http.ResponseWriter, r *http.Request) {
	c, err := a.findConversation(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if c, err = a.app.MarkSeen(r.Context(), c.ID); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeConversation(w, r, c)
}

// POST /conversations/{id}/unread
func (a *API) markUnread(w http.ResponseWriter, r *http.Request) {
	c, err := a.findConversation(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if c, err = a.app.MarkUnread(r.Context(), c.ID); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeConversation(w, r, c)
}

// POST /conversations/{id}/mute and /unmute
func (a *API) setMuted(muted bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := a.findConversation(r)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		if err := a.app.SetMuted(r.Context(), c.ID, muted); err != nil {
			a.writeError(w, r, err)
			return
		}
		writeEmpty(w)
	}
}
