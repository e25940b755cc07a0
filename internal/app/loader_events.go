package app

import (
	inbox "github.com/inboxd/inbox"
)

// EventView is what an event's payloads are rendered from: the records the
// event is about, as they are now, loaded as the reader sees them. Which
// parts are set depends on the event's type; the dialects' EncodeEvent
// functions turn it into webhook (and realtime) bodies.
type EventView struct {
	Event   *inbox.Event
	Account *inbox.Account
	// Conversation (conversation and message events), loaded with the
	// options given to EventView.
	Conversation *ConversationView
	// ContactInbox is the conversation's contact in its inbox (nil when the
	// conversation has no contact or the record is missing).
	ContactInbox *inbox.ContactInbox
	// LatestPublic is the conversation's newest message that is neither an
	// activity line nor private (with the Details option): Chatwoot's
	// event payloads show it.
	LatestPublic *MessageView
	// Message (message events).
	Message *MessageView
	// Client, Booking (with BookingConversationIDs) and Inquiry: events
	// about those records.
	Client *inbox.Client
	// DeletedClientID is the client a client.deleted event removed.
	DeletedClientID int64
	// Inbox (inbox events).
	Inbox                  *inbox.Inbox
	Booking                *inbox.Booking
	BookingConversationIDs []int64
	Inquiry                *inbox.Inquiry
}

// EventView loads the view of an event. A record the reader may not see is
// EFORBIDDEN (a conversation outside its inboxes, a client without the
// clients scope) and one deleted since is ENOTFOUND: either way the reader
// gets no payload for the event. Events about nothing a payload shows
// (access.revoked) load only the account.
func (l *Loader) EventView(e *inbox.Event, opt ViewOptions) (*EventView, error) {
	v := &EventView{Event: e}
	var err error
	if l.ev != nil {
		v.Account = l.ev.account
	} else if v.Account, err = l.Account(); err != nil {
		return nil, err
	}
	switch e.Type {
	case inbox.EventClientCreated, inbox.EventClientUpdated:
		if err := l.need(inbox.ScopeClientsRead); err != nil {
			return nil, err
		}
		v.Client, err = l.client(e.SubjectID)
		return v, err
	case inbox.EventClientDeleted:
		if err := l.need(inbox.ScopeClientsRead); err != nil {
			return nil, err
		}
		v.DeletedClientID = e.SubjectID
		return v, nil
	case inbox.EventInboxCreated, inbox.EventInboxUpdated:
		if !l.vis.CanSeeInbox(e.SubjectID) {
			return nil, errNotPermitted()
		}
		v.Inbox, err = l.inbox(e.SubjectID)
		return v, err
	case inbox.EventBookingCreated, inbox.EventBookingUpdated:
		if err := l.need(inbox.ScopeBookingsRead); err != nil {
			return nil, err
		}
		if b, ok := l.ev.booking(e.SubjectID); ok {
			if b == nil {
				return nil, inbox.NotFound("Booking")
			}
			v.Booking, v.BookingConversationIDs = b, l.ev.bookingCs[b.ID]
			return v, nil
		}
		if v.Booking, err = l.tx.FindBookingByID(l.ctx, l.accountID(), e.SubjectID); err != nil {
			return nil, err
		}
		ids, err := l.tx.FindBookingConversationIDs(l.ctx, l.accountID(), []int64{v.Booking.ID})
		v.BookingConversationIDs = ids[v.Booking.ID]
		return v, err
	case inbox.EventInquiryCreated, inbox.EventInquiryUpdated:
		if err := l.need(inbox.ScopeInquiriesRead); err != nil {
			return nil, err
		}
		if q, ok := l.ev.inquiry(e.SubjectID); ok {
			if q == nil {
				return nil, inbox.NotFound("Inquiry")
			}
			v.Inquiry = q
			return v, nil
		}
		v.Inquiry, err = l.tx.FindInquiryByID(l.ctx, l.accountID(), e.SubjectID)
		return v, err
	}
	if e.ConversationID == nil {
		return v, nil
	}
	if v.Conversation, err = l.Conversation(ByID(*e.ConversationID), opt); err != nil {
		return nil, err
	}
	if e.MessageID != nil {
		m, err := l.Message(*e.ConversationID, *e.MessageID, false)
		if err != nil {
			return nil, err
		}
		if v.Message, err = l.messageView(m); err != nil {
			return nil, err
		}
	}
	if opt.Details {
		if v.LatestPublic, err = l.latestPublic(v.Conversation); err != nil {
			return nil, err
		}
	}
	v.ContactInbox, err = l.ContactInbox(v.Conversation.Conversation)
	return v, err
}

// latestPublic returns the newest message of a conversation view (loaded
// with Details) that is neither an activity line nor private.
func (l *Loader) latestPublic(c *ConversationView) (*MessageView, error) {
	if m := c.LatestNonActivity; m == nil || !m.Private() {
		return m, nil
	}
	ms, _, err := l.tx.FindMessages(l.ctx, l.accountID(), inbox.MessageFilter{ConversationID: &c.ID, ExcludeActivity: true,
		ExcludePrivate: true, Newest: true, Page: inbox.Page{Limit: 1, SkipTotal: true}})
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	return l.messageView(ms[0])
}

// EventPayload is one payload a dialect rendered from an event: its event
// name in that dialect and its JSON body.
type EventPayload struct {
	Name string
	Body []byte
}
