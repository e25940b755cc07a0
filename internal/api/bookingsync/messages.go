package bookingsync

import (
	"context"
	"net/http"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// attachment_ids was spelled attachments_ids in the docs before 2021; both
// are accepted.
var messageSchema = schema{
	create: []string{"content", "origin", "visibility", "conversation_id", "sender_id", "channel", "sent_at",
		"attachment_ids", "attachments_ids"},
	update:   []string{"content", "origin", "visibility", "channel", "sent_at", "attachment_ids", "attachments_ids"},
	readOnly: []string{"created_by_id", "created_by_type"},
}

func (a *API) listMessages(w http.ResponseWriter, r *http.Request) { a.messages(w, r, false) }

func (a *API) getMessages(w http.ResponseWriter, r *http.Request) { a.messages(w, r, true) }

// messages lists messages; BookingSync never shows activity lines.
func (a *API) messages(w http.ResponseWriter, r *http.Request, byIDs bool) {
	list(a, w, r, byIDs, a.messageSpec(r))
}

// messageSpec describes the GET of messages, also the stored record a write compares
// read-only attributes with.
func (a *API) messageSpec(r *http.Request) listSpec[*inbox.Message] {
	return listSpec[*inbox.Message]{
		scope: inbox.ScopeInboxRead, resource: inbox.ResourceMessages, plural: "messages",
		fetch: func(l *app.Loader, q listQuery, ids []int64, pg inbox.Page) ([]*inbox.Message, int, error) {
			return l.Messages(inbox.MessageFilter{IDs: ids, UpdatedSince: q.since, ExcludeActivity: true, Page: pg})
		},
		idOf: func(m *inbox.Message) int64 { return m.ID },
		render: func(l *app.Loader, items []*inbox.Message) ([]object, object, error) {
			return records(items, messageRecord), templates(a.base(r), "messages", messageRels...), nil
		},
	}
}

// messageResponse renders a write's answer: the message as it is now (201
// with its Location when created).
func (a *API) messageResponse(r *http.Request, created bool) func(*app.MessageView) httpx.Response {
	tpl := templates(a.base(r), "messages", messageRels...)
	return func(v *app.MessageView) httpx.Response {
		if created {
			return a.created(r, "/inbox/messages", v.ID, tpl, "messages", messageRecord(v.Message))
		}
		return a.updated(tpl, "messages", messageRecord(v.Message))
	}
}

// attachmentIDs reads attachment_ids or its legacy spelling.
func attachmentIDs(at attrs, errs *fieldErrors) ([]int64, bool) {
	if at.has("attachments_ids") && !at.has("attachment_ids") {
		return at.IDs(errs, "attachments_ids")
	}
	return at.IDs(errs, "attachment_ids")
}

func (a *API) createMessage(w http.ResponseWriter, r *http.Request) {
	at, err := readRecord(r, "messages")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := messageSchema.check(at, true); err != nil {
		a.writeError(w, r, err)
		return
	}
	var errs fieldErrors
	at.require(&errs, "content", "origin", "visibility", "conversation_id", "sender_id")
	in := app.MessageCreate{}
	if s, ok := at.String(&errs, "content"); ok {
		in.Content = &s
	}
	in.Origin, _ = at.String(&errs, "origin")
	in.Visibility, _ = at.String(&errs, "visibility")
	in.Channel, _ = at.String(&errs, "channel")
	in.ConversationID, _ = at.ID(&errs, "conversation_id")
	if id, ok := at.ID(&errs, "sender_id"); ok {
		in.SenderParticipantID = &id
	}
	in.SentAt, _ = at.OptTime(&errs, "sent_at")
	in.AttachmentIDs, _ = attachmentIDs(at, &errs)
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.MessageView, error) {
		return a.app.CreateMessage(ctx, in)
	}, a.messageResponse(r, true))
}

func (a *API) updateMessage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	at, err := readRecord(r, "messages")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ro, err := messageSchema.checkUpdate(at)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	r = guardReadOnly(r, a.messageSpec(r), id, ro)
	var errs fieldErrors
	ch := app.MessageChange{HideActivity: true}
	// Required attributes may be changed but not emptied.
	for _, name := range []string{"content", "origin", "visibility"} {
		if at.has(name) && at.missing(name) {
			errs = append(errs, inbox.FieldError(name, inbox.MsgBlank))
		}
	}
	if s, ok := at.String(&errs, "content"); ok {
		ch.Content = &s
	}
	if s, ok := at.String(&errs, "origin"); ok {
		ch.Origin = &s
	}
	if s, ok := at.String(&errs, "visibility"); ok {
		ch.Visibility = &s
	}
	if at.has("channel") {
		s, _ := at.String(&errs, "channel")
		ch.Channel = &s
	}
	if t, ok := at.OptTime(&errs, "sent_at"); ok {
		ch.SentAt = ptrTo(t)
	}
	if list, ok := attachmentIDs(at, &errs); ok {
		ch.AttachmentIDs = &list
	}
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.MessageView, error) {
		return a.app.UpdateMessage(ctx, id, ch)
	}, a.messageResponse(r, false))
}

// addAttachment appends {"attachments": [{"id": N}]} to a message.
func (a *API) addAttachment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	attID, err := referencedID(r, "attachments")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.MessageView, error) {
		v, err := a.app.UpdateMessage(ctx, id, app.MessageChange{AddAttachmentID: attID, HideActivity: true})
		if inbox.ErrorField(err) == "attachment_ids" {
			// The request named it under "attachments".
			err = invalid("attachments", inbox.ErrorMessage(err))
		}
		return v, err
	}, a.messageResponse(r, false))
}

func ptrTo(t *time.Time) **time.Time { return &t }
