package app

import (
	"context"
	"time"

	inbox "github.com/inboxd/inbox"
)

// ParticipantCreate is a request to add a member to a conversation.
type ParticipantCreate struct {
	ConversationID    int64
	MemberType        string
	MemberID          int64
	Read              *bool
	LastMessageSentAt *time.Time
}

// CreateParticipant adds a Client or Host to a conversation. Duplicates are
// allowed (BookingSync production has them). The first Client participant
// becomes the conversation's contact.
func (a *App) CreateParticipant(ctx context.Context, in ParticipantCreate) (*inbox.Participant, error) {
	pt := &inbox.Participant{ConversationID: in.ConversationID, MemberType: in.MemberType, MemberID: in.MemberID,
		LastMessageSentAt: in.LastMessageSentAt}
	if err := pt.Validate(); err != nil {
		return nil, err
	}
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(tx inbox.Tx, p *inbox.Principal) (*inbox.Participant, error) {
		pt.AccountID = p.AccountID
		c, err := tx.FindConversationByID(ctx, p.AccountID, in.ConversationID)
		if err != nil {
			return nil, asInvalid(err, "conversation_id")
		}
		if err := checkVisible(ctx, tx, p, c); err != nil {
			return nil, err
		}
		if in.MemberType == inbox.MemberClient {
			_, err = tx.FindClientByID(ctx, p.AccountID, in.MemberID)
		} else {
			_, err = tx.FindHostByID(ctx, p.AccountID, in.MemberID)
		}
		if err != nil {
			return nil, asInvalid(err, "member_id")
		}
		if in.Read != nil && *in.Read {
			pt.ReadAt = ptr(tx.Now())
		}
		if err := tx.CreateParticipant(ctx, pt); err != nil {
			return nil, err
		}
		if in.MemberType == inbox.MemberClient && c.ClientID == nil {
			cid := &in.MemberID
			if err := tx.PatchConversation(ctx, p.AccountID, c.ID, inbox.ConversationUpdate{ClientID: &cid}); err != nil {
				return nil, err
			}
		}
		return pt, emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventParticipantCreated,
			ConversationID: &c.ID, SubjectID: pt.ID})
	})
}

// SetParticipantRead marks a participant as having read the conversation now
// (true) or not at all (false).
func (a *App) SetParticipantRead(ctx context.Context, id int64, read bool) (*inbox.Participant, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(tx inbox.Tx, p *inbox.Principal) (*inbox.Participant, error) {
		pt, err := tx.FindParticipantByID(ctx, p.AccountID, id)
		if err != nil {
			return nil, err
		}
		if _, err := loadConversation(ctx, tx, p, pt.ConversationID); err != nil {
			return nil, err
		}
		var at *time.Time
		if read {
			at = ptr(tx.Now())
		}
		if pt, err = tx.UpdateParticipant(ctx, p.AccountID, id, inbox.ParticipantUpdate{ReadAt: &at}); err != nil {
			return nil, err
		}
		return pt, emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventParticipantUpdated,
			ConversationID: &pt.ConversationID, SubjectID: pt.ID})
	})
}

// GetParticipant returns one participant.
func (a *App) GetParticipant(ctx context.Context, id int64) (*inbox.Participant, error) {
	return viewAs(ctx, a, inbox.ScopeInboxRead, func(tx inbox.Tx, p *inbox.Principal) (*inbox.Participant, error) {
		pt, err := tx.FindParticipantByID(ctx, p.AccountID, id)
		if err != nil {
			return nil, err
		}
		_, err = loadConversation(ctx, tx, p, pt.ConversationID)
		return pt, err
	})
}

// ListParticipants lists participants; agents must name a conversation.
func (a *App) ListParticipants(ctx context.Context, f inbox.ParticipantFilter) ([]*inbox.Participant, int, error) {
	l, err := viewAs(ctx, a, inbox.ScopeInboxRead, func(tx inbox.Tx, p *inbox.Principal) (Listing[*inbox.Participant], error) {
		var l Listing[*inbox.Participant]
		if f.ConversationID != nil {
			if _, err := loadConversation(ctx, tx, p, *f.ConversationID); err != nil {
				return l, err
			}
		} else if !p.IsAdmin() {
			return l, errNotPermitted()
		}
		var err error
		l.Items, l.Total, err = tx.FindParticipants(ctx, p.AccountID, f)
		return l, err
	})
	return l.Items, l.Total, err
}

