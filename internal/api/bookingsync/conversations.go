package bookingsync

import (
	"context"
	"net/http"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

var conversationSchema = schema{
	create: []string{"subject", "default_channel", "assignee_id", "source_id", "deadline_response_at",
		"last_message_at", "closed", "marked_as_spam"},
	update:   []string{"assignee_id", "closed", "default_channel", "marked_as_spam"},
	readOnly: []string{"closed_at", "created_by_id", "created_by_type", "marked_as_spam_at", "read_at"},
}

// links are the parts of a conversation BookingSync renders.
var links = app.ViewOptions{Links: true}

func (a *API) listConversations(w http.ResponseWriter, r *http.Request) {
	a.conversations(w, r, false)
}

func (a *API) getConversations(w http.ResponseWriter, r *http.Request) {
	a.conversations(w, r, true)
}

func (a *API) conversations(w http.ResponseWriter, r *http.Request, byIDs bool) {
	list(a, w, r, byIDs, a.conversationSpec(r))
}

// conversationSpec describes the GET of conversations, also the stored record a write compares
// read-only attributes with.
func (a *API) conversationSpec(r *http.Request) listSpec[*app.ConversationView] {
	return listSpec[*app.ConversationView]{
		scope: inbox.ScopeInboxRead, resource: inbox.ResourceConversations, plural: "conversations",
		fetch: func(l *app.Loader, q listQuery, ids []int64, pg inbox.Page) ([]*app.ConversationView, int, error) {
			page, err := l.Conversations(app.ConversationQuery{Filter: inbox.ConversationFilter{IDs: ids,
				UpdatedSince: q.since, Page: pg}, View: links})
			if err != nil {
				return nil, 0, err
			}
			return page.Items, page.Total, nil
		},
		idOf: func(v *app.ConversationView) int64 { return v.ID },
		render: func(l *app.Loader, items []*app.ConversationView) ([]object, object, error) {
			return records(items, conversationRecord), templates(a.base(r), "conversations", conversationRels...), nil
		},
	}
}

// conversationResponse renders a write's answer: the conversation as it is
// now (201 with its Location when created).
func (a *API) conversationResponse(r *http.Request, created bool) func(*app.ConversationView) httpx.Response {
	tpl := templates(a.base(r), "conversations", conversationRels...)
	return func(v *app.ConversationView) httpx.Response {
		if created {
			return a.created(r, "/inbox/conversations", v.ID, tpl, "conversations", conversationRecord(v))
		}
		return a.updated(tpl, "conversations", conversationRecord(v))
	}
}

func (a *API) createConversation(w http.ResponseWriter, r *http.Request) {
	at, err := readRecord(r, "conversations")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := conversationSchema.check(at, true); err != nil {
		a.writeError(w, r, err)
		return
	}
	var errs fieldErrors
	in := app.ConversationCreate{}
	in.Subject, _ = at.String(&errs, "subject")
	in.DefaultChannel, _ = at.String(&errs, "default_channel")
	if id, ok := at.ID(&errs, "assignee_id"); ok {
		in.AssigneeID = &id
	}
	if id, ok := at.ID(&errs, "source_id"); ok {
		in.SourceID = &id
	}
	in.DeadlineResponseAt, _ = at.OptTime(&errs, "deadline_response_at")
	in.LastMessageAt, _ = at.OptTime(&errs, "last_message_at")
	if closed, ok := at.Bool(&errs, "closed"); ok && closed {
		in.Status = inbox.StatusResolved
	}
	in.MarkedAsSpam, _ = at.Bool(&errs, "marked_as_spam")
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	in.View = links
	reply(a, w, r, func(ctx context.Context) (*app.ConversationView, error) {
		return a.app.CreateConversation(ctx, in)
	}, a.conversationResponse(r, true))
}

func (a *API) updateConversation(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	at, err := readRecord(r, "conversations")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ro, err := conversationSchema.checkUpdate(at)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	r = guardReadOnly(r, a.conversationSpec(r), id, ro)
	var errs fieldErrors
	ch := app.ConversationChange{}
	if at.has("assignee_id") {
		var assignee *int64
		if v, ok := at.ID(&errs, "assignee_id"); ok {
			assignee = &v
		}
		ch.AssigneeID = &assignee
	}
	if at.has("default_channel") {
		s, _ := at.String(&errs, "default_channel")
		ch.DefaultChannel = &s
	}
	if v, ok := at.Bool(&errs, "closed"); ok {
		ch.Closed = &v
	}
	if v, ok := at.Bool(&errs, "marked_as_spam"); ok {
		ch.MarkedAsSpam = &v
	}
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.ConversationView, error) {
		return a.app.UpdateConversation(ctx, app.ByID(id), ch, links)
	}, a.conversationResponse(r, false))
}

func (a *API) connectBooking(w http.ResponseWriter, r *http.Request) {
	a.bookingLink(w, r, a.app.ConnectBooking)
}

func (a *API) disconnectBooking(w http.ResponseWriter, r *http.Request) {
	a.bookingLink(w, r, a.app.DisconnectBooking)
}

// bookingLink serves connect_booking and disconnect_booking: the body names
// the booking as {"bookings": [{"id": 15}]}.
func (a *API) bookingLink(w http.ResponseWriter, r *http.Request,
	do func(ctx context.Context, ref app.ConversationRef, bookingID int64, opt app.ViewOptions) (*app.ConversationView, error)) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	bookingID, err := referencedID(r, "bookings")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.ConversationView, error) {
		return do(ctx, app.ByID(id), bookingID, links)
	}, a.conversationResponse(r, false))
}

// referenceSchema is the body of the custom actions that name another
// record: only its id.
var referenceSchema = schema{create: []string{"id"}}

// referencedID reads {"<root>": [{"id": N}]}; a missing id is "can't be
// blank" and a malformed one "is invalid", both on the root name.
func referencedID(r *http.Request, root string) (int64, error) {
	at, err := readRecord(r, root)
	if err != nil {
		return 0, err
	}
	// ignoredAttrs drops "id" too, so read it first.
	raw, has := at["id"]
	if err := referenceSchema.check(at, true); err != nil {
		return 0, err
	}
	if !has || string(raw) == "null" {
		return 0, invalid(root, inbox.MsgBlank)
	}
	n, ok := parseID(raw)
	if !ok {
		return 0, invalid(root, inbox.MsgInvalid)
	}
	return n, nil
}
