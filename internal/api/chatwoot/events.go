package chatwoot

import (
	"encoding/json"
	"slices"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// Webhook payloads (spec/chatwoot-v1.md §7.2–7.3).

// conversationUpdatedKeys are the conversation attributes whose change fires
// conversation_updated (Chatwoot's list), by domain name → Chatwoot name.
var conversationUpdatedKeys = map[string]string{
	"team_id":                "team_id",
	"assignee_id":            "assignee_id",
	"status":                 "status",
	"snoozed_until":          "snoozed_until",
	"custom_attributes":      "custom_attributes",
	"labels":                 "label_list",
	"waiting_since":          "waiting_since",
	"first_reply_created_at": "first_reply_created_at",
	"priority":               "priority",
}

// EventNames returns the Chatwoot webhook events a domain event fires, in
// the order Chatwoot sends them, before anything is loaded; none for events
// it has no webhook for. (EncodeEvent may still send none of them: an
// activity line, a record the reader does not see.)
func EventNames(e *inbox.Event) []string {
	switch e.Type {
	case inbox.EventConversationCreated:
		return []string{"conversation_created"}
	case inbox.EventConversationStatusChanged:
		return []string{"conversation_status_changed", "conversation_updated"}
	case inbox.EventConversationUpdated:
		for k := range e.Changes {
			if _, ok := conversationUpdatedKeys[k]; ok {
				return []string{"conversation_updated"}
			}
		}
	case inbox.EventMessageCreated:
		return []string{"message_created"}
	case inbox.EventMessageUpdated:
		return []string{"message_updated"}
	case inbox.EventClientCreated:
		return []string{"contact_created"}
	case inbox.EventClientUpdated:
		return []string{"contact_updated"}
	case inbox.EventInboxCreated:
		return []string{"inbox_created"}
	case inbox.EventInboxUpdated:
		if len(e.Changes) > 0 {
			return []string{"inbox_updated"}
		}
	}
	return nil
}

// EventViewOptions are the parts of conversation views EncodeEvent shows: a
// renderer prefetching a chunk of events (Loader.PrefetchEvents) asks for
// these.
var EventViewOptions = app.ViewOptions{Details: true}

// EncodeEvent renders the Chatwoot webhook payloads an event fires for a
// reader (the Loader's visibility: the whole account for account webhooks,
// one inbox for an API inbox's webhook_url), each with its event name: none
// when the event fires no Chatwoot webhook or concerns nothing the reader
// sees (another inbox, a record deleted since, an activity line), two for a
// status change (conversation_status_changed, then conversation_updated).
// base is the public URL attachment links start with; now decides
// can_reply.
func EncodeEvent(l *app.Loader, e *inbox.Event, base string, now time.Time) ([]app.EventPayload, error) {
	names := EventNames(e)
	if len(names) == 0 {
		return nil, nil
	}
	v, err := l.EventView(e, EventViewOptions)
	if code := inbox.ErrorCode(err); code == inbox.ENOTFOUND || code == inbox.EFORBIDDEN {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var out []app.EventPayload
	for _, name := range names {
		var body any
		switch {
		case v.Message != nil:
			if v.Message.Kind == inbox.KindActivity {
				return nil, nil // never sent (§7.2)
			}
			body = webhookMessageFrom(v, name, base, now)
		case v.Conversation != nil:
			extra := []field{{"event", name}}
			if name != "conversation_created" {
				extra = append(extra, field{"changed_attributes", changedAttributes(e.Changes)})
			}
			b, err := json.Marshal(conversationEventFrom(v.Conversation, v.ContactInbox, v.LatestPublic, base, now))
			if err != nil {
				return nil, err
			}
			if body, err = appendFields(b, extra); err != nil {
				return nil, err
			}
		case v.Inbox != nil:
			// Chatwoot's inbox webhook_data: the id and name.
			extra := []field{{"event", name}}
			if name == "inbox_updated" {
				extra = append(extra, field{"changed_attributes", changedAttributes(e.Changes)})
			}
			b, err := json.Marshal(nameRef{v.Inbox.ID, v.Inbox.Name})
			if err != nil {
				return nil, err
			}
			if body, err = appendFields(b, extra); err != nil {
				return nil, err
			}
		case v.Client != nil:
			c := webhookContactFrom(v.Client, v.Account)
			c.Event = name
			if name == "contact_updated" {
				c.ChangedAttributes = changedAttributes(e.Changes)
			}
			body = c
		default:
			return nil, nil
		}
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		out = append(out, app.EventPayload{Name: name, Body: b})
	}
	return out, nil
}

// changedAttributes renders an event's changes as Chatwoot's
// changed_attributes: one object per attribute, in a stable order.
func changedAttributes(changes map[string][2]any) []map[string]changedValue {
	out := []map[string]changedValue{}
	keys := make([]string, 0, len(changes))
	for k := range changes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		name := k
		if n, ok := conversationUpdatedKeys[k]; ok {
			name = n
		}
		out = append(out, map[string]changedValue{name: {Previous: changes[k][0], Current: changes[k][1]}})
	}
	return out
}

type changedValue struct {
	Previous any `json:"previous_value"`
	Current  any `json:"current_value"`
}

// webhookMessage is the webhook message shape (§5.3).
type webhookMessage struct {
	Account              nameRef            `json:"account"`
	AdditionalAttributes inbox.Attributes   `json:"additional_attributes"`
	ContentAttributes    inbox.Attributes   `json:"content_attributes"`
	ContentType          string             `json:"content_type"`
	Content              *string            `json:"content"`
	Conversation         *conversationEvent `json:"conversation"`
	CreatedAt            string             `json:"created_at"`
	ID                   int64              `json:"id"`
	Inbox                nameRef            `json:"inbox"`
	MessageType          string             `json:"message_type"`
	Private              bool               `json:"private"`
	Sender               any                `json:"sender"`
	SourceID             *string            `json:"source_id"`
	Attachments          []*attachment      `json:"attachments,omitempty"`
	Event                string             `json:"event"`
}

type nameRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func webhookMessageFrom(v *app.EventView, name, base string, now time.Time) *webhookMessage {
	m := v.Message
	w := &webhookMessage{
		Account:              nameRef{v.Account.ID, v.Account.Name},
		AdditionalAttributes: attrs(m.AdditionalAttributes),
		ContentAttributes:    attrs(m.ContentAttributes),
		ContentType:          m.ContentType,
		Content:              content(m.Message),
		Conversation:         conversationEventFrom(v.Conversation, v.ContactInbox, v.LatestPublic, base, now),
		CreatedAt:            iso(m.CreatedAt),
		ID:                   m.ID,
		MessageType:          m.Kind,
		Private:              m.Private(),
		SourceID:             nullString(m.SourceID),
		Attachments:          attachmentsFrom(m, base),
		Event:                name,
	}
	if cv := v.Conversation; cv.Inbox != nil {
		w.Inbox = nameRef{cv.Inbox.ID, cv.Inbox.Name}
	}
	switch {
	case m.SenderClient != nil:
		w.Sender = webhookContactFrom(m.SenderClient, v.Account)
	case m.SenderHost != nil:
		h := m.SenderHost
		w.Sender = &webhookAgent{ID: h.ID, Name: h.Name(), Email: h.Email, Type: "user"}
	}
	return w
}

// webhookContact is a contact in webhook payloads: a message's sender, and
// the body of contact_created / contact_updated.
type webhookContact struct {
	Account              nameRef                   `json:"account"`
	AdditionalAttributes inbox.Attributes          `json:"additional_attributes"`
	Avatar               string                    `json:"avatar"`
	CustomAttributes     inbox.Attributes          `json:"custom_attributes"`
	Email                *string                   `json:"email"`
	ID                   int64                     `json:"id"`
	Identifier           *string                   `json:"identifier"`
	Name                 string                    `json:"name"`
	PhoneNumber          *string                   `json:"phone_number"`
	Thumbnail            string                    `json:"thumbnail"`
	Blocked              bool                      `json:"blocked"`
	Event                string                    `json:"event,omitempty"`
	ChangedAttributes    []map[string]changedValue `json:"changed_attributes,omitempty"`
}

type webhookAgent struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Type  string `json:"type"`
}

func webhookContactFrom(cl *inbox.Client, acc *inbox.Account) *webhookContact {
	return &webhookContact{
		Account:              nameRef{acc.ID, acc.Name},
		AdditionalAttributes: attrs(cl.AdditionalAttributes),
		CustomAttributes:     attrs(cl.CustomAttributes),
		Email:                nullString(cl.Email),
		ID:                   cl.ID,
		Identifier:           nullString(cl.Identifier),
		Name:                 cl.Name(),
		PhoneNumber:          nullString(cl.Phone),
		Blocked:              cl.Blocked,
	}
}
