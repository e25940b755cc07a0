package app

import (
	"context"
	"slices"
	"time"
	"unicode/utf8"

	inbox "github.com/inboxd/inbox"
)

// MessageCreate is a request to post a message.
type MessageCreate struct {
	// ConversationID names the conversation; an unknown one is a 422 on
	// conversation_id (BookingSync, where it is a body attribute).
	ConversationID int64
	// ConversationDisplayID names the conversation by its number instead;
	// an unknown one is ENOTFOUND (Chatwoot, where it is in the path).
	ConversationDisplayID int64
	// The sender is, in order of precedence: SenderParticipantID (a
	// participant of the conversation), the conversation's contact when
	// AsContact is set, or else the calling host.
	SenderParticipantID  *int64
	AsContact            bool
	Template             bool // a template message (Chatwoot message_type 3)
	Content              *string
	ContentType          string
	ContentAttributes    inbox.Attributes
	AdditionalAttributes inbox.Attributes
	Origin               string
	Channel              string
	Visibility           string // "" means external
	SourceID             string
	EchoID               string
	SentAt               *time.Time
	AttachmentIDs        []int64
	Files                []inbox.FileUpload
}

// validateMessageInput checks what can be checked before touching the store.
func validateMessageInput(in *MessageCreate) error {
	if in.Content != nil && utf8.RuneCountInString(*in.Content) > inbox.MaxContentLength {
		return inbox.FieldError("content", "is too long (maximum is 150000 characters)")
	}
	if len(in.Files) > 15 {
		return inbox.FieldError("attachments", "too many files (maximum is 15)")
	}
	for _, f := range in.Files {
		if len(f.Data) > inbox.MaxAttachmentSize {
			return inbox.FieldError("attachments", "file is too large (maximum is 10 MB)")
		}
	}
	return nil
}

// CreateMessage posts a message to a conversation and returns its view.
func (a *App) CreateMessage(ctx context.Context, in MessageCreate) (*MessageView, error) {
	if err := validateMessageInput(&in); err != nil {
		return nil, err
	}
	if _, err := require(ctx, inbox.ScopeInboxWrite); err != nil {
		return nil, err
	}
	// Files go to the content-addressed store before the transaction: a
	// rolled-back message leaves at most an unreferenced blob, never a record
	// pointing at a missing file.
	keys, err := a.putFiles(ctx, in.Files)
	if err != nil {
		return nil, err
	}
	ids := in.AttachmentIDs
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*MessageView, error) {
		in.AttachmentIDs = ids // the store may run this function again
		for i, f := range in.Files {
			att, err := newAttachment(p.AccountID, f, keys[i])
			if err != nil {
				return nil, err
			}
			if err := l.tx.CreateAttachment(l.ctx, att); err != nil {
				return nil, err
			}
			in.AttachmentIDs = append(in.AttachmentIDs, att.ID)
		}
		m, err := a.createMessage(l, p, in)
		if err != nil {
			return nil, err
		}
		return l.messageView(m)
	})
}

