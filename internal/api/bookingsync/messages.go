package bookingsync

import (
	"net/http"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
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
	q, items, total, ok := listing(a, w, r, byIDs, func(q listQuery, ids []int64, pg inbox.Page) ([]*inbox.Message, int, error) {
		return a.app.ListMessages(r.Context(), inbox.MessageFilter{IDs: ids, UpdatedSince: q.since, ExcludeActivity: true, Page: pg})
	}, func(m *inbox.Message) int64 { return m.ID })
	if !ok {
		return
	}
	recs := make([]object, len(items))
	for i, m := range items {
		recs[i] = messageRecord(m)
	}
	a.respondList(w, r, q, total, inbox.ResourceMessages, templates(a.base(r), "messages", messageRels...), "messages", recs)
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
	m, err := a.app.CreateMessage(r.Context(), in)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeCreated(w, r, "/inbox/messages", m.ID, templates(a.base(r), "messages", messageRels...), "messages", messageRecord(m))
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
	if err := messageSchema.check(at, false); err != nil {
		a.writeError(w, r, err)
		return
	}
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
	m, err := a.app.UpdateMessage(r.Context(), id, ch)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeEnvelope(w, http.StatusOK, templates(a.base(r), "messages", messageRels...), "messages", []object{messageRecord(m)}, nil)
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
	m, err := a.app.UpdateMessage(r.Context(), id, app.MessageChange{AddAttachmentID: attID, HideActivity: true})
	if inbox.ErrorField(err) == "attachment_ids" {
		// The request named it under "attachments".
		err = invalid("attachments", inbox.ErrorMessage(err))
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeEnvelope(w, http.StatusOK, templates(a.base(r), "messages", messageRels...), "messages", []object{messageRecord(m)}, nil)
}

func ptrTo(t *time.Time) **time.Time { return &t }
