package chatwoot

import (
	"net/http"
	"strconv"
	"strings"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// messageErrors renders message errors: a 404 names the message, and model
// validations read "Validation failed: …" as Chatwoot's message create says.
var messageErrors = errorOptions{notFoundField: "message_id", validationPrefix: true}

// GET /conversations/{id}/messages
func (a *API) listMessages(w http.ResponseWriter, r *http.Request) {
	c, p, ok := a.conversationAction(w, r)
	if !ok {
		return
	}
	f := inbox.MessageFilter{ConversationID: &c.ID}
	if err := messageWindow(p, &f); err != nil {
		a.writeError(w, r, err)
		return
	}
	internal, err := p.boolean("filter_internal_messages")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if internal != nil && *internal {
		f.ExcludeActivity, f.ExcludePrivate = true, true
	}
	f.Page.SkipTotal = true // Chatwoot's messages list has no total
	msgs, _, err := a.app.ListMessages(r.Context(), f)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	views, err := a.app.MessageViews(r.Context(), msgs)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	cvs, err := a.app.ConversationViews(r.Context(), []*inbox.Conversation{c}, app.ViewOptions{Details: true})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, messagesFrom(cvs[0], views, a.base(r)))
}

// messageCreate maps the fields of a message create (also the message of a
// conversation create). The conversation id is the caller's to set.
func messageCreate(p *params) (app.MessageCreate, error) {
	var in app.MessageCreate
	var err error
	if in.Content, err = p.optStr("content"); err != nil {
		return in, err
	}
	kind, err := p.str("message_type")
	if err != nil {
		return in, err
	}
	switch strings.TrimSpace(kind) {
	case "", "outgoing", "1":
	case "incoming", "0":
		in.AsContact = true
	case "template", "3":
		in.Template = true
	default:
		return in, inbox.FieldError("message_type", inbox.MsgInclusion)
	}
	if private, err := p.boolean("private"); err != nil {
		return in, err
	} else if private != nil && *private {
		in.Visibility = inbox.VisibilityInternal
	}
	if in.ContentType, err = p.str("content_type"); err != nil {
		return in, err
	}
	if in.ContentAttributes, _, err = p.object("content_attributes"); err != nil {
		return in, err
	}
	if v, ok := p.values["external_created_at"]; ok && v != nil {
		if in.ContentAttributes == nil {
			in.ContentAttributes = inbox.Attributes{}
		}
		in.ContentAttributes["external_created_at"] = normalize(v)
	}
	for _, key := range []string{"campaign_id", "template_params"} {
		if v, ok := p.values[key]; ok && v != nil {
			if in.AdditionalAttributes == nil {
				in.AdditionalAttributes = inbox.Attributes{}
			}
			in.AdditionalAttributes[key] = normalize(v)
		}
	}
	if in.EchoID, err = p.str("echo_id"); err != nil {
		return in, err
	}
	if in.SourceID, err = p.str("source_id"); err != nil {
		return in, err
	}
	if st, err := p.str("sender_type"); err != nil {
		return in, err
	} else if st == "AgentBot" {
		return in, inbox.FieldError("sender_type", "Agent bots are not supported")
	}
	return in, nil
}

// POST /conversations/{id}/messages (JSON, form-encoded or multipart with
// attachments[] files)
func (a *API) createMessage(w http.ResponseWriter, r *http.Request) {
	c, p, ok := a.conversationAction(w, r)
	if !ok {
		return
	}
	in, err := messageCreate(p)
	if err != nil {
		a.writeError(w, r, err, messageErrors)
		return
	}
	in.ConversationID = c.ID
	if in.Files, err = p.uploads(); err != nil {
		a.writeError(w, r, err, messageErrors)
		return
	}
	m, err := a.app.CreateMessage(r.Context(), in)
	if err != nil {
		a.writeError(w, r, err, messageErrors)
		return
	}
	a.writeMessage(w, r, m)
}

// writeMessage answers with one message in the API shape.
func (a *API) writeMessage(w http.ResponseWriter, r *http.Request, m *inbox.Message) {
	views, err := a.app.MessageViews(r.Context(), []*inbox.Message{m})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, apiMessageFrom(views[0], a.base(r)))
}

// messageID reads the path's message id; a malformed one is as unknown as
// a missing message.
func messageID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("message_id"), 10, 64)
	if err != nil {
		return 0, apiError(inbox.ENOTFOUND, "message_id", msgNotFound)
	}
	return id, nil
}

// PATCH|PUT /conversations/{id}/messages/{message_id}: delivery status and
// external_error (API inboxes only); other fields are ignored.
func (a *API) updateMessage(w http.ResponseWriter, r *http.Request) {
	c, p, ok := a.conversationAction(w, r)
	if !ok {
		return
	}
	id, err := messageID(r)
	if err != nil {
		a.writeError(w, r, err, messageErrors)
		return
	}
	ch := app.MessageChange{ConversationID: c.ID}
	if status, err := p.str("status"); err != nil {
		a.writeError(w, r, err)
		return
	} else if status = strings.TrimSpace(status); status != "" {
		ch.Status = &status
	}
	if ch.ExternalError, err = p.optStr("external_error"); err != nil {
		a.writeError(w, r, err)
		return
	}
	var m *inbox.Message
	opts := messageErrors
	if ch.Status == nil && ch.ExternalError == nil {
		m, err = a.app.GetMessage(r.Context(), c.ID, id)
	} else {
		m, err = a.app.UpdateMessage(r.Context(), id, ch)
		opts = errorOptions{notFoundField: "message_id"}
	}
	if err != nil {
		a.writeError(w, r, err, opts)
		return
	}
	a.writeMessage(w, r, m)
}

// DELETE /conversations/{id}/messages/{message_id}: soft delete.
func (a *API) deleteMessage(w http.ResponseWriter, r *http.Request) {
	c, err := a.findConversation(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	id, err := messageID(r)
	if err != nil {
		a.writeError(w, r, err, messageErrors)
		return
	}
	m, err := a.app.DeleteMessage(r.Context(), c.ID, id)
	if err != nil {
		a.writeError(w, r, err, messageErrors)
		return
	}
	a.writeMessage(w, r, m)
}
