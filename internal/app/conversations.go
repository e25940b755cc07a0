package app

import (
	"context"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/auth"
)

// ConversationCreate is a request to start a conversation.
type ConversationCreate struct {
	// InboxID names the inbox (Chatwoot). When nil, DefaultChannel picks the
	// account's inbox of that channel (created on first use), or the
	// account's default API inbox.
	InboxID              *int64
	DefaultChannel       string
	ClientID             *int64 // the contact; becomes a Client participant
	ContactSourceID      string // the contact's id in the channel; generated when empty
	HMACVerified         bool
	Subject              string
	Status               string // "" means open
	SnoozedUntil         *time.Time
	AssigneeID           *int64
	SourceID             *int64
	Priority             string
	Labels               []string
	CustomAttributes     inbox.Attributes
	AdditionalAttributes inbox.Attributes
	DeadlineResponseAt   *time.Time
	LastMessageAt        *time.Time
	// MarkedAsSpam starts the conversation marked as spam (BookingSync).
	MarkedAsSpam bool
	// Message, when set, is posted by the caller as the first message.
	Message *MessageCreate
	// View selects what the returned view carries.
	View ViewOptions
}

// CreateConversation starts a conversation in the caller's account and
// returns its view (in.View).
func (a *App) CreateConversation(ctx context.Context, in ConversationCreate) (*ConversationView, error) {
	base := &inbox.Conversation{
		UUID: auth.NewUUID(), Subject: in.Subject, DefaultChannel: in.DefaultChannel,
		Status: in.Status, SnoozedUntil: in.SnoozedUntil, Priority: in.Priority, Labels: in.Labels,
		CustomAttributes: in.CustomAttributes.Clone(), AdditionalAttributes: in.AdditionalAttributes.Clone(),
		DeadlineResponseAt: in.DeadlineResponseAt, LastMessageAt: in.LastMessageAt, HMACVerified: in.HMACVerified,
		ContactSourceID: in.ContactSourceID,
	}
	if base.Status == "" {
		base.Status = inbox.StatusOpen
	}
	if base.Priority == "none" {
		base.Priority = ""
	}
	if err := base.Validate(); err != nil {
		return nil, err
	}
	if base.Status != inbox.StatusSnoozed {
		base.SnoozedUntil = nil
	}
	if in.Message != nil {
		if err := validateMessageInput(in.Message); err != nil {
			return nil, err
		}
	}
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*ConversationView, error) {
		tx := l.tx
		c := new(inbox.Conversation)
		*c = *base // the store may run this function again: start afresh
		c.AccountID, c.CreatedByType, c.CreatedByID = p.AccountID, p.ActorType(), p.ActorID()
		now := tx.Now()
		if in.ClientID == nil && in.ContactSourceID != "" {
			if err := resolveContactSource(ctx, tx, p.AccountID, &in); err != nil {
				return nil, err
			}
		}
		box, err := a.targetInbox(l, p, in)
		if err != nil {
			return nil, err
		}
		c.InboxID = box.ID
		if in.AssigneeID != nil {
			if _, err := tx.FindHostByID(ctx, p.AccountID, *in.AssigneeID); err != nil {
				return nil, asInvalid(err, "assignee_id")
			}
			c.AssigneeID = in.AssigneeID
		}
		if in.SourceID != nil {
			src, err := tx.FindSourceByID(ctx, p.AccountID, *in.SourceID)
			if err != nil {
				return nil, asInvalid(err, "source_id")
			} else if src.Internal {
				return nil, invalidRef("source_id")
			}
			c.SourceID = in.SourceID
		}
		var client *inbox.Client
		if in.ClientID != nil {
			if client, err = tx.FindClientByID(ctx, p.AccountID, *in.ClientID); err != nil {
				return nil, asInvalid(err, "contact_id")
			}
			c.ClientID = &client.ID
			// The contact's identity in the inbox: the one named by
			// source_id, else the one it has there, else a new one.
			ci, err := ensureContactInbox(ctx, tx, client, box, c.ContactSourceID, c.HMACVerified)
			if err != nil {
				return nil, err
			}
			c.ContactSourceID = ci.SourceID
			if client.Blocked {
				c.Status, c.SnoozedUntil = inbox.StatusResolved, nil
			}
		}
		if c.ContactSourceID == "" {
			c.ContactSourceID = auth.NewUUID()
		}
		if in.MarkedAsSpam {
			c.MarkedAsSpamAt = &now
		}
		if c.Status == inbox.StatusResolved {
			c.ClosedAt = &now
		} else {
			c.WaitingSince = &now
		}
		if err := tx.CreateConversation(ctx, c); err != nil {
			return nil, err
		}
		if err := emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventConversationCreated,
			ConversationID: &c.ID, SubjectID: c.ID}); err != nil {
			return nil, err
		}
		if client != nil {
			pt := &inbox.Participant{AccountID: p.AccountID, ConversationID: c.ID, MemberType: inbox.MemberClient,
				MemberID: client.ID}
			if err := tx.CreateParticipant(ctx, pt); err != nil {
				return nil, err
			}
			if err := emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventParticipantCreated,
				ConversationID: &c.ID, SubjectID: pt.ID}); err != nil {
				return nil, err
			}
		}
		if in.Message != nil {
			msg := *in.Message
			msg.ConversationID = c.ID
			if _, err := a.createMessage(l, p, msg); err != nil {
				return nil, err
			}
			if c, err = tx.FindConversationByID(ctx, p.AccountID, c.ID); err != nil {
				return nil, err
			}
		}
		vs, err := l.ConversationViews([]*inbox.Conversation{c}, in.View)
		if err != nil {
			return nil, err
		}
		return vs[0], nil
	})
}

