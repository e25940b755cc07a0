package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	inbox "github.com/inboxd/inbox"
)

// ConversationChange holds conversation fields to change; nil leaves a field
// unchanged. Both dialects express their updates with it.
type ConversationChange struct {
	Status           *string
	SnoozedUntil     *time.Time // with Status snoozed
	Closed           *bool      // true resolves, false reopens a resolved conversation
	AssigneeID       **int64    // pointer to nil unassigns
	DefaultChannel   *string
	MarkedAsSpam     *bool
	Priority         *string // "" or "none" clears
	Labels           *[]string
	CustomAttributes *inbox.Attributes
}

// UpdateConversation applies a change, writing the activity lines and events
// that go with it, and returns the conversation's view (opt).
func (a *App) UpdateConversation(ctx context.Context, ref ConversationRef, ch ConversationChange, opt ViewOptions) (*ConversationView, error) {
	if err := validateChange(&ch); err != nil {
		return nil, err
	}
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*ConversationView, error) {
		c, err := l.find(ref)
		if err != nil {
			return nil, err
		}
		if c, err = a.applyChange(l.ctx, l.tx, p, c, ch); err != nil {
			return nil, err
		}
		return viewOf(l, c, opt)
	})
}

// viewOf builds the view of a conversation the transaction just changed.
func viewOf(l *Loader, c *inbox.Conversation, opt ViewOptions) (*ConversationView, error) {
	vs, err := l.ConversationViews([]*inbox.Conversation{c}, opt)
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

func validateChange(ch *ConversationChange) error {
	if ch.Status != nil && !inbox.ValidStatus(*ch.Status) {
		return inbox.FieldError("status", inbox.MsgInclusion)
	}
	if ch.DefaultChannel != nil && *ch.DefaultChannel != "" && !inbox.ValidMessageChannel(*ch.DefaultChannel) {
		return inbox.FieldError("default_channel", inbox.MsgInclusion)
	}
	if ch.Priority != nil {
		if *ch.Priority == "none" {
			ch.Priority = ptr("")
		}
		if !inbox.ValidPriority(*ch.Priority) {
			return inbox.FieldError("priority", inbox.MsgInclusion)
		}
	}
	if ch.Labels != nil {
		for _, l := range *ch.Labels {
			if err := inbox.ValidateLabel(l); err != nil {
				return err
			}
		}
	}
	if ch.CustomAttributes != nil {
		if err := validateCustomAttributes(*ch.CustomAttributes); err != nil {
			return err
		}
	}
	return nil
}

// validateCustomAttributes applies Chatwoot's limits on custom attribute values.
func validateCustomAttributes(attrs inbox.Attributes) error {
	if err := attrs.Validate("custom_attributes"); err != nil {
		return err
	}
	for k, v := range attrs {
		switch v := v.(type) {
		case string:
			if len([]rune(v)) > 1500 {
				return inbox.FieldError("custom_attributes", fmt.Sprintf("%s length should be < 1500", k))
			}
		case float64:
			if v > 9999999999 || v < -9999999999 {
				return inbox.FieldError("custom_attributes", fmt.Sprintf("%s value should be < 9999999999", k))
			}
		}
	}
	return nil
}

// applyChange runs inside a transaction on a loaded conversation.
func (a *App) applyChange(ctx context.Context, tx inbox.Tx, p *inbox.Principal, c *inbox.Conversation, ch ConversationChange) (*inbox.Conversation, error) {
	status := ch.Status
	if ch.Closed != nil {
		switch {
		case *ch.Closed && c.Status != inbox.StatusResolved:
			status = ptr(inbox.StatusResolved)
		case !*ch.Closed && c.Status == inbox.StatusResolved:
			status = ptr(inbox.StatusOpen)
		}
	}
	if status != nil && (*status != c.Status || (*status == inbox.StatusSnoozed && !sameTime(ch.SnoozedUntil, c.SnoozedUntil))) {
		if err := a.setStatus(ctx, tx, p, c, *status, ch.SnoozedUntil, ""); err != nil {
			return nil, err
		}
	}
	if ch.AssigneeID != nil {
		if err := a.assign(ctx, tx, p, c, *ch.AssigneeID); err != nil {
			return nil, err
		}
	}
	if ch.Priority != nil && *ch.Priority != c.Priority {
		if err := a.setPriority(ctx, tx, p, c, *ch.Priority); err != nil {
			return nil, err
		}
	}
	if ch.Labels != nil {
		if err := a.setLabels(ctx, tx, p, c, *ch.Labels); err != nil {
			return nil, err
		}
	}
	u := inbox.ConversationUpdate{}
	changes := map[string][2]any{}
	if ch.DefaultChannel != nil && *ch.DefaultChannel != c.DefaultChannel {
		u.DefaultChannel = ch.DefaultChannel
		changes["default_channel"] = [2]any{c.DefaultChannel, *ch.DefaultChannel}
	}
	if ch.MarkedAsSpam != nil && *ch.MarkedAsSpam != (c.MarkedAsSpamAt != nil) {
		var at *time.Time
		if *ch.MarkedAsSpam {
			at = ptr(tx.Now())
		}
		u.MarkedAsSpamAt = &at
		changes["marked_as_spam_at"] = [2]any{c.MarkedAsSpamAt, at}
	}
	if ch.CustomAttributes != nil {
		attrs := ch.CustomAttributes.Clone()
		u.CustomAttributes = &attrs
		changes["custom_attributes"] = [2]any{c.CustomAttributes, attrs}
	}
	if len(changes) > 0 {
		if err := tx.PatchConversation(ctx, p.AccountID, c.ID, u); err != nil {
			return nil, err
		}
		if err := emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventConversationUpdated,
			ConversationID: &c.ID, SubjectID: c.ID, Changes: changes}); err != nil {
			return nil, err
		}
	}
	return tx.FindConversationByID(ctx, p.AccountID, c.ID)
}

