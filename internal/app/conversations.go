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
}

// loadConversation finds a conversation the caller may act on. Agents reaching
// outside their inboxes get EFORBIDDEN.
func loadConversation(ctx context.Context, tx inbox.Tx, p *inbox.Principal, id int64) (*inbox.Conversation, error) {
	c, err := tx.FindConversationByID(ctx, p.AccountID, id)
	if err != nil {
		return nil, err
	}
	return c, checkVisible(ctx, tx, p, c)
}

// checkVisible answers EFORBIDDEN when the caller may not act on c.
func checkVisible(ctx context.Context, tx inbox.Tx, p *inbox.Principal, c *inbox.Conversation) error {
	if ok, err := canSeeInbox(ctx, tx, p, c.InboxID); err != nil {
		return err
	} else if !ok {
		return errNotPermitted()
	}
	return nil
}

// CreateConversation starts a conversation in the caller's account.
func (a *App) CreateConversation(ctx context.Context, in ConversationCreate) (*inbox.Conversation, error) {
	p, err := require(ctx, inbox.ScopeInboxWrite)
	if err != nil {
		return nil, err
	}
	c := &inbox.Conversation{
		AccountID: p.AccountID, UUID: auth.NewUUID(), Subject: in.Subject, DefaultChannel: in.DefaultChannel,
		Status: in.Status, SnoozedUntil: in.SnoozedUntil, Priority: in.Priority, Labels: in.Labels,
		CustomAttributes: in.CustomAttributes.Clone(), AdditionalAttributes: in.AdditionalAttributes.Clone(),
		DeadlineResponseAt: in.DeadlineResponseAt, LastMessageAt: in.LastMessageAt, HMACVerified: in.HMACVerified,
		ContactSourceID: in.ContactSourceID, CreatedByType: p.ActorType(), CreatedByID: p.ActorID(),
	}
	if c.Status == "" {
		c.Status = inbox.StatusOpen
	}
	if c.Priority == "none" {
		c.Priority = ""
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Status != inbox.StatusSnoozed {
		c.SnoozedUntil = nil
	}
	if in.Message != nil {
		if err := validateMessageInput(in.Message); err != nil {
			return nil, err
		}
	}
	err = a.store.Update(ctx, func(tx inbox.Tx) error {
		now := tx.Now()
		if in.InboxID == nil && in.ClientID == nil && in.ContactSourceID != "" {
			if err := resolveContactSource(ctx, tx, p.AccountID, &in); err != nil {
				return err
			}
		}
		box, err := a.targetInbox(ctx, tx, p, in)
		if err != nil {
			return err
		}
		c.InboxID = box.ID
		if in.AssigneeID != nil {
			if _, err := tx.FindHostByID(ctx, p.AccountID, *in.AssigneeID); err != nil {
				return asInvalid(err, "assignee_id")
			}
			c.AssigneeID = in.AssigneeID
		}
		if in.SourceID != nil {
			src, err := tx.FindSourceByID(ctx, p.AccountID, *in.SourceID)
			if err != nil {
				return asInvalid(err, "source_id")
			} else if src.Internal {
				return invalidRef("source_id")
			}
			c.SourceID = in.SourceID
		}
		var client *inbox.Client
		if in.ClientID != nil {
			if client, err = tx.FindClientByID(ctx, p.AccountID, *in.ClientID); err != nil {
				return asInvalid(err, "contact_id")
			}
			c.ClientID = &client.ID
			if err := a.checkContactSource(ctx, tx, p.AccountID, box.ID, client.ID, c.ContactSourceID); err != nil {
				return err
			}
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
			return err
		}
		if client != nil {
			if err := tx.CreateParticipant(ctx, &inbox.Participant{AccountID: p.AccountID, ConversationID: c.ID,
				MemberType: inbox.MemberClient, MemberID: client.ID}); err != nil {
				return err
			}
		}
		if err := emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventConversationCreated,
			ConversationID: &c.ID, SubjectID: c.ID}); err != nil {
			return err
		}
		if in.Message != nil {
			msg := *in.Message
			msg.ConversationID = c.ID
			if _, err := a.createMessage(ctx, tx, p, msg); err != nil {
				return err
			}
			c, err = tx.FindConversationByID(ctx, p.AccountID, c.ID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// targetInbox resolves where a new conversation lives and checks the caller
// may write there.
func (a *App) targetInbox(ctx context.Context, tx inbox.Tx, p *inbox.Principal, in ConversationCreate) (*inbox.Inbox, error) {
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
	if ok, err := canSeeInbox(ctx, tx, p, box.ID); err != nil {
		return nil, err
	} else if !ok {
		return nil, errNotPermitted()
	}
	return box, nil
}

// checkContactSource rejects a channel identity already used by another
// contact in the same inbox.
func (a *App) checkContactSource(ctx context.Context, tx inbox.Tx, accountID, inboxID, clientID int64, sourceID string) error {
	if sourceID == "" {
		return nil
	}
	others, _, err := tx.FindConversations(ctx, accountID, inbox.ConversationFilter{InboxID: &inboxID,
		ContactSourceID: sourceID, Page: inbox.Page{Limit: 10, SkipTotal: true}})
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.ClientID == nil || *o.ClientID != clientID {
			return &inbox.Error{Code: inbox.ECONFLICT, Field: "source_id", Message: "source_id should be unique"}
		}
	}
	return nil
}

// resolveContactSource fills in the contact and inbox of an existing contact
// identity (the channel's id of a contact), taken from the newest
// conversation that used it; ENOTFOUND when none did.
func resolveContactSource(ctx context.Context, tx inbox.Tx, accountID int64, in *ConversationCreate) error {
	cs, _, err := tx.FindConversations(ctx, accountID, inbox.ConversationFilter{ContactSourceID: in.ContactSourceID,
		Sort: inbox.SortCreatedAtDesc, Page: inbox.Page{Limit: 1, SkipTotal: true}})
	if err != nil {
		return err
	}
	if len(cs) == 0 || cs[0].ClientID == nil {
		return inbox.NotFound("Contact inbox")
	}
	in.ClientID, in.InboxID = cs[0].ClientID, &cs[0].InboxID
	return nil
}

// GetConversation returns one conversation by its global id.
func (a *App) GetConversation(ctx context.Context, id int64) (*inbox.Conversation, error) {
	p, err := require(ctx, inbox.ScopeInboxRead)
	if err != nil {
		return nil, err
	}
	var c *inbox.Conversation
	err = a.store.View(ctx, func(tx inbox.Tx) (err error) {
		c, err = loadConversation(ctx, tx, p, id)
		return err
	})
	return c, err
}

// GetConversationByDisplayID returns one conversation by its per-account number.
func (a *App) GetConversationByDisplayID(ctx context.Context, displayID int64) (*inbox.Conversation, error) {
	p, err := require(ctx, inbox.ScopeInboxRead)
	if err != nil {
		return nil, err
	}
	var c *inbox.Conversation
	err = a.store.View(ctx, func(tx inbox.Tx) error {
		if c, err = tx.FindConversationByDisplayID(ctx, p.AccountID, displayID); err != nil {
			return err
		}
		return checkVisible(ctx, tx, p, c)
	})
	return c, err
}

// ListConversations lists the conversations the caller may see.
func (a *App) ListConversations(ctx context.Context, f inbox.ConversationFilter) ([]*inbox.Conversation, int, error) {
	p, err := require(ctx, inbox.ScopeInboxRead)
	if err != nil {
		return nil, 0, err
	}
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	var out []*inbox.Conversation
	var total int
	err = a.store.View(ctx, func(tx inbox.Tx) error {
		if err := restrictToVisible(ctx, tx, p, &f); err != nil {
			return err
		}
		out, total, err = tx.FindConversations(ctx, p.AccountID, f)
		return err
	})
	return out, total, err
}

// CountConversations returns the Chatwoot counters for a filter.
func (a *App) CountConversations(ctx context.Context, f inbox.ConversationFilter) (inbox.ConversationCounts, error) {
	var n inbox.ConversationCounts
	p, err := require(ctx, inbox.ScopeInboxRead)
	if err != nil {
		return n, err
	}
	if err := f.Validate(); err != nil {
		return n, err
	}
	var mine int64
	if p.Host != nil {
		mine = p.Host.ID
	}
	err = a.store.View(ctx, func(tx inbox.Tx) error {
		if err := restrictToVisible(ctx, tx, p, &f); err != nil {
			return err
		}
		n, err = tx.CountConversations(ctx, p.AccountID, f, mine)
		return err
	})
	return n, err
}

// restrictToVisible narrows a filter to the agent's inboxes.
func restrictToVisible(ctx context.Context, tx inbox.Tx, p *inbox.Principal, f *inbox.ConversationFilter) error {
	ids, err := visibleInboxes(ctx, tx, p)
	if err != nil {
		return err
	}
	if ids != nil {
		f.InboxIDs = ids
	}
	return nil
}

// DeleteConversation removes a conversation (administrators only).
func (a *App) DeleteConversation(ctx context.Context, id int64) error {
	p, err := require(ctx, inbox.ScopeInboxWrite)
	if err != nil {
		return err
	}
	if !p.IsAdmin() {
		return errNotPermitted()
	}
	return a.store.Update(ctx, func(tx inbox.Tx) error {
		c, err := loadConversation(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteConversation(ctx, p.AccountID, c.ID); err != nil {
			return err
		}
		return emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventConversationDeleted, SubjectID: c.ID})
	})
}

// ConnectBooking links a booking of the account to a conversation.
func (a *App) ConnectBooking(ctx context.Context, id, bookingID int64) (*inbox.Conversation, error) {
	return a.bookingLink(ctx, id, bookingID, true)
}

// DisconnectBooking unlinks a booking from a conversation.
func (a *App) DisconnectBooking(ctx context.Context, id, bookingID int64) (*inbox.Conversation, error) {
	return a.bookingLink(ctx, id, bookingID, false)
}

func (a *App) bookingLink(ctx context.Context, id, bookingID int64, connect bool) (*inbox.Conversation, error) {
	p, err := require(ctx, inbox.ScopeInboxWrite)
	if err != nil {
		return nil, err
	}
	var c *inbox.Conversation
	err = a.store.Update(ctx, func(tx inbox.Tx) error {
		if c, err = loadConversation(ctx, tx, p, id); err != nil {
			return err
		}
		if _, err := tx.FindBookingByID(ctx, p.AccountID, bookingID); err != nil {
			return asInvalid(err, "bookings")
		}
		if connect {
			err = tx.ConnectBooking(ctx, p.AccountID, id, bookingID)
		} else {
			err = tx.DisconnectBooking(ctx, p.AccountID, id, bookingID)
		}
		if err != nil {
			return err
		}
		if c, err = tx.UpdateConversation(ctx, p.AccountID, id, inbox.ConversationUpdate{Touch: true}); err != nil {
			return err
		}
		return emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventConversationUpdated,
			ConversationID: &c.ID, SubjectID: c.ID, Changes: map[string][2]any{"bookings": {nil, bookingID}}})
	})
	return c, err
}
