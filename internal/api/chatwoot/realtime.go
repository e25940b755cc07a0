package chatwoot

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// Broadcast is one realtime event as Chatwoot's RoomChannel sends it over
// ActionCable: Message is the broadcast's message, {"event": Event, "data":
// payload}. data carries account_id and, when a host caused the change,
// performer (the host's push shape), as Chatwoot's ActionCableListener adds.
type Broadcast struct {
	Event   string
	Message json.RawMessage
}

// Realtime event names (spec/chatwoot-v1.md §7.1).
const (
	rtConversationCreated       = "conversation.created"
	rtConversationUpdated       = "conversation.updated"
	rtConversationStatusChanged = "conversation.status_changed"
	rtConversationRead          = "conversation.read"
	rtAssigneeChanged           = "assignee.changed"
	rtMessageCreated            = "message.created"
	rtFirstReplyCreated         = "first.reply.created"
	rtMessageUpdated            = "message.updated"
	rtContactCreated            = "contact.created"
	rtContactUpdated            = "contact.updated"
)

// RealtimeEvents renders what Chatwoot's /cable sends for one outbox event:
// none, one or several broadcasts (a status change is
// conversation.status_changed then conversation.updated, as Chatwoot
// dispatches both; an assignment is assignee.changed then
// conversation.updated; an agent's first public reply is message.created
// then first.reply.created). Records are rendered as they are now, as
// Chatwoot's broadcast job reloads them; an event whose record is gone
// renders nothing. l reads with the system's visibility of e's account: who
// may receive the broadcasts is app.Loader.EventAudience's decision.
func RealtimeEvents(l *app.Loader, e *inbox.Event, base string, now time.Time) ([]Broadcast, error) {
	r := realtimeRenderer{l: l, e: e, base: base, now: now}
	var out []Broadcast
	var err error
	switch e.Type {
	case inbox.EventConversationCreated:
		out, err = r.conversation(rtConversationCreated)
	case inbox.EventConversationRead:
		out, err = r.conversation(rtConversationRead)
	case inbox.EventConversationStatusChanged:
		out, err = r.conversation(rtConversationStatusChanged, rtConversationUpdated)
	case inbox.EventConversationUpdated:
		if _, ok := e.Changes["assignee_id"]; ok {
			out, err = r.conversation(rtAssigneeChanged, rtConversationUpdated)
		} else {
			out, err = r.conversation(rtConversationUpdated)
		}
	case inbox.EventMessageCreated, inbox.EventMessageUpdated:
		out, err = r.message()
	case inbox.EventClientCreated:
		out, err = r.contact(rtContactCreated)
	case inbox.EventClientUpdated:
		out, err = r.contact(rtContactUpdated)
	}
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return nil, nil
	}
	return out, err
}

type realtimeRenderer struct {
	l    *app.Loader
	e    *inbox.Event
	base string
	now  time.Time
}

// conversation renders the conversation event shape under each name.
func (r realtimeRenderer) conversation(names ...string) ([]Broadcast, error) {
	if r.e.ConversationID == nil {
		return nil, nil
	}
	v, err := r.l.EventView(r.e, app.ViewOptions{Details: true})
	if err != nil {
		return nil, err
	}
	data, err := r.data(conversationEventFrom(v.Conversation, v.ContactInbox, v.LatestPublic, r.base, r.now), true)
	if err != nil {
		return nil, err
	}
	return broadcasts(names, data)
}

// message renders message.created (and first.reply.created) or
// message.updated with previous_changes, in the push shape.
func (r realtimeRenderer) message() ([]Broadcast, error) {
	id := r.e.SubjectID
	if r.e.MessageID != nil {
		id = *r.e.MessageID
	}
	m, err := r.l.Message(0, id, false)
	if err != nil {
		return nil, err
	}
	mvs, err := r.l.MessageViews([]*inbox.Message{m})
	if err != nil {
		return nil, err
	}
	cv, err := r.l.Conversation(app.ByID(m.ConversationID), app.ViewOptions{Details: true})
	if err != nil {
		return nil, err
	}
	mv := mvs[0]
	push := pushMessageFrom(mv, cv, r.base)
	var extra []field
	names := []string{rtMessageCreated}
	if r.e.Type == inbox.EventMessageUpdated {
		names = []string{rtMessageUpdated}
		changes := r.e.Changes
		if changes == nil {
			changes = map[string][2]any{}
		}
		extra = append(extra, field{"previous_changes", changes})
	} else if firstReply(mv, cv) {
		names = append(names, rtFirstReplyCreated)
	}
	// The push shape has account_id already.
	data, err := r.data(push, false, extra...)
	if err != nil {
		return nil, err
	}
	return broadcasts(names, data)
}

// firstReply reports whether a message is its conversation's first reply:
// a public outgoing message a host wrote, made when the conversation's
// first reply time was set (Chatwoot's valid_first_reply?).
func firstReply(m *app.MessageView, cv *app.ConversationView) bool {
	return m.Kind == inbox.KindOutgoing && m.SenderHost != nil && !m.Private() &&
		cv.FirstReplyCreatedAt != nil && cv.FirstReplyCreatedAt.Equal(m.CreatedAt)
}

// contact renders a contact event in the contact push shape.
func (r realtimeRenderer) contact(name string) ([]Broadcast, error) {
	cls, _, err := r.l.Clients(inbox.ClientFilter{IDs: []int64{r.e.SubjectID}, Page: inbox.Page{Limit: 1, SkipTotal: true}})
	if err != nil || len(cls) == 0 {
		return nil, err
	}
	data, err := r.data(contactSenderFrom(cls[0]), true)
	if err != nil {
		return nil, err
	}
	return broadcasts([]string{name}, data)
}

// field is a key added to a payload.
type field struct {
	key   string
	value any
}

// data renders a payload with the keys Chatwoot's listener merges into it:
// the extras, account_id (unless the payload has it) and performer.
func (r realtimeRenderer) data(payload any, addAccount bool, extra ...field) (json.RawMessage, error) {
	if addAccount {
		extra = append(extra, field{"account_id", r.e.AccountID})
	}
	h, err := r.l.Performer(r.e)
	if err != nil {
		return nil, err
	}
	if h != nil {
		extra = append(extra, field{"performer", agentSenderFrom(h)})
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	return appendFields(b, extra)
}

// appendFields adds keys at the end of a JSON object.
func appendFields(obj []byte, fs []field) (json.RawMessage, error) {
	out := slices.Clip(obj[:len(obj)-1])
	for i, f := range fs {
		v, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		if i > 0 || len(out) > 1 {
			out = append(out, ',')
		}
		out = strconv.AppendQuote(out, f.key)
		out = append(out, ':')
		out = append(out, v...)
	}
	return append(out, '}'), nil
}

// broadcasts are the same data under each event name.
func broadcasts(names []string, data json.RawMessage) ([]Broadcast, error) {
	out := make([]Broadcast, len(names))
	for i, name := range names {
		msg, err := json.Marshal(struct {
			Event string          `json:"event"`
			Data  json.RawMessage `json:"data"`
		}{name, data})
		if err != nil {
			return nil, err
		}
		out[i] = Broadcast{Event: name, Message: msg}
	}
	return out, nil
}
