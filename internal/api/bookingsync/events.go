package bookingsync

import (
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// Webhook payloads (spec/bookingsync-v3.md §11).

// webhookName returns the BookingSync webhook event a domain event fires,
// "" for none. Inbox events: a conversation created, changed in any way
// its record shows (status, assignee, read state, participants…); a
// message created or changed (never activity lines, which the API does not
// list). There are no participant, attachment or inbox destroy events; a
// deleted client is client_destroyed.
func webhookName(e *inbox.Event) string {
	switch e.Type {
	case inbox.EventConversationCreated:
		return "inbox_conversation_created"
	case inbox.EventConversationUpdated, inbox.EventConversationStatusChanged, inbox.EventConversationRead,
		inbox.EventParticipantCreated, inbox.EventParticipantDeleted:
		return "inbox_conversation_updated"
	case inbox.EventMessageCreated:
		return "inbox_message_created"
	case inbox.EventMessageUpdated:
		return "inbox_message_updated"
	case inbox.EventClientCreated:
		return "client_created"
	case inbox.EventClientUpdated:
		return "client_updated"
	case inbox.EventClientDeleted:
		return "client_destroyed"
	case inbox.EventBookingCreated:
		return "booking_created"
	case inbox.EventBookingUpdated:
		return "booking_updated"
	case inbox.EventInquiryCreated:
		return "inquiry_created"
	case inbox.EventInquiryUpdated:
		return "inquiry_updated"
	}
	return ""
}

// EventNames returns the BookingSync webhook event a domain event fires
// (none or one), before anything is loaded. EncodeEvent may still send
// nothing: an activity line, a record the reader does not see.
func EventNames(e *inbox.Event) []string {
	if n := webhookName(e); n != "" {
		return []string{n}
	}
	return nil
}

// EventViewOptions are the parts of conversation views EncodeEvent shows: a
// renderer prefetching a chunk of events (Loader.PrefetchEvents) asks for
// these.
var EventViewOptions = app.ViewOptions{Links: true}

// EncodeEvent renders the BookingSync webhook payload of an event for a
// reader (an application: the Loader's visibility carries its scopes):
// {"account_id", "event", "resource": {"links": templates, "<singular>":
// record}}, the record serialized as its endpoint would. None when the
// event fires no BookingSync webhook or concerns nothing the reader may see
// (a record deleted since, an activity line, a client without
// clients_read). base is the public URL link templates start with.
func EncodeEvent(l *app.Loader, e *inbox.Event, base string) ([]app.EventPayload, error) {
	name := webhookName(e)
	if name == "" {
		return nil, nil
	}
	v, err := l.EventView(e, EventViewOptions)
	if code := inbox.ErrorCode(err); code == inbox.ENOTFOUND || code == inbox.EFORBIDDEN {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var key string
	var tpl, rec object
	switch {
	case v.Message != nil:
		if v.Message.Kind == inbox.KindActivity {
			return nil, nil
		}
		key, tpl, rec = "message", templates(base, "messages", messageRels...), messageRecord(v.Message.Message)
	case v.Conversation != nil:
		key, tpl, rec = "conversation", templates(base, "conversations", conversationRels...), conversationRecord(v.Conversation)
	case v.Client != nil:
		key, tpl, rec = "client", templates(base, "clients", clientRels...), clientRecord(v.Client)
	case v.DeletedClientID != 0:
		// The record is gone: its id (and account) is what there is to say.
		key, tpl = "client", templates(base, "clients", clientRels...)
		rec = object{{"links", object{{"account", e.AccountID}}}, {"id", v.DeletedClientID}}
	case v.Booking != nil:
		key, tpl = "booking", templates(base, "bookings", bookingRels...)
		rec = bookingRecord(v.Booking, v.BookingConversationIDs, false)
	case v.Inquiry != nil:
		key, tpl, rec = "inquiry", templates(base, "inquiries", inquiryRels...), inquiryRecord(v.Inquiry)
	default:
		return nil, nil
	}
	body, err := marshal(object{
		{"account_id", e.AccountID},
		{"event", name},
		{"resource", object{{"links", tpl}, {key, rec}}},
	})
	if err != nil {
		return nil, err
	}
	return []app.EventPayload{{Name: name, Body: body}}, nil
}