// Watchers returns the hosts participating in a conversation (Chatwoot's
// conversation participants), in the order they joined, without duplicates.
func (a *App) Watchers(ctx context.Context, conversationID int64) ([]*inbox.Host, error) {
	return viewAs(ctx, a, inbox.ScopeInboxRead, func(tx inbox.Tx, p *inbox.Principal) ([]*inbox.Host, error) {
		if _, err := loadConversation(ctx, tx, p, conversationID); err != nil {
			return nil, err
		}
		return watchers(ctx, tx, p.AccountID, conversationID)
	})
}

func watchers(ctx context.Context, tx inbox.Tx, accountID, conversationID int64) ([]*inbox.Host, error) {
	ps, _, err := tx.FindParticipants(ctx, accountID, inbox.ParticipantFilter{ConversationID: &conversationID,
		MemberType: inbox.MemberHost, Page: inbox.Page{Limit: 1000, SkipTotal: true}})
	if err != nil {
		return nil, err
	}
	out := []*inbox.Host{}
	seen := map[int64]bool{}
	for _, pt := range ps {
		if seen[pt.MemberID] {
			continue
		}
		seen[pt.MemberID] = true
		h, err := tx.FindHostByID(ctx, accountID, pt.MemberID)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// WatcherOp says how ChangeWatchers treats the given hosts.
type WatcherOp int

// Watcher operations.
const (
	WatchersAdd WatcherOp = iota
	WatchersSet
	WatchersRemove
)

// ChangeWatchers adds, sets or removes host participants. It returns the
// hosts added (WatchersAdd) or all watchers afterwards (WatchersSet,
// WatchersRemove). Unknown host ids are a 422 on user_ids; a host who has
// sent messages in the conversation stays a participant.
func (a *App) ChangeWatchers(ctx context.Context, conversationID int64, hostIDs []int64, op WatcherOp) ([]*inbox.Host, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(tx inbox.Tx, p *inbox.Principal) ([]*inbox.Host, error) {
		c, err := loadConversation(ctx, tx, p, conversationID)
		if err != nil {
			return nil, err
		}
		want := map[int64]bool{}
		for _, id := range hostIDs {
			if _, err := tx.FindHostByID(ctx, p.AccountID, id); err != nil {
				return nil, asInvalid(err, "user_ids")
			}
			want[id] = true
		}
		current, err := watchers(ctx, tx, p.AccountID, c.ID)
		if err != nil {
			return nil, err
		}
		have := map[int64]bool{}
		for _, h := range current {
			have[h.ID] = true
		}
		added := []*inbox.Host{}
		if op != WatchersRemove {
			for _, id := range hostIDs {
				if have[id] {
					continue
				}
				have[id] = true
				pt, err := memberParticipant(ctx, tx, p.AccountID, c.ID, inbox.MemberHost, id)
				if err != nil {
					return nil, err
				}
				h, _ := tx.FindHostByID(ctx, p.AccountID, pt.MemberID)
				added = append(added, h)
			}
		}
		if op != WatchersAdd {
			for _, h := range current {
				if (op == WatchersSet && !want[h.ID]) || (op == WatchersRemove && want[h.ID]) {
					if err := removeHostParticipants(ctx, tx, p.AccountID, c.ID, h.ID); err != nil {
						return nil, err
					}
				}
			}
		}
		if op == WatchersAdd {
			return added, nil
		}
		return watchers(ctx, tx, p.AccountID, c.ID)
	})
}

func removeHostParticipants(ctx context.Context, tx inbox.Tx, accountID, conversationID, hostID int64) error {
	ps, _, err := tx.FindParticipants(ctx, accountID, inbox.ParticipantFilter{ConversationID: &conversationID,
		MemberType: inbox.MemberHost, MemberID: &hostID, Page: inbox.Page{Limit: 1000, SkipTotal: true}})
	if err != nil {
		return err
	}
	for _, pt := range ps {
		if pt.LastMessageSentAt != nil {
			continue // its messages keep their sender
		}
		if err := tx.DeleteParticipant(ctx, accountID, pt.ID); err != nil && inbox.ErrorCode(err) != inbox.ECONFLICT {
			return err
		}
	}
	return nil
}