// createMessage runs inside a transaction: it resolves the sender, stores the
// message and applies its effects on the conversation and the sender.
func (a *App) createMessage(l *Loader, p *inbox.Principal, in MessageCreate) (*inbox.Message, error) {
	ctx, tx := l.ctx, l.tx
	var c *inbox.Conversation
	var err error
	if in.ConversationDisplayID != 0 {
		c, err = l.find(ByDisplayID(in.ConversationDisplayID))
	} else if c, err = l.conversation(in.ConversationID); err != nil {
		return nil, asInvalid(err, "conversation_id")
	} else {
		err = l.visible(c)
	}
	if err != nil {
		return nil, err
	}
	sender, err := a.resolveSender(ctx, tx, p, c, in)
	if err != nil {
		return nil, err
	}
	l.participants[sender.ID] = sender
	m := &inbox.Message{
		AccountID: p.AccountID, ConversationID: c.ID, SenderID: &sender.ID, ContentType: in.ContentType,
		ContentAttributes: in.ContentAttributes.Clone(), AdditionalAttributes: in.AdditionalAttributes.Clone(),
		Origin: in.Origin, Channel: in.Channel, Visibility: in.Visibility, Status: inbox.DeliverySent,
		SourceID: in.SourceID, EchoID: in.EchoID, SentAt: in.SentAt, AttachmentIDs: in.AttachmentIDs,
		CreatedByType: p.ActorType(), CreatedByID: p.ActorID(),
	}
	if in.Content != nil {
		m.Content, m.HasContent = *in.Content, true
	}
	if m.ContentType == "" {
		m.ContentType = "text"
	}
	if m.Visibility == "" {
		m.Visibility = inbox.VisibilityExternal
	}
	if m.Origin == "" {
		// Every message has an origin: a client that names none (Chatwoot)
		// gets the one its conversation's inbox implies.
		box, err := tx.FindInboxByID(ctx, p.AccountID, c.InboxID)
		if err != nil {
			return nil, err
		}
		m.Origin = inbox.MessageOrigin(box.Channel)
	}
	switch {
	case sender.MemberType == inbox.MemberClient:
		m.Kind = inbox.KindIncoming
	case in.Template:
		m.Kind = inbox.KindTemplate
	default:
		m.Kind = inbox.KindOutgoing
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if m.Private() && sender.MemberType == inbox.MemberClient {
		return nil, inbox.FieldError("visibility", "internal is not allowed for a message sent by a client")
	}
	if m.Private() && m.Channel != "" {
		return nil, inbox.FieldError("visibility", "internal is not allowed for a message relayed to a channel")
	}
	for _, id := range m.AttachmentIDs {
		if _, err := tx.FindAttachmentByID(ctx, p.AccountID, id); err != nil {
			return nil, asInvalid(err, "attachment_ids")
		}
	}
	m.AttachmentIDs = uniqueIDs(m.AttachmentIDs)
	if err := tx.CreateMessage(ctx, m); err != nil {
		return nil, err
	}
	if err := a.afterMessage(ctx, tx, p, c, sender, m); err != nil {
		return nil, err
	}
	l.forget(c.ID) // its times changed
	return m, nil
}

// uniqueIDs drops repeated ids, keeping the first occurrence's position.
func uniqueIDs(ids []int64) []int64 {
	out := []int64{}
	seen := map[int64]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// resolveSender finds (or, for hosts and the contact, creates) the sender
// participant. Every message has one, so it shows in both dialects.
func (a *App) resolveSender(ctx context.Context, tx inbox.Tx, p *inbox.Principal, c *inbox.Conversation, in MessageCreate) (*inbox.Participant, error) {
	switch {
	case in.SenderParticipantID != nil:
		s, err := tx.FindParticipantByID(ctx, p.AccountID, *in.SenderParticipantID)
		if err != nil {
			return nil, asInvalid(err, "sender_id")
		} else if s.ConversationID != c.ID {
			return nil, invalidRef("sender_id")
		}
		return s, nil
	case in.AsContact:
		if c.ClientID == nil {
			return nil, inbox.FieldError("message_type", "incoming messages need a conversation with a contact")
		}
		box, err := tx.FindInboxByID(ctx, p.AccountID, c.InboxID)
		if err != nil {
			return nil, err
		} else if box.Channel != inbox.ChannelAPI {
			return nil, inbox.FieldError("message_type", "Incoming messages are only allowed in Api inboxes")
		}
		return memberParticipant(ctx, tx, p, c.ID, inbox.MemberClient, *c.ClientID)
	case p.Host != nil:
		return memberParticipant(ctx, tx, p, c.ID, inbox.MemberHost, p.Host.ID)
	}
	return nil, inbox.FieldError("sender_id", inbox.MsgBlank)
}

// memberParticipant returns the member's oldest participant in the
// conversation, creating one when the member has none.
func memberParticipant(ctx context.Context, tx inbox.Tx, p *inbox.Principal, conversationID int64, memberType string, memberID int64) (*inbox.Participant, error) {
	accountID := p.AccountID
	ps, _, err := tx.FindParticipants(ctx, accountID, inbox.ParticipantFilter{ConversationID: &conversationID,
		MemberType: memberType, MemberID: &memberID, Page: inbox.Page{Limit: 1, SkipTotal: true}})
	if err != nil {
		return nil, err
	} else if len(ps) > 0 {
		return ps[0], nil
	}
	pt := &inbox.Participant{AccountID: accountID, ConversationID: conversationID, MemberType: memberType, MemberID: memberID}
	if err := tx.CreateParticipant(ctx, pt); err != nil {
		return nil, err
	}
	return pt, emit(ctx, tx, p, inbox.Event{AccountID: accountID, Type: inbox.EventParticipantCreated,
		ConversationID: &conversationID, SubjectID: pt.ID})
}

// afterMessage applies a new message's effects: conversation times, waiting
// and first-reply markers, reopening on incoming messages, the sender's
// last_message_sent_at, and the events.
func (a *App) afterMessage(ctx context.Context, tx inbox.Tx, p *inbox.Principal, c *inbox.Conversation, sender *inbox.Participant, m *inbox.Message) error {
	now := tx.Now()
	at := now
	if m.SentAt != nil {
		at = *m.SentAt
	}
	u := inbox.ConversationUpdate{LastActivityAt: &now, Touch: true}
	if c.LastMessageAt == nil || at.After(*c.LastMessageAt) {
		u.LastMessageAt = ptr(&at)
	}
	reopen := false
	switch m.Kind {
	case inbox.KindIncoming:
		if c.WaitingSince == nil {
			u.WaitingSince = ptr(&now)
		}
		// The client was last active now (Chatwoot's contact last_activity_at).
		if _, err := tx.UpdateClient(ctx, p.AccountID, sender.MemberID, inbox.ClientUpdate{LastActivityAt: &at}); err != nil {
			return err
		}
		if c.Status == inbox.StatusResolved || c.Status == inbox.StatusSnoozed {
			blocked := false
			if c.ClientID != nil {
				cl, err := tx.FindClientByID(ctx, p.AccountID, *c.ClientID)
				if err != nil {
					return err
				}
				blocked = cl.Blocked
			}
			reopen = !blocked
		}
	case inbox.KindOutgoing, inbox.KindTemplate:
		if !m.Private() {
			u.WaitingSince = ptr[*time.Time](nil)
			if c.FirstReplyCreatedAt == nil && m.Kind == inbox.KindOutgoing {
				u.FirstReplyCreatedAt = ptr(&now)
			}
		}
	}
	if err := tx.PatchConversation(ctx, p.AccountID, c.ID, u); err != nil {
		return err
	}
	if sender.LastMessageSentAt == nil || at.After(*sender.LastMessageSentAt) {
		if err := tx.PatchParticipant(ctx, p.AccountID, sender.ID, inbox.ParticipantUpdate{LastMessageSentAt: ptr(&at)}); err != nil {
			return err
		}
	}
	if err := emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventMessageCreated,
		ConversationID: &c.ID, MessageID: &m.ID, SubjectID: m.ID}); err != nil {
		return err
	}
	if reopen {
		fresh, err := tx.FindConversationByID(ctx, p.AccountID, c.ID)
		if err != nil {
			return err
		}
		// The line names the system, as Chatwoot's does; the events carry
		// the caller whose message reopened it.
		return a.setStatus(ctx, tx, p, fresh, inbox.StatusOpen, nil, "System reopened the conversation due to a new incoming message.")
	}
	return nil
}

