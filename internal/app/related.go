package app

import (
	"context"

	inbox "github.com/inboxd/inbox"
)

// The related resources (hosts, clients, sources, bookings, inquiries) exist
// so that conversation links resolve and references can be validated.

// CreateHost creates a host through the API (an agent with no API token).
func (a *App) CreateHost(ctx context.Context, h *inbox.Host) (*HostView, error) {
	if h.Role == "" {
		h.Role = inbox.RoleAgent
	}
	if h.Availability == "" {
		h.Availability = "online"
	}
	h.AutoOffline = true // Chatwoot's default for a new agent
	if err := h.Validate(); err != nil {
		return nil, err
	}
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*HostView, error) {
		tx := l.tx
		h.AccountID = p.AccountID
		if h.SourceID != nil {
			if _, err := tx.FindSourceByID(ctx, p.AccountID, *h.SourceID); err != nil {
				return nil, asInvalid(err, "source_id")
			}
		}
		if err := checkHostEmail(ctx, tx, h.AccountID, 0, h.Email); err != nil {
			return nil, err
		}
		if err := tx.CreateHost(ctx, h); err != nil {
			return nil, err
		}
		return &HostView{Host: h, ParticipantIDs: []int64{}}, addMemberships(ctx, tx, h, nil)
	})
}

// UpdateHost changes a host.
func (a *App) UpdateHost(ctx context.Context, id int64, u inbox.HostUpdate) (*HostView, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*HostView, error) {
		tx := l.tx
		h, err := tx.FindHostByID(ctx, p.AccountID, id)
		if err != nil {
			return nil, err
		}
		next := *h
		if u.Firstname != nil {
			next.Firstname = *u.Firstname
		}
		if u.Lastname != nil {
			next.Lastname = *u.Lastname
		}
		if u.Email != nil {
			next.Email = *u.Email
		}
		if err := next.Validate(); err != nil {
			return nil, err
		}
		if u.SourceID != nil && *u.SourceID != nil {
			if _, err := tx.FindSourceByID(ctx, p.AccountID, **u.SourceID); err != nil {
				return nil, asInvalid(err, "source_id")
			}
		}
		if u.Email != nil {
			if err := checkHostEmail(ctx, tx, p.AccountID, id, next.Email); err != nil {
				return nil, err
			}
		}
		if h, err = tx.UpdateHost(ctx, p.AccountID, id, u); err != nil {
			return nil, err
		}
		vs, err := l.HostViews([]*inbox.Host{h})
		if err != nil {
			return nil, err
		}
		return vs[0], nil
	})
}

// CreateClient creates a client (guest / contact).
func (a *App) CreateClient(ctx context.Context, c *inbox.Client) (*inbox.Client, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return updateAs(ctx, a, inbox.ScopeClientsWrite, func(l *Loader, p *inbox.Principal) (*inbox.Client, error) {
		tx := l.tx
		c.AccountID = p.AccountID
		if err := tx.CreateClient(ctx, c); err != nil {
			return nil, err
		}
		return c, emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventClientCreated, SubjectID: c.ID})
	})
}

// UpdateClient changes a client (BookingSync's client update; Chatwoot's
// contact update is UpdateContact, the same change with the contact view).
func (a *App) UpdateClient(ctx context.Context, id int64, ch ClientChange) (*inbox.Client, error) {
	return updateAs(ctx, a, inbox.ScopeClientsWrite, func(l *Loader, p *inbox.Principal) (*inbox.Client, error) {
		return changeClient(ctx, l.tx, p, id, ch)
	})
}

// CreateSource creates a source. API-created sources are never internal.
func (a *App) CreateSource(ctx context.Context, s *inbox.Source) (*inbox.Source, error) {
	s.Internal = false
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return updateAs(ctx, a, inbox.ScopeBookingsWriteOwned, func(l *Loader, p *inbox.Principal) (*inbox.Source, error) {
		tx := l.tx
		s.AccountID = p.AccountID
		return s, tx.CreateSource(ctx, s)
	})
}

// UpdateSource changes a source.
func (a *App) UpdateSource(ctx context.Context, id int64, u inbox.SourceUpdate) (*inbox.Source, error) {
	if u.Name != nil {
		if err := (&inbox.Source{Name: *u.Name}).Validate(); err != nil {
			return nil, err
		}
	}
	return updateAs(ctx, a, inbox.ScopeBookingsWriteOwned, func(l *Loader, p *inbox.Principal) (*inbox.Source, error) {
		tx := l.tx
		return tx.UpdateSource(ctx, p.AccountID, id, u)
	})
}

// CreateBooking creates a booking; referenced client and source must be the account's.
func (a *App) CreateBooking(ctx context.Context, b *inbox.Booking) (*BookingView, error) {
	if b.Status == "" {
		b.Status = inbox.BookingBooked
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	return updateAs(ctx, a, inbox.ScopeBookingsWriteOwned, func(l *Loader, p *inbox.Principal) (*BookingView, error) {
		tx := l.tx
		b.AccountID = p.AccountID
		if err := checkBookingRefs(ctx, tx, p.AccountID, b.ClientID, b.SourceID); err != nil {
			return nil, err
		}
		if err := tx.CreateBooking(ctx, b); err != nil {
			return nil, err
		}
		if err := emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventBookingCreated, SubjectID: b.ID}); err != nil {
			return nil, err
		}
		return &BookingView{Booking: b, ConversationIDs: []int64{}}, nil
	})
}

