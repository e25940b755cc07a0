package app

import (
	"context"
	"maps"
	"slices"

	inbox "github.com/inboxd/inbox"
)

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

// LoadEmbeds loads records linked from inbox records so they can be shown
// inline. The caller needs inbox_read only: a record reachable through an
// inbox record's links is shown whatever its own resource's scope. Agents,
// who see only some inboxes, cannot use it.
func (a *App) LoadEmbeds(ctx context.Context, ids EmbedIDs) (*Embeds, error) {
	return viewAs(ctx, a, inbox.ScopeInboxRead, func(tx inbox.Tx, p *inbox.Principal) (*Embeds, error) {
		if !p.IsAdmin() {
			return nil, errNotPermitted()
		}
		e := &Embeds{}
		var err error
		if ids.Account {
			if e.Account, err = tx.FindAccountByID(ctx, p.AccountID); err != nil {
				return nil, err
			}
		}
		acc := p.AccountID
		if e.Hosts, err = loadByIDs(ids.Hosts, func(c []int64) ([]*inbox.Host, int, error) {
			return tx.FindHosts(ctx, acc, inbox.HostFilter{IDs: c, Page: inbox.Page{Limit: len(c), SkipTotal: true}})
		}, func(h *inbox.Host) int64 { return h.ID }); err != nil {
			return nil, err
		}
		if e.HostParticipants, err = hostParticipantIDs(ctx, tx, acc, slices.Collect(maps.Keys(e.Hosts))); err != nil {
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
		if e.Conversations, err = linkedViews(ctx, tx, acc, convs); err != nil {
			return nil, err
		}
		return e, nil
	})
}

// linkedViews builds conversation views with links and read state.
func linkedViews(ctx context.Context, tx inbox.Tx, accountID int64, convs map[int64]*inbox.Conversation) (map[int64]*ConversationView, error) {
	out := make(map[int64]*ConversationView, len(convs))
	if len(convs) == 0 {
		return out, nil
	}
	ids := slices.Collect(maps.Keys(convs))
	stats, err := tx.FindConversationStats(ctx, accountID, ids)
	if err != nil {
		return nil, err
	}
	links, err := tx.FindConversationLinks(ctx, accountID, ids)
	if err != nil {
		return nil, err
	}
	for id, c := range convs {
		v := &ConversationView{Conversation: c, Stats: stats[id], Links: links[id]}
		if v.Stats == nil {
			v.Stats = &inbox.ConversationStats{}
		}
		out[id] = v
	}
	return out, nil
}

// HostParticipantIDs returns, per host, the ids of its participants (a
// host's BookingSync links.participants).
func (a *App) HostParticipantIDs(ctx context.Context, hostIDs []int64) (map[int64][]int64, error) {
	return viewAs(ctx, a, inbox.ScopeInboxRead, func(tx inbox.Tx, p *inbox.Principal) (map[int64][]int64, error) {
		if !p.IsAdmin() {
			return nil, errNotPermitted()
		}
		return hostParticipantIDs(ctx, tx, p.AccountID, hostIDs)
	})
}

func hostParticipantIDs(ctx context.Context, tx inbox.Tx, accountID int64, hostIDs []int64) (map[int64][]int64, error) {
	out := make(map[int64][]int64, len(hostIDs))
	for _, id := range hostIDs {
		ids := []int64{}
		var after int64
		for {
			ps, _, err := tx.FindParticipants(ctx, accountID, inbox.ParticipantFilter{MemberType: inbox.MemberHost,
				MemberID: &id, Page: inbox.Page{AfterID: after, Limit: embedChunk}})
			if err != nil {
				return nil, err
			}
			for _, pt := range ps {
				ids = append(ids, pt.ID)
			}
			if len(ps) < embedChunk {
				break
			}
			after = ps[len(ps)-1].ID
		}
		out[id] = ids
	}
	return out, nil
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

// BookingListing is a page of bookings as the caller may see them.
type BookingListing struct {
	Items []*inbox.Booking
	Total int
	// ConversationIDs are each booking's linked conversations.
	ConversationIDs map[int64][]int64
	// PublicOnly reports that the caller holds only the public scope and may
	// see only id, start_at, end_at, status, updated_at and reference.
	PublicOnly bool
}

// BrowseBookings lists bookings for any token: with bookings_read the whole
// record, with only the public scope the public part of it (BookingSync's
// rule for GET /bookings).
func (a *App) BrowseBookings(ctx context.Context, f inbox.ListFilter) (*BookingListing, error) {
	return viewAs(ctx, a, inbox.ScopePublic, func(tx inbox.Tx, p *inbox.Principal) (*BookingListing, error) {
		l := &BookingListing{PublicOnly: p.Host == nil && !p.Scopes.Has(inbox.ScopeBookingsRead)}
		var err error
		if l.Items, l.Total, err = tx.FindBookings(ctx, p.AccountID, f); err != nil {
			return nil, err
		}
		if l.PublicOnly {
			return l, nil
		}
		ids := make([]int64, len(l.Items))
		for i, b := range l.Items {
			ids[i] = b.ID
		}
		l.ConversationIDs, err = tx.FindBookingConversationIDs(ctx, p.AccountID, ids)
		return l, err
	})
}