// MessageChange holds message fields to change; nil leaves one unchanged.
type MessageChange struct {
	Content       *string
	Origin        *string
	Channel       *string
	Visibility    *string
	SentAt        **time.Time
	AttachmentIDs *[]int64
	// Status and ExternalError are delivery updates (Chatwoot, API inboxes only).
	Status        *string
	ExternalError *string
	// AddAttachmentID appends one attachment (idempotent), read and written
	// in the same transaction so concurrent additions are never lost.
	AddAttachmentID int64
	// HideActivity makes activity messages answer ENOTFOUND, for a dialect
	// that never shows them (BookingSync).
	HideActivity bool
	// ConversationID or ConversationDisplayID, when set, is the
	// conversation the message must be in (ENOTFOUND otherwise), for a
	// dialect that addresses messages through their conversation (Chatwoot).
	ConversationID        int64
	ConversationDisplayID int64
	// OnlyDelivery marks a delivery update (Chatwoot's message PATCH): when
	// it changes nothing, the message is returned as it is.
	OnlyDelivery bool
}

// UpdateMessage edits a message and returns its view.
func (a *App) UpdateMessage(ctx context.Context, id int64, ch MessageChange) (*MessageView, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*MessageView, error) {
		ctx, tx := l.ctx, l.tx
		convID := ch.ConversationID
		if ch.ConversationDisplayID != 0 {
			c, err := l.find(ByDisplayID(ch.ConversationDisplayID))
			if err != nil {
				return nil, err
			}
			convID = c.ID
		}
		old, err := l.Message(convID, id, ch.HideActivity)
		if err != nil {
			return nil, err
		}
		c, err := l.conversation(old.ConversationID)
		if err != nil {
			return nil, err
		}
		if ch.OnlyDelivery && ch.Status == nil && ch.ExternalError == nil {
			return l.messageView(old) // a delivery update with nothing to change
		}
		if ch.AddAttachmentID != 0 {
			// Read again now that the conversation row is locked (PostgreSQL),
			// so two concurrent additions both land.
			if old, err = tx.FindMessageByID(ctx, p.AccountID, id); err != nil {
				return nil, err
			}
			if slices.Contains(old.AttachmentIDs, ch.AddAttachmentID) {
				return l.messageView(old) // already attached: nothing changes
			}
			ids := append(slices.Clone(old.AttachmentIDs), ch.AddAttachmentID)
			ch.AttachmentIDs = &ids
		}
		u, err := a.messageUpdate(ctx, tx, p, c, old, ch)
		if err != nil {
			return nil, err
		}
		m, err := tx.UpdateMessage(ctx, p.AccountID, id, u)
		if err != nil {
			return nil, err
		}
		if err := tx.PatchConversation(ctx, p.AccountID, c.ID, inbox.ConversationUpdate{Touch: true}); err != nil {
			return nil, err
		}
		l.forget(c.ID)
		if err := emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventMessageUpdated,
			ConversationID: &c.ID, MessageID: &m.ID, SubjectID: m.ID}); err != nil {
			return nil, err
		}
		return l.messageView(m)
	})
}

