package app

import (
	"context"
	"time"

	inbox "github.com/inboxd/inbox"
)

// Read state. A participant's read_at is the single source of "seen"
// (design.md): Chatwoot's agent/contact/assignee_last_seen_at and
// BookingSync's conversation read_at are derived from it. Every change of it
// writes participant.updated (read_at) for each participant moved and one
// conversation.read for the conversation, and moves the conversation's
// updated_at, so that a client syncing with updated_since sees the new read
// state.

// MarkSeen records that the calling host read the conversation now (its
// participant's read_at; the host becomes a participant if needed) and
// returns the conversation's view (opt).
func (a *App) MarkSeen(ctx context.Context, ref ConversationRef, opt ViewOptions) (*ConversationView, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*ConversationView, error) {
		if p.Host == nil {
			return nil, inbox.Errorf(inbox.EINVALID, "Only a host can mark a conversation as seen.")
		}
		c, err := l.find(ref)
		if err != nil {
			return nil, err
		}
		pt, err := memberParticipant(l.ctx, l.tx, p, c.ID, inbox.MemberHost, p.Host.ID)
		if err != nil {
			return nil, err
		}
		now := l.tx.Now()
		if err := setReadAt(l, p, c, []*inbox.Participant{pt}, &now); err != nil {
			return nil, err
		}
		return l.Conversation(ByID(c.ID), opt)
	})
}

// MarkUnread moves every host's read_at to one second before the newest
// incoming message (or clears it), so the conversation counts as unread, and
// returns the conversation's view (opt). The calling host becomes a
// participant if needed.
func (a *App) MarkUnread(ctx context.Context, ref ConversationRef, opt ViewOptions) (*ConversationView, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*ConversationView, error) {
		ctx, tx := l.ctx, l.tx
		c, err := l.find(ref)
		if err != nil {
			return nil, err
		}
		stats, err := tx.FindConversationStats(ctx, p.AccountID, []int64{c.ID})
		if err != nil {
			return nil, err
		}
		var at *time.Time
		if last := stats[c.ID].LastIncomingAt; last != nil {
			at = ptr(last.Add(-time.Second))
		}
		if p.Host != nil {
			if _, err := memberParticipant(ctx, tx, p, c.ID, inbox.MemberHost, p.Host.ID); err != nil {
				return nil, err
			}
		}
		hosts, _, err := tx.FindParticipants(ctx, p.AccountID, inbox.ParticipantFilter{ConversationID: &c.ID,
			MemberType: inbox.MemberHost, Page: inbox.Page{Limit: 1000, SkipTotal: true}})
		if err != nil {
			return nil, err
		}
		if err := tx.SetHostReadAt(ctx, p.AccountID, c.ID, at); err != nil {
			return nil, err
		}
		if err := readChanged(l, p, c, hosts, at); err != nil {
			return nil, err
		}
		return l.Conversation(ByID(c.ID), opt)
	})
}

// UpdateParticipant marks a participant as having read the conversation now
// (read true) or not at all (false), and returns its view; read nil changes
// nothing and returns the participant as it is.
func (a *App) UpdateParticipant(ctx context.Context, id int64, read *bool) (*ParticipantView, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*ParticipantView, error) {
		pt, err := l.Participant(id)
		if err != nil {
			return nil, err
		}
		if read != nil {
			var at *time.Time
			if *read {
				at = ptr(l.tx.Now())
			}
			c, err := l.conversation(pt.ConversationID)
			if err != nil {
				return nil, err
			}
			if err := setReadAt(l, p, c, []*inbox.Participant{pt}, at); err != nil {
				return nil, err
			}
			if pt, err = l.tx.FindParticipantByID(l.ctx, p.AccountID, id); err != nil {
				return nil, err
			}
		}
		vs, err := l.ParticipantViews([]*inbox.Participant{pt})
		if err != nil {
			return nil, err
		}
		return vs[0], nil
	})
}

// setReadAt sets read_at of participants of c and writes the events that go
// with it (see above).
func setReadAt(l *Loader, p *inbox.Principal, c *inbox.Conversation, pts []*inbox.Participant, at *time.Time) error {
	for _, pt := range pts {
		if err := l.tx.PatchParticipant(l.ctx, p.AccountID, pt.ID, inbox.ParticipantUpdate{ReadAt: &at}); err != nil {
			return err
		}
	}
	return readChanged(l, p, c, pts, at)
}

// readChanged records that participants of c (as they were before) now read
// at: their events, the conversation's, and its updated_at.
func readChanged(l *Loader, p *inbox.Principal, c *inbox.Conversation, pts []*inbox.Participant, at *time.Time) error {
	ctx, tx := l.ctx, l.tx
	for _, pt := range pts {
		if err := emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventParticipantUpdated,
			ConversationID: &c.ID, SubjectID: pt.ID, Changes: map[string][2]any{"read_at": {pt.ReadAt, at}}}); err != nil {
			return err
		}
	}
	if err := tx.PatchConversation(ctx, p.AccountID, c.ID, inbox.ConversationUpdate{Touch: true}); err != nil {
		return err
	}
	l.forget(c.ID)
	return emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventConversationRead,
		ConversationID: &c.ID, SubjectID: c.ID, Changes: map[string][2]any{"read_at": {readAtOf(pts), at}}})
}

// readAtOf is the newest read_at of participants (nil when none read).
func readAtOf(pts []*inbox.Participant) *time.Time {
	var out *time.Time
	for _, pt := range pts {
		if pt.ReadAt != nil && (out == nil || pt.ReadAt.After(*out)) {
			out = pt.ReadAt
		}
	}
	return out
}
