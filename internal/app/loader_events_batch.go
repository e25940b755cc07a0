package app

import (
	inbox "github.com/inboxd/inbox"
)

// Rendering a chunk of events one EventView at a time reads each event's
// records with several statements (the conversation, its read state, its
// newest messages, the message, its sender, the contact's inbox record…):
// on PostgreSQL a round trip each, so the webhook fan-out rendered 30-100
// events a second under load. PrefetchEvents reads what the views of a
// whole chunk show with one statement per kind of record, whatever the
// chunk's size, and the EventView calls that follow find it in the Loader.

// eventMemo is what PrefetchEvents read: the parts of conversation views
// that ConversationViews otherwise queries per call, the events' messages,
// the conversations' contact inboxes, bookings and inquiries. A key present
// with a nil value was read and not found.
type eventMemo struct {
	account   *inbox.Account
	opt       ViewOptions
	parts     map[int64]bool // conversations whose view parts (opt) were read
	stats     map[int64]*inbox.ConversationStats
	links     map[int64]*inbox.ConversationLinks
	latest    map[int64][2]*inbox.Message
	contacts  map[int64]*inbox.ContactInbox // by conversation id
	messages  map[int64]*inbox.Message
	bookings  map[int64]*inbox.Booking
	bookingCs map[int64][]int64
	inquiries map[int64]*inbox.Inquiry
}

// PrefetchEvents reads, for events of the reader's account, what their
// EventViews with opt will show, with one statement per kind of record for
// all of them. It checks nothing: EventView still applies the reader's
// visibility to each event. Events of another account are ignored (their
// views fail as they always did).
func (l *Loader) PrefetchEvents(evs []*inbox.Event, opt ViewOptions) error {
	m := &eventMemo{opt: opt, parts: map[int64]bool{}, contacts: map[int64]*inbox.ContactInbox{},
		messages: map[int64]*inbox.Message{}}
	var err error
	if m.account, err = l.Account(); err != nil {
		return err
	}
	var convIDs, msgIDs, clientIDs, inboxIDs, bookingIDs, inquiryIDs []int64
	for _, e := range evs {
		if e.AccountID != l.accountID() {
			continue
		}
		switch e.Type {
		case inbox.EventClientCreated, inbox.EventClientUpdated:
			if l.vis.Has(inbox.ScopeClientsRead) {
				clientIDs = append(clientIDs, e.SubjectID)
			}
		case inbox.EventClientDeleted:
		case inbox.EventInboxCreated, inbox.EventInboxUpdated:
			inboxIDs = append(inboxIDs, e.SubjectID)
		case inbox.EventBookingCreated, inbox.EventBookingUpdated:
			if l.vis.Has(inbox.ScopeBookingsRead) {
				bookingIDs = append(bookingIDs, e.SubjectID)
			}
		case inbox.EventInquiryCreated, inbox.EventInquiryUpdated:
			if l.vis.Has(inbox.ScopeInquiriesRead) {
				inquiryIDs = append(inquiryIDs, e.SubjectID)
			}
		default:
			if e.ConversationID != nil {
				convIDs = append(convIDs, *e.ConversationID)
				if e.MessageID != nil {
					msgIDs = append(msgIDs, *e.MessageID)
				}
			}
		}
	}
	if err := l.prefetchConversations(convIDs); err != nil {
		return err
	}
	var convs []*inbox.Conversation
	seen := map[int64]bool{}
	for _, id := range convIDs {
		if c := l.convs[id]; c != nil && !seen[id] && l.vis.CanSeeInbox(c.InboxID) {
			seen[id] = true
			convs = append(convs, c)
			inboxIDs = append(inboxIDs, c.InboxID)
		}
	}
	if err := l.prefetchEventMessages(m, msgIDs, seen); err != nil {
		return err
	}
	if err := l.prefetchViewParts(m, convs, opt); err != nil {
		return err
	}
	// The records the views point to, each kind in one statement: senders
	// (of the events' messages and of the newest ones), then inboxes,
	// contacts, assignees and senders' members, attachments.
	var msgs []*inbox.Message
	for _, msg := range m.messages {
		if msg != nil {
			msgs = append(msgs, msg)
		}
	}
	for _, pair := range m.latest {
		for _, msg := range pair {
			if msg != nil {
				msgs = append(msgs, msg)
			}
		}
	}
	var senders, atts, hostIDs []int64
	for _, msg := range msgs {
		if msg.SenderID != nil {
			senders = append(senders, *msg.SenderID)
		}
		atts = append(atts, msg.AttachmentIDs...)
	}
	if err := l.prefetchParticipants(senders); err != nil {
		return err
	}
	for _, id := range senders {
		if pt := l.participants[id]; pt != nil && pt.MemberType == inbox.MemberClient {
			clientIDs = append(clientIDs, pt.MemberID)
		} else if pt != nil {
			hostIDs = append(hostIDs, pt.MemberID)
		}
	}
	if opt.Details || opt.Parties {
		for _, c := range convs {
			if c.ClientID != nil {
				clientIDs = append(clientIDs, *c.ClientID)
			}
			if c.AssigneeID != nil {
				hostIDs = append(hostIDs, *c.AssigneeID)
			}
		}
	}
	if err := l.prefetchInboxes(inboxIDs); err != nil {
		return err
	}
	if err := l.prefetchClients(clientIDs); err != nil {
		return err
	}
	if err := l.prefetchHosts(hostIDs); err != nil {
		return err
	}
	if err := l.prefetchAttachments(atts); err != nil {
		return err
	}
	if err := l.prefetchContactInboxes(m, convs); err != nil {
		return err
	}
	if err := l.prefetchBookings(m, bookingIDs); err != nil {
		return err
	}
	if err := l.prefetchInquiries(m, inquiryIDs); err != nil {
		return err
	}
	l.ev = m
	return nil
}

