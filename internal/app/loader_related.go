package app

import (
	"maps"
	"slices"

	inbox "github.com/inboxd/inbox"
)

// The related resources (hosts, clients, sources, bookings, inquiries) exist
// so that conversation links resolve and references can be validated. Each
// listing checks the scope its resource needs of an application reader.

// Account returns the reader's account.
func (l *Loader) Account() (*inbox.Account, error) {
	return l.tx.FindAccountByID(l.ctx, l.accountID())
}

// Inboxes lists the inboxes the reader sees.
func (l *Loader) Inboxes() ([]*inbox.Inbox, error) {
	all, err := l.tx.FindInboxes(l.ctx, l.accountID())
	if err != nil {
		return nil, err
	}
	var out []*inbox.Inbox
	for _, b := range all {
		if l.vis.CanSeeInbox(b.ID) {
			out = append(out, b)
		}
	}
	return out, nil
}

// HostView is a host with the ids of the participants it is (BookingSync's
// links.participants).
type HostView struct {
	*inbox.Host
	ParticipantIDs []int64
}

// Hosts lists hosts of the account with their participant ids.
func (l *Loader) Hosts(f inbox.HostFilter) ([]*HostView, int, error) {
	if err := l.need(inbox.ScopeInboxRead); err != nil {
		return nil, 0, err
	}
	hosts, total, err := l.tx.FindHosts(l.ctx, l.accountID(), f)
	if err != nil {
		return nil, 0, err
	}
	vs, err := l.HostViews(hosts)
	return vs, total, err
}

// HostViews adds their participant ids to hosts. Readers limited to some
// inboxes cannot use it: the ids span every conversation.
func (l *Loader) HostViews(hosts []*inbox.Host) ([]*HostView, error) {
	if err := l.needAllInboxes(); err != nil {
		return nil, err
	}
	ids := make([]int64, len(hosts))
	for i, h := range hosts {
		ids[i] = h.ID
	}
	parts, err := l.hostParticipantIDs(ids)
	if err != nil {
		return nil, err
	}
	out := make([]*HostView, len(hosts))
	for i, h := range hosts {
		out[i] = &HostView{Host: h, ParticipantIDs: parts[h.ID]}
	}
	return out, nil
}

func (l *Loader) hostParticipantIDs(hostIDs []int64) (map[int64][]int64, error) {
	return l.tx.FindHostParticipantIDs(l.ctx, l.accountID(), hostIDs)
}

// Clients lists clients of the account.
func (l *Loader) Clients(f inbox.ClientFilter) ([]*inbox.Client, int, error) {
	if err := l.need(inbox.ScopeClientsRead); err != nil {
		return nil, 0, err
	}
	return l.tx.FindClients(l.ctx, l.accountID(), f)
}

// Sources lists sources of the account.
func (l *Loader) Sources(f inbox.ListFilter) ([]*inbox.Source, int, error) {
	if err := l.need(inbox.ScopeBookingsRead); err != nil {
		return nil, 0, err
	}
	return l.tx.FindSources(l.ctx, l.accountID(), f)
}

// Inquiries lists inquiries of the account.
func (l *Loader) Inquiries(f inbox.ListFilter) ([]*inbox.Inquiry, int, error) {
	if err := l.need(inbox.ScopeInquiriesRead); err != nil {
		return nil, 0, err
	}
	return l.tx.FindInquiries(l.ctx, l.accountID(), f)
}

// BookingListing is a page of bookings as the reader may see them.
type BookingListing struct {
	Items []*inbox.Booking
	Total int
	// ConversationIDs are each booking's linked conversations.
	ConversationIDs map[int64][]int64
	// PublicOnly reports that the reader holds only the public scope and may
	// see only id, start_at, end_at, status, updated_at and reference.
	PublicOnly bool
}

// Bookings lists bookings for any reader: with bookings_read the whole
// record, with only the public scope the public part of it (BookingSync's
// rule for GET /bookings).
func (l *Loader) Bookings(f inbox.ListFilter) (*BookingListing, error) {
	b := &BookingListing{PublicOnly: !l.vis.Has(inbox.ScopeBookingsRead)}
	var err error
	if b.Items, b.Total, err = l.tx.FindBookings(l.ctx, l.accountID(), f); err != nil || b.PublicOnly {
		return b, err
	}
	ids := make([]int64, len(b.Items))
	for i, bk := range b.Items {
		ids[i] = bk.ID
	}
	b.ConversationIDs, err = l.tx.FindBookingConversationIDs(l.ctx, l.accountID(), ids)
	return b, err
}

// EmbedIDs names the records linked from inbox resources that a response
// embeds (BookingSync include=).
type EmbedIDs struct {
	Account       bool
	Hosts         []int64
	Clients       []int64
	Sources       []int64
	Bookings      []int64
	Inquiries     []int64
	Participants  []int64
	Messages      []int64
	Attachments   []int64
	Conversations []int64
}

// Embeds are the loaded records, by id. Ids that do not resolve are absent.
type Embeds struct {
	Account      *inbox.Account
	Hosts        map[int64]*inbox.Host
	Clients      map[int64]*inbox.Client
	Sources      map[int64]*inbox.Source
	Bookings     map[int64]*inbox.Booking
	Inquiries    map[int64]*inbox.Inquiry
	Participants map[int64]*inbox.Participant
	Messages     map[int64]*inbox.Message
	Attachments  map[int64]*inbox.Attachment
	// Conversations carry their links and read state.
	Conversations map[int64]*ConversationView
	// BookingConversations and HostParticipants are the to-many links of
	// embedded bookings and hosts.
	BookingConversations map[int64][]int64
	HostParticipants     map[int64][]int64
}

