package chatwoot

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// messageErrors renders message errors: a 404 names the message, and model
// validations read "Validation failed: …" as Chatwoot's message create says.
var messageErrors = errorOptions{notFoundField: "message_id", validationPrefix: true}

// GET /conversations/{id}/messages
func (a *API) listMessages(w http.ResponseWriter, r *http.Request) {
	ref, p, good := a.conversationParams(w, r)
	if !good {
		return
	}
	var f inbox.MessageFilter
	if err := messageWindow(p, &f); err != nil {
		a.invalid(w, r, ref, err)
		return
	}
	internal, err := p.boolean("filter_internal_messages")
	if err != nil {
		a.invalid(w, r, ref, err)
		return
	}
	if internal != nil && *internal {
		f.ExcludeActivity, f.ExcludePrivate = true, true
	}
	f.Page.SkipTotal = true // Chatwoot's messages list has no total
	base := a.base(r)
	a.read(w, r, func(l *app.Loader) (any, error) {
		cv, err := l.Conversation(ref, app.ViewOptions{Parties: true})
		if err != nil {
			return nil, err
		}
		f.ConversationID = &cv.ID
		msgs, _, err := l.Messages(f)
		if err != nil {
			return nil, err
		}
		views, err := l.MessageViews(msgs)
		if err != nil {
			return nil, err
		}
		return messagesFrom(cv, views, base), nil
	})
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
	ref, p, good := a.conversationParams(w, r)
	if !good {
		return
	}
	in, err := messageCreate(p)
	if err != nil {
		a.invalid(w, r, ref, err, messageErrors)
		return
	}
	in.ConversationDisplayID = ref.DisplayID
	if in.Files, err = p.uploads(); err != nil {
		a.invalid(w, r, ref, err, messageErrors)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.MessageView, error) {
		return a.app.CreateMessage(ctx, in)
	}, a.messageResponse(r), messageErrors)
}

// messageResponse renders one message in the API shape.
func (a *API) messageResponse(r *http.Request) func(*app.MessageView) httpx.Response {
	base := a.base(r)
	return func(v *app.MessageView) httpx.Response { return ok(apiMessageFrom(v, base)) }
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
	ref, p, good := a.conversationParams(w, r)
	if !good {
		return
	}
	id, err := messageID(r)
	if err != nil {
		a.invalid(w, r, ref, err, messageErrors)
		return
	}
	ch := app.MessageChange{ConversationDisplayID: ref.DisplayID, OnlyDelivery: true}
	if status, err := p.str("status"); err != nil {
		a.invalid(w, r, ref, err)
		return
	} else if status = strings.TrimSpace(status); status != "" {
		ch.Status = &status
	}
	if ch.ExternalError, err = p.optStr("external_error"); err != nil {
		a.invalid(w, r, ref, err)
		return
	}
	opts := messageErrors
	if ch.Status != nil || ch.ExternalError != nil {
		opts = errorOptions{notFoundField: "message_id"}
	}
	reply(a, w, r, func(ctx context.Context) (*app.MessageView, error) {
		return a.app.UpdateMessage(ctx, id, ch)
	}, a.messageResponse(r), opts)
}

// DELETE /conversations/{id}/messages/{message_id}: soft delete.
func (a *API) deleteMessage(w http.ResponseWriter, r *http.Request) {
	ref, err := conversationRef(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	id, err := messageID(r)
	if err != nil {
		a.invalid(w, r, ref, err, messageErrors)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.MessageView, error) {
		return a.app.DeleteMessage(ctx, ref, id)
	}, a.messageResponse(r), messageErrors)
}