func sameTime(a, b *time.Time) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && a.Equal(*b))
}

// actorName names the principal in activity lines.
func actorName(p *inbox.Principal) string {
	if p == nil {
		return "System"
	}
	return p.Name
}

// setStatus moves a conversation to a status. closed_at follows resolved,
// snoozed_until follows snoozed, and resolving stops the waiting clock. text
// overrides the activity line (system reopen).
func (a *App) setStatus(ctx context.Context, tx inbox.Tx, p *inbox.Principal, c *inbox.Conversation, status string, snoozedUntil *time.Time, text string) error {
	if !inbox.ValidStatus(status) {
		return inbox.FieldError("status", inbox.MsgInclusion)
	}
	now := tx.Now()
	var closedAt, snoozed *time.Time
	u := inbox.ConversationUpdate{Status: &status, ClosedAt: &closedAt, SnoozedUntil: &snoozed}
	switch status {
	case inbox.StatusResolved:
		closedAt = &now
		if c.ClosedAt != nil && c.Status == inbox.StatusResolved {
			closedAt = c.ClosedAt
		}
		u.WaitingSince = ptr[*time.Time](nil)
	case inbox.StatusSnoozed:
		snoozed = snoozedUntil
	}
	if err := tx.PatchConversation(ctx, c.AccountID, c.ID, u); err != nil {
		return err
	}
	if text == "" {
		name := actorName(p)
		switch status {
		case inbox.StatusResolved:
			text = "Conversation was marked resolved by " + name
		case inbox.StatusOpen:
			text = "Conversation was reopened by " + name
		case inbox.StatusPending:
			text = "Conversation was marked as pending by " + name
		case inbox.StatusSnoozed:
			text = "Conversation was snoozed by " + name
		}
	}
	if err := a.activity(ctx, tx, p, c, text); err != nil {
		return err
	}
	return emit(ctx, tx, p, inbox.Event{AccountID: c.AccountID, Type: inbox.EventConversationStatusChanged,
		ConversationID: &c.ID, SubjectID: c.ID, Changes: map[string][2]any{"status": {c.Status, status}}})
}

// assign sets or clears the assignee; the assignee must be a host of the account.
func (a *App) assign(ctx context.Context, tx inbox.Tx, p *inbox.Principal, c *inbox.Conversation, hostID *int64) error {
	if sameID(hostID, c.AssigneeID) {
		return nil
	}
	text := "Conversation unassigned by " + actorName(p)
	if hostID != nil {
		h, err := tx.FindHostByID(ctx, p.AccountID, *hostID)
		if err != nil {
			return asInvalid(err, "assignee_id")
		}
		text = "Assigned to " + h.Name() + " by " + actorName(p)
		if p.Host != nil && p.Host.ID == h.ID {
			text = actorName(p) + " self-assigned this conversation"
		}
	}
	if err := tx.PatchConversation(ctx, p.AccountID, c.ID, inbox.ConversationUpdate{AssigneeID: &hostID}); err != nil {
		return err
	}
	if err := a.activity(ctx, tx, p, c, text); err != nil {
		return err
	}
	return emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventConversationUpdated,
		ConversationID: &c.ID, SubjectID: c.ID, Changes: map[string][2]any{"assignee_id": {c.AssigneeID, hostID}}})
}