// embedChunk bounds the ids of one IN list.
const embedChunk = 500

// Embeds loads records linked from inbox records so they can be shown
// inline. The reader needs inbox_read only: a record reachable through an
// inbox record's links is shown whatever its own resource's scope. Readers
// limited to some inboxes cannot use it.
func (l *Loader) Embeds(ids EmbedIDs) (*Embeds, error) {
	if err := l.need(inbox.ScopeInboxRead); err != nil {
		return nil, err
	}
	if err := l.needAllInboxes(); err != nil {
		return nil, err
	}
	tx, ctx, acc := l.tx, l.ctx, l.accountID()
	e := &Embeds{}
	var err error
	if ids.Account {
		if e.Account, err = l.Account(); err != nil {
			return nil, err
		}
	}
	if e.Hosts, err = loadByIDs(ids.Hosts, func(c []int64) ([]*inbox.Host, int, error) {
		return tx.FindHosts(ctx, acc, inbox.HostFilter{IDs: c, Page: inbox.Page{Limit: len(c), SkipTotal: true}})
	}, func(h *inbox.Host) int64 { return h.ID }); err != nil {
		return nil, err
	}
	if e.HostParticipants, err = l.hostParticipantIDs(slices.Collect(maps.Keys(e.Hosts))); err != nil {
		return nil, err
	}
	if e.Clients, err = loadByIDs(ids.Clients, func(c []int64) ([]*inbox.Client, int, error) {
		return tx.FindClients(ctx, acc, inbox.ClientFilter{IDs: c, Page: inbox.Page{Limit: len(c), SkipTotal: true}})
	}, func(c *inbox.Client) int64 { return c.ID }); err != nil {
		return nil, err
	}
	if e.Sources, err = loadByIDs(ids.Sources, func(c []int64) ([]*inbox.Source, int, error) {
		return tx.FindSources(ctx, acc, inbox.ListFilter{IDs: c, Page: inbox.Page{Limit: len(c), SkipTotal: true}})
	}, func(s *inbox.Source) int64 { return s.ID }); err != nil {
		return nil, err
	}
	if e.Bookings, err = loadByIDs(ids.Bookings, func(c []int64) ([]*inbox.Booking, int, error) {
		return tx.FindBookings(ctx, acc, inbox.ListFilter{IDs: c, Page: inbox.Page{Limit: len(c), SkipTotal: true}})
	}, func(b *inbox.Booking) int64 { return b.ID }); err != nil {
		return nil, err
	}
	if e.BookingConversations, err = tx.FindBookingConversationIDs(ctx, acc, slices.Collect(maps.Keys(e.Bookings))); err != nil {
		return nil, err
	}
	if e.Inquiries, err = loadByIDs(ids.Inquiries, func(c []int64) ([]*inbox.Inquiry, int, error) {
		return tx.FindInquiries(ctx, acc, inbox.ListFilter{IDs: c, Page: inbox.Page{Limit: len(c), SkipTotal: true}})
	}, func(q *inbox.Inquiry) int64 { return q.ID }); err != nil {
		return nil, err
	}
	if e.Participants, err = loadByIDs(ids.Participants, func(c []int64) ([]*inbox.Participant, int, error) {
		return tx.FindParticipants(ctx, acc, inbox.ParticipantFilter{IDs: c, Page: inbox.Page{Limit: len(c), SkipTotal: true}})
	}, func(pt *inbox.Participant) int64 { return pt.ID }); err != nil {
		return nil, err
	}
	if e.Messages, err = loadByIDs(ids.Messages, func(c []int64) ([]*inbox.Message, int, error) {
		return tx.FindMessages(ctx, acc, inbox.MessageFilter{IDs: c, ExcludeActivity: true, Page: inbox.Page{Limit: len(c), SkipTotal: true}})
	}, func(m *inbox.Message) int64 { return m.ID }); err != nil {
		return nil, err
	}
	if e.Attachments, err = loadByIDs(ids.Attachments, func(c []int64) ([]*inbox.Attachment, int, error) {
		return tx.FindAttachments(ctx, acc, inbox.AttachmentFilter{IDs: c, Page: inbox.Page{Limit: len(c), SkipTotal: true}})
	}, func(at *inbox.Attachment) int64 { return at.ID }); err != nil {
		return nil, err
	}
	convs, err := loadByIDs(ids.Conversations, func(c []int64) ([]*inbox.Conversation, int, error) {
		return tx.FindConversations(ctx, acc, inbox.ConversationFilter{IDs: c, Page: inbox.Page{Limit: len(c), SkipTotal: true}})
	}, func(c *inbox.Conversation) int64 { return c.ID })
	if err != nil {
		return nil, err
	}
	views, err := l.ConversationViews(slices.Collect(maps.Values(convs)), ViewOptions{Links: true})
	if err != nil {
		return nil, err
	}
	e.Conversations = make(map[int64]*ConversationView, len(views))
	for _, v := range views {
		e.Conversations[v.ID] = v
	}
	return e, nil
}

// loadByIDs finds records by id in chunks and indexes them.
func loadByIDs[T any](ids []int64, find func([]int64) ([]T, int, error), idOf func(T) int64) (map[int64]T, error) {
	out := make(map[int64]T, len(ids))
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), embedChunk)]
		ids = ids[len(chunk):]
		items, _, err := find(chunk)
		if err != nil {
			return nil, err
		}
		for _, v := range items {
			out[idOf(v)] = v
		}
	}
	return out, nil
}
