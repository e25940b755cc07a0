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

// CreateParticipant adds a Client or Host to a conversation and returns its
// view. Duplicates are allowed (BookingSync production has them). The first
// Client participant becomes the conversation's contact.
func (a *App) CreateParticipant(ctx context.Context, in ParticipantCreate) (*ParticipantView, error) {
	base := inbox.Participant{ConversationID: in.ConversationID, MemberType: in.MemberType, MemberID: in.MemberID,
		LastMessageSentAt: in.LastMessageSentAt}
	if err := base.Validate(); err != nil {
		return nil, err
	}
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*ParticipantView, error) {
		ctx, tx := l.ctx, l.tx
		pt := base
		pt.AccountID = p.AccountID
		c, err := l.conversation(in.ConversationID)
		if err != nil {
			return nil, asInvalid(err, "conversation_id")
		}
		if err := l.visible(c); err != nil {
			return nil, err
		}
		v := &ParticipantView{Participant: &pt}
		if in.MemberType == inbox.MemberClient {
			v.Client, err = l.client(in.MemberID)
		} else {
			v.Host, err = l.host(in.MemberID)
		}
		if err != nil {
			return nil, asInvalid(err, "member_id")
		}
		if in.Read != nil && *in.Read {
			pt.ReadAt = ptr(tx.Now())
		}
		if err := tx.CreateParticipant(ctx, &pt); err != nil {
			return nil, err
		}
		// Its participants are part of what the conversation shows.
		u := inbox.ConversationUpdate{Touch: true}
		if v.Client != nil && c.ClientID == nil {
			cid := &in.MemberID
			u.ClientID = &cid
		}
		if err := tx.PatchConversation(ctx, p.AccountID, c.ID, u); err != nil {
			return nil, err
		}
		if v.Client != nil && c.ClientID == nil {
			// The first client becomes the conversation's contact, known in
			// the inbox by the conversation's contact source id.
			box, err := l.inbox(c.InboxID)
			if err != nil {
				return nil, err
			}
			if _, err := ensureContactInbox(ctx, tx, v.Client, box, c.ContactSourceID, c.HMACVerified); err != nil {
				return nil, err
			}
		}
		return v, emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventParticipantCreated,
			ConversationID: &c.ID, SubjectID: pt.ID})
	})
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
func (a *App) ChangeWatchers(ctx context.Context, ref ConversationRef, hostIDs []int64, op WatcherOp) ([]*inbox.Host, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) ([]*inbox.Host, error) {
		ctx, tx := l.ctx, l.tx
		c, err := l.find(ref)
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
		current, err := l.watchers(c.ID)
		if err != nil {
			return nil, err
		}
		have := map[int64]bool{}
		for _, h := range current {
			have[h.ID] = true
		}
		added := []*inbox.Host{}
		changed := false
		if op != WatchersRemove {
			for _, id := range hostIDs {
				if have[id] {
					continue
				}
				have[id] = true
				pt, err := memberParticipant(ctx, tx, p, c.ID, inbox.MemberHost, id)
				if err != nil {
					return nil, err
				}
				h, _ := tx.FindHostByID(ctx, p.AccountID, pt.MemberID)
				added = append(added, h)
				changed = true
			}
		}
		if op != WatchersAdd {
			for _, h := range current {
				if (op == WatchersSet && !want[h.ID]) || (op == WatchersRemove && want[h.ID]) {
					n, err := removeHostParticipants(ctx, tx, p, c.ID, h.ID)
					if err != nil {
						return nil, err
					}
					changed = changed || n > 0
				}
			}
		}
		if changed {
			// Its participants are part of what the conversation shows.
			if err := tx.PatchConversation(ctx, p.AccountID, c.ID, inbox.ConversationUpdate{Touch: true}); err != nil {
				return nil, err
			}
		}
		if op == WatchersAdd {
			return added, nil
		}
		return l.watchers(c.ID)
	})
}

// removeHostParticipants removes a host's participants that sent no message
// from a conversation, each with a participant.deleted event, and returns
// how many it removed.
func removeHostParticipants(ctx context.Context, tx inbox.Tx, p *inbox.Principal, conversationID, hostID int64) (int, error) {
	ps, _, err := tx.FindParticipants(ctx, p.AccountID, inbox.ParticipantFilter{ConversationID: &conversationID,
		MemberType: inbox.MemberHost, MemberID: &hostID, Page: inbox.Page{Limit: 1000, SkipTotal: true}})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, pt := range ps {
		if pt.LastMessageSentAt != nil {
			continue // its messages keep their sender
		}
		err := tx.DeleteParticipant(ctx, p.AccountID, pt.ID)
		if inbox.ErrorCode(err) == inbox.ECONFLICT {
			continue // still referenced: it stays
		} else if err != nil {
			return 0, err
		}
		n++
		if err := emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventParticipantDeleted,
			ConversationID: &conversationID, SubjectID: pt.ID}); err != nil {
			return 0, err
		}
	}
	return n, nil
}