// prefetchEventMessages reads the events' messages (of conversations the
// reader sees).
func (l *Loader) prefetchEventMessages(m *eventMemo, ids []int64, convs map[int64]bool) error {
	found, err := loadByIDs(ids, func(c []int64) ([]*inbox.Message, int, error) {
		return l.tx.FindMessages(l.ctx, l.accountID(), inbox.MessageFilter{IDs: c, Page: page(c)})
	}, func(msg *inbox.Message) int64 { return msg.ID })
	if err != nil {
		return err
	}
	for _, id := range ids {
		m.messages[id] = nil
	}
	for id, msg := range found {
		if convs[msg.ConversationID] {
			m.messages[id] = msg
		} else {
			delete(m.messages, id) // Message reports it as it always did
		}
	}
	return nil
}

// prefetchViewParts reads the parts of the conversations' views that opt
// asks for, as ConversationViews does for a page.
func (l *Loader) prefetchViewParts(m *eventMemo, convs []*inbox.Conversation, opt ViewOptions) error {
	if len(convs) == 0 || !opt.Links && !opt.Details && !opt.Parties {
		return nil
	}
	ids := make([]int64, len(convs))
	for i, c := range convs {
		ids[i] = c.ID
	}
	var err error
	if m.stats, err = l.tx.FindConversationStats(l.ctx, l.accountID(), ids); err != nil {
		return err
	}
	if opt.Links {
		if m.links, err = l.tx.FindConversationLinks(l.ctx, l.accountID(), ids); err != nil {
			return err
		}
	}
	if opt.Details {
		if m.latest, err = l.tx.FindLatestMessages(l.ctx, l.accountID(), ids); err != nil {
			return err
		}
	}
	for _, id := range ids {
		m.parts[id] = true
	}
	return nil
}

// prefetchContactInboxes reads the contact inbox of each conversation that
// has one (ContactInbox).
func (l *Loader) prefetchContactInboxes(m *eventMemo, convs []*inbox.Conversation) error {
	var clients []int64
	for _, c := range convs {
		if c.ClientID != nil && c.ContactSourceID != "" {
			clients = append(clients, *c.ClientID)
		}
		m.contacts[c.ID] = nil
	}
	if len(clients) == 0 {
		return nil
	}
	cis, err := l.tx.FindContactInboxes(l.ctx, l.accountID(), inbox.ContactInboxFilter{ClientIDs: clients})
	if err != nil {
		return err
	}
	for _, c := range convs {
		if c.ClientID == nil || c.ContactSourceID == "" {
			continue
		}
		for _, ci := range cis { // ascending id: the first match, as ContactInbox takes
			if ci.ClientID == *c.ClientID && ci.InboxID == c.InboxID && ci.SourceID == c.ContactSourceID {
				m.contacts[c.ID] = ci
				break
			}
		}
	}
	return nil
}

func (l *Loader) prefetchBookings(m *eventMemo, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	found, err := loadByIDs(ids, func(c []int64) ([]*inbox.Booking, int, error) {
		return l.tx.FindBookings(l.ctx, l.accountID(), inbox.ListFilter{IDs: c, Page: page(c)})
	}, func(b *inbox.Booking) int64 { return b.ID })
	if err != nil {
		return err
	}
	m.bookings = map[int64]*inbox.Booking{}
	for _, id := range ids {
		m.bookings[id] = found[id]
	}
	m.bookingCs, err = l.tx.FindBookingConversationIDs(l.ctx, l.accountID(), ids)
	return err
}

func (l *Loader) prefetchInquiries(m *eventMemo, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	found, err := loadByIDs(ids, func(c []int64) ([]*inbox.Inquiry, int, error) {
		return l.tx.FindInquiries(l.ctx, l.accountID(), inbox.ListFilter{IDs: c, Page: page(c)})
	}, func(q *inbox.Inquiry) int64 { return q.ID })
	m.inquiries = map[int64]*inbox.Inquiry{}
	for _, id := range ids {
		m.inquiries[id] = found[id]
	}
	return err
}

// prefetchedParts returns the view parts PrefetchEvents read for ids with
// opt; ok is false unless it read them all.
func (l *Loader) prefetchedParts(ids []int64, opt ViewOptions) (stats map[int64]*inbox.ConversationStats,
	links map[int64]*inbox.ConversationLinks, latest map[int64][2]*inbox.Message, ok bool) {
	m := l.ev
	if m == nil || opt != m.opt {
		return nil, nil, nil, false
	}
	for _, id := range ids {
		if !m.parts[id] {
			return nil, nil, nil, false
		}
	}
	return m.stats, m.links, m.latest, true
}

// booking returns a booking PrefetchEvents looked for (nil: not found); ok
// is false when it did not look (m may be nil).
func (m *eventMemo) booking(id int64) (b *inbox.Booking, ok bool) {
	if m == nil {
		return nil, false
	}
	b, ok = m.bookings[id]
	return b, ok
}

func (m *eventMemo) inquiry(id int64) (q *inbox.Inquiry, ok bool) {
	if m == nil {
		return nil, false
	}
	q, ok = m.inquiries[id]
	return q, ok
}

func (m *eventMemo) message(id int64) (msg *inbox.Message, ok bool) {
	if m == nil {
		return nil, false
	}
	msg, ok = m.messages[id]
	return msg, ok
}

func (m *eventMemo) contactInbox(convID int64) (ci *inbox.ContactInbox, ok bool) {
	if m == nil {
		return nil, false
	}
	ci, ok = m.contacts[convID]
	return ci, ok
}