// messageUpdate validates a change against the stored message.
func (a *App) messageUpdate(ctx context.Context, tx inbox.Tx, p *inbox.Principal, c *inbox.Conversation, old *inbox.Message, ch MessageChange) (inbox.MessageUpdate, error) {
	u := inbox.MessageUpdate{Content: ch.Content, Origin: ch.Origin, Channel: ch.Channel, Visibility: ch.Visibility,
		SentAt: ch.SentAt, AttachmentIDs: ch.AttachmentIDs}
	if ch.Content != nil {
		u.HasContent = ptr(true)
	}
	next := *old
	if ch.Content != nil {
		next.Content = *ch.Content
	}
	if ch.Origin != nil {
		next.Origin = *ch.Origin
	}
	if ch.Channel != nil {
		next.Channel = *ch.Channel
	}
	if ch.Visibility != nil {
		next.Visibility = *ch.Visibility
	}
	if ch.Status != nil || ch.ExternalError != nil {
		box, err := tx.FindInboxByID(ctx, p.AccountID, c.InboxID)
		if err != nil {
			return u, err
		}
		if box.Channel != inbox.ChannelAPI {
			return u, &inbox.Error{Code: inbox.EFORBIDDEN, Field: "status",
				Message: "Message status update is only allowed for API inboxes"}
		}
		// A read message never goes back to delivered (Chatwoot ignores it).
		if ch.Status != nil && !(old.Status == inbox.DeliveryRead && *ch.Status == inbox.DeliveryDelivered) {
			next.Status = *ch.Status
			u.Status = ch.Status
		}
		attrs := old.ContentAttributes.Clone()
		if next.Status == inbox.DeliveryFailed && ch.ExternalError != nil {
			attrs["external_error"] = *ch.ExternalError
		} else if next.Status != inbox.DeliveryFailed {
			delete(attrs, "external_error")
		}
		u.ContentAttributes = &attrs
	}
	if err := next.Validate(); err != nil {
		return u, err
	}
	if next.Kind == inbox.KindActivity && (ch.Content != nil || ch.Visibility != nil) {
		return u, inbox.FieldError("content", "activity messages cannot be edited")
	}
	if next.Private() && next.Channel != "" {
		return u, inbox.FieldError("visibility", "internal is not allowed for a message relayed to a channel")
	}
	if next.Private() && next.Kind == inbox.KindIncoming {
		return u, inbox.FieldError("visibility", "internal is not allowed for a message sent by a client")
	}
	if ch.AttachmentIDs != nil {
		for _, id := range *ch.AttachmentIDs {
			if _, err := tx.FindAttachmentByID(ctx, p.AccountID, id); err != nil {
				return u, asInvalid(err, "attachment_ids")
			}
		}
	}
	return u, nil
}

// DeleteMessage soft-deletes a message: its content is replaced, attachments
// dropped (and deleted unless another message links them) and
// content_attributes.deleted set (Chatwoot's behaviour). The
// message must be in the named conversation. It returns the message's view.
func (a *App) DeleteMessage(ctx context.Context, ref ConversationRef, id int64) (*MessageView, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*MessageView, error) {
		c, err := l.find(ref)
		if err != nil {
			return nil, err
		}
		if _, err := l.Message(c.ID, id, false); err != nil {
			return nil, err
		}
		// Its attachments go with it, unless another message still shows them.
		if err := l.tx.DeleteMessageAttachments(l.ctx, p.AccountID, id); err != nil {
			return nil, err
		}
		attrs := inbox.Attributes{"deleted": true}
		u := inbox.MessageUpdate{Content: ptr("This message was deleted"), HasContent: ptr(true), ContentType: ptr("text"),
			ContentAttributes: &attrs}
		m, err := l.tx.UpdateMessage(l.ctx, p.AccountID, id, u)
		if err != nil {
			return nil, err
		}
		if err := emit(l.ctx, l.tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventMessageUpdated,
			ConversationID: &m.ConversationID, MessageID: &m.ID, SubjectID: m.ID}); err != nil {
			return nil, err
		}
		return l.messageView(m)
	})
}