func sameID(a, b *int64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

func (a *App) setPriority(ctx context.Context, tx inbox.Tx, p *inbox.Principal, c *inbox.Conversation, priority string) error {
	if err := tx.PatchConversation(ctx, p.AccountID, c.ID, inbox.ConversationUpdate{Priority: &priority}); err != nil {
		return err
	}
	var text string
	switch {
	case priority == "":
		text = actorName(p) + " removed the priority"
	case c.Priority == "":
		text = actorName(p) + " set the priority to " + priority
	default:
		text = actorName(p) + " changed the priority from " + c.Priority + " to " + priority
	}
	if err := a.activity(ctx, tx, p, c, text); err != nil {
		return err
	}
	return emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventConversationUpdated,
		ConversationID: &c.ID, SubjectID: c.ID, Changes: map[string][2]any{"priority": {nullable(c.Priority), nullable(priority)}}})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (a *App) setLabels(ctx context.Context, tx inbox.Tx, p *inbox.Principal, c *inbox.Conversation, labels []string) error {
	var clean []string
	for _, l := range labels {
		l = strings.TrimSpace(l)
		if !slices.Contains(clean, l) {
			clean = append(clean, l)
		}
	}
	var added, removed []string
	for _, l := range clean {
		if !slices.Contains(c.Labels, l) {
			added = append(added, l)
		}
	}
	for _, l := range c.Labels {
		if !slices.Contains(clean, l) {
			removed = append(removed, l)
		}
	}
	if len(added) == 0 && len(removed) == 0 {
		return nil
	}
	if err := tx.SetConversationLabels(ctx, p.AccountID, c.ID, clean); err != nil {
		return err
	}
	if err := tx.PatchConversation(ctx, p.AccountID, c.ID, inbox.ConversationUpdate{Touch: true}); err != nil {
		return err
	}
	if len(added) > 0 {
		if err := a.activity(ctx, tx, p, c, actorName(p)+" added "+strings.Join(added, ", ")); err != nil {
			return err
		}
	}
	if len(removed) > 0 {
		if err := a.activity(ctx, tx, p, c, actorName(p)+" removed "+strings.Join(removed, ", ")); err != nil {
			return err
		}
	}
	return emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventConversationUpdated,
		ConversationID: &c.ID, SubjectID: c.ID, Changes: map[string][2]any{"labels": {c.Labels, clean}}})
}

// activity writes a system line into the conversation. It moves
// last_activity_at but not last_message_at: BookingSync does not list them.
func (a *App) activity(ctx context.Context, tx inbox.Tx, p *inbox.Principal, c *inbox.Conversation, text string) error {
	m := &inbox.Message{AccountID: c.AccountID, ConversationID: c.ID, Kind: inbox.KindActivity, Content: text,
		HasContent: true, ContentType: "text", Visibility: inbox.VisibilityExternal, Status: inbox.DeliverySent}
	if p != nil {
		m.CreatedByType, m.CreatedByID = p.ActorType(), p.ActorID()
	}
	if err := tx.CreateMessage(ctx, m); err != nil {
		return err
	}
	now := tx.Now()
	if err := tx.PatchConversation(ctx, c.AccountID, c.ID, inbox.ConversationUpdate{LastActivityAt: &now}); err != nil {
		return err
	}
	return emit(ctx, tx, p, inbox.Event{AccountID: c.AccountID, Type: inbox.EventMessageCreated,
		ConversationID: &c.ID, MessageID: &m.ID, SubjectID: m.ID})
}

// ToggleStatus is Chatwoot's toggle_status: with a status it sets it, without
// one it flips open↔resolved. An agent who opens a conversation takes it.
func (a *App) ToggleStatus(ctx context.Context, ref ConversationRef, status string, snoozedUntil *time.Time) (*inbox.Conversation, error) {
	if status != "" && !inbox.ValidStatus(status) {
		return nil, inbox.FieldError("status", inbox.MsgInclusion)
	}
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*inbox.Conversation, error) {
		c, err := l.find(ref)
		if err != nil {
			return nil, err
		}
		next := status
		if next == "" {
			next = inbox.StatusOpen
			if c.Status == inbox.StatusOpen {
				next = inbox.StatusResolved
			}
		}
		ch := ConversationChange{Status: &next, SnoozedUntil: snoozedUntil}
		if next == inbox.StatusOpen && p.Host != nil && p.Host.Role == inbox.RoleAgent {
			self := &p.Host.ID
			ch.AssigneeID = &self
		}
		return a.applyChange(l.ctx, l.tx, p, c, ch)
	})
}

// SetMuted mutes (resolves and blocks the contact) or unmutes a conversation.
func (a *App) SetMuted(ctx context.Context, ref ConversationRef, muted bool) error {
	_, err := updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (struct{}, error) {
		ctx, tx := l.ctx, l.tx
		c, err := l.find(ref)
		if err != nil {
			return struct{}{}, err
		}
		if c.ClientID == nil {
			return struct{}{}, inbox.Errorf(inbox.EINVALID, "The conversation has no contact to mute.")
		}
		cl, err := tx.FindClientByID(ctx, p.AccountID, *c.ClientID)
		if err != nil {
			return struct{}{}, err
		}
		if _, err := tx.UpdateClient(ctx, p.AccountID, cl.ID, inbox.ClientUpdate{Blocked: &muted}); err != nil {
			return struct{}{}, err
		}
		if cl.Blocked != muted {
			if err := emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventClientUpdated,
				SubjectID: cl.ID, Changes: map[string][2]any{"blocked": {cl.Blocked, muted}}}); err != nil {
				return struct{}{}, err
			}
		}
		text := actorName(p) + " has unmuted the conversation"
		if muted {
			text = actorName(p) + " has muted the conversation"
			if c.Status != inbox.StatusResolved {
				if err := a.setStatus(ctx, tx, p, c, inbox.StatusResolved, nil, ""); err != nil {
					return struct{}{}, err
				}
			}
		}
		return struct{}{}, a.activity(ctx, tx, p, c, text)
	})
	return err
}