// targetInbox resolves where a new conversation lives and checks the caller
// may write there.
func (a *App) targetInbox(l *Loader, p *inbox.Principal, in ConversationCreate) (*inbox.Inbox, error) {
	ctx, tx := l.ctx, l.tx
	var box *inbox.Inbox
	var err error
	switch {
	case in.InboxID != nil:
		if box, err = tx.FindInboxByID(ctx, p.AccountID, *in.InboxID); err != nil {
			return nil, asInvalid(err, "inbox_id")
		}
	case in.DefaultChannel != "":
		box, err = tx.FindInboxByChannel(ctx, p.AccountID, in.DefaultChannel)
		if inbox.ErrorCode(err) == inbox.ENOTFOUND {
			box = &inbox.Inbox{AccountID: p.AccountID, Name: in.DefaultChannel, Channel: in.DefaultChannel,
				ReplyWindowHours: inbox.DefaultReplyWindow(in.DefaultChannel)}
			err = tx.CreateInbox(ctx, box)
		}
	default:
		box, err = tx.FindInboxByChannel(ctx, p.AccountID, inbox.ChannelAPI)
		if inbox.ErrorCode(err) == inbox.ENOTFOUND {
			box = &inbox.Inbox{AccountID: p.AccountID, Name: "API", Channel: inbox.ChannelAPI}
			err = tx.CreateInbox(ctx, box)
		}
	}
	if err != nil {
		return nil, err
	}
	if !l.vis.CanSeeInbox(box.ID) {
		return nil, errNotPermitted()
	}
	return box, nil
}

// resolveContactSource fills in the contact and inbox of an existing contact
// identity (the channel's id of a contact), in the named inbox or, without
// one, the newest identity with that id; ENOTFOUND when there is none.
func resolveContactSource(ctx context.Context, tx inbox.Tx, accountID int64, in *ConversationCreate) error {
	cis, err := tx.FindContactInboxes(ctx, accountID, inbox.ContactInboxFilter{InboxID: in.InboxID, SourceID: in.ContactSourceID})
	if err != nil {
		return err
	}
	if len(cis) == 0 {
		return inbox.NotFound("Contact inbox")
	}
	ci := cis[len(cis)-1]
	in.ClientID, in.InboxID = &ci.ClientID, &ci.InboxID
	return nil
}

// DeleteConversation removes a conversation (administrators only).
func (a *App) DeleteConversation(ctx context.Context, ref ConversationRef) error {
	_, err := updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (struct{}, error) {
		if !p.IsAdmin() {
			return struct{}{}, errNotPermitted()
		}
		c, err := l.find(ref)
		if err != nil {
			return struct{}{}, err
		}
		if err := l.tx.DeleteConversation(l.ctx, p.AccountID, c.ID); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, emit(l.ctx, l.tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventConversationDeleted, SubjectID: c.ID})
	})
	return err
}

// ConnectBooking links a booking of the account to a conversation and
// returns the conversation's view.
func (a *App) ConnectBooking(ctx context.Context, ref ConversationRef, bookingID int64, opt ViewOptions) (*ConversationView, error) {
	return a.bookingLink(ctx, ref, bookingID, true, opt)
}

// DisconnectBooking unlinks a booking from a conversation and returns the
// conversation's view.
func (a *App) DisconnectBooking(ctx context.Context, ref ConversationRef, bookingID int64, opt ViewOptions) (*ConversationView, error) {
	return a.bookingLink(ctx, ref, bookingID, false, opt)
}

func (a *App) bookingLink(ctx context.Context, ref ConversationRef, bookingID int64, connect bool, opt ViewOptions) (*ConversationView, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*ConversationView, error) {
		ctx, tx := l.ctx, l.tx
		c, err := l.find(ref)
		if err != nil {
			return nil, err
		}
		if _, err := tx.FindBookingByID(ctx, p.AccountID, bookingID); err != nil {
			return nil, asInvalid(err, "bookings")
		}
		if connect {
			err = tx.ConnectBooking(ctx, p.AccountID, c.ID, bookingID)
		} else {
			err = tx.DisconnectBooking(ctx, p.AccountID, c.ID, bookingID)
		}
		if err != nil {
			return nil, err
		}
		if c, err = tx.UpdateConversation(ctx, p.AccountID, c.ID, inbox.ConversationUpdate{Touch: true}); err != nil {
			return nil, err
		}
		if err := emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventConversationUpdated,
			ConversationID: &c.ID, SubjectID: c.ID, Changes: map[string][2]any{"bookings": {nil, bookingID}}}); err != nil {
			return nil, err
		}
		vs, err := l.ConversationViews([]*inbox.Conversation{c}, opt)
		if err != nil {
			return nil, err
		}
		return vs[0], nil
	})
}