func checkBookingRefs(ctx context.Context, tx inbox.Tx, accountID int64, clientID, sourceID *int64) error {
	if clientID != nil {
		if _, err := tx.FindClientByID(ctx, accountID, *clientID); err != nil {
			return asInvalid(err, "client_id")
		}
	}
	if sourceID != nil {
		src, err := tx.FindSourceByID(ctx, accountID, *sourceID)
		if err != nil {
			return asInvalid(err, "source_id")
		} else if src.Internal {
			return invalidRef("source_id")
		}
	}
	return nil
}

// UpdateBooking changes a booking (a status of Canceled cancels it).
func (a *App) UpdateBooking(ctx context.Context, id int64, u inbox.BookingUpdate) (*BookingView, error) {
	return updateAs(ctx, a, inbox.ScopeBookingsWriteOwned, func(l *Loader, p *inbox.Principal) (*BookingView, error) {
		tx := l.tx
		b, err := tx.FindBookingByID(ctx, p.AccountID, id)
		if err != nil {
			return nil, err
		}
		next := *b
		if u.StartAt != nil {
			next.StartAt = *u.StartAt
		}
		if u.EndAt != nil {
			next.EndAt = *u.EndAt
		}
		if u.Status != nil {
			next.Status = *u.Status
		}
		if err := next.Validate(); err != nil {
			return nil, err
		}
		var clientID, sourceID *int64
		if u.ClientID != nil {
			clientID = *u.ClientID
		}
		if u.SourceID != nil {
			sourceID = *u.SourceID
		}
		if err := checkBookingRefs(ctx, tx, p.AccountID, clientID, sourceID); err != nil {
			return nil, err
		}
		if b, err = tx.UpdateBooking(ctx, p.AccountID, id, u); err != nil {
			return nil, err
		}
		if err := emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventBookingUpdated, SubjectID: b.ID}); err != nil {
			return nil, err
		}
		return bookingView(l, b)
	})
}

// CreateInquiry creates an inquiry; references must be the account's.
func (a *App) CreateInquiry(ctx context.Context, q *inbox.Inquiry) (*inbox.Inquiry, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return updateAs(ctx, a, inbox.ScopeInquiriesWriteOwned, func(l *Loader, p *inbox.Principal) (*inbox.Inquiry, error) {
		tx := l.tx
		q.AccountID = p.AccountID
		if err := checkInquiryRefs(ctx, tx, p, q.SourceID, q.BookingID, q.ConversationID); err != nil {
			return nil, err
		}
		if err := tx.CreateInquiry(ctx, q); err != nil {
			return nil, err
		}
		return q, emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventInquiryCreated, SubjectID: q.ID})
	})
}

func checkInquiryRefs(ctx context.Context, tx inbox.Tx, p *inbox.Principal, sourceID, bookingID, conversationID *int64) error {
	if err := checkBookingRefs(ctx, tx, p.AccountID, nil, sourceID); err != nil {
		return err
	}
	if bookingID != nil {
		if _, err := tx.FindBookingByID(ctx, p.AccountID, *bookingID); err != nil {
			return asInvalid(err, "booking_id")
		}
	}
	if conversationID != nil {
		if _, err := tx.FindConversationByID(ctx, p.AccountID, *conversationID); err != nil {
			return asInvalid(err, "conversation_id")
		}
	}
	return nil
}

// UpdateInquiry changes an inquiry.
func (a *App) UpdateInquiry(ctx context.Context, id int64, u inbox.InquiryUpdate) (*inbox.Inquiry, error) {
	return updateAs(ctx, a, inbox.ScopeInquiriesWriteOwned, func(l *Loader, p *inbox.Principal) (*inbox.Inquiry, error) {
		tx := l.tx
		q, err := tx.FindInquiryByID(ctx, p.AccountID, id)
		if err != nil {
			return nil, err
		}
		next := *q
		if u.Firstname != nil {
			next.Firstname = *u.Firstname
		}
		if u.Lastname != nil {
			next.Lastname = *u.Lastname
		}
		if u.Email != nil {
			next.Email = *u.Email
		}
		if u.Adults != nil {
			next.Adults = *u.Adults
		}
		if u.Children != nil {
			next.Children = *u.Children
		}
		if err := next.Validate(); err != nil {
			return nil, err
		}
		var bookingID, conversationID *int64
		if u.BookingID != nil {
			bookingID = *u.BookingID
		}
		if u.ConversationID != nil {
			conversationID = *u.ConversationID
		}
		if err := checkInquiryRefs(ctx, tx, p, nil, bookingID, conversationID); err != nil {
			return nil, err
		}
		if q, err = tx.UpdateInquiry(ctx, p.AccountID, id, u); err != nil {
			return nil, err
		}
		return q, emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventInquiryUpdated, SubjectID: q.ID})
	})
}

// BookingView is a booking with its linked conversations.
type BookingView struct {
	*inbox.Booking
	ConversationIDs []int64
}

func bookingView(l *Loader, b *inbox.Booking) (*BookingView, error) {
	links, err := l.tx.FindBookingConversationIDs(l.ctx, l.accountID(), []int64{b.ID})
	if err != nil {
		return nil, err
	}
	return &BookingView{Booking: b, ConversationIDs: links[b.ID]}, nil
}
