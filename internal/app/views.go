package app

import (
	"context"

	inbox "github.com/inboxd/inbox"
)

// ConversationView is a conversation with what the dialects render beside
// it. Which parts are filled depends on ViewOptions.
type ConversationView struct {
	*inbox.Conversation
	Stats *inbox.ConversationStats
	// Links: BookingSync's linked ids.
	Links *inbox.ConversationLinks
	// Details: Chatwoot's inbox, contact, assignee and newest messages.
	Inbox             *inbox.Inbox
	Client            *inbox.Client
	Assignee          *inbox.Host
	Latest            *MessageView // newest message of any kind
	LatestNonActivity *MessageView
}

// ViewOptions select the parts of a ConversationView to load.
type ViewOptions struct {
	Links   bool
	Details bool
}

// MessageView is a message with its sender and attachments resolved.
type MessageView struct {
	*inbox.Message
	Sender       *inbox.Participant
	SenderClient *inbox.Client
	SenderHost   *inbox.Host
	Attachments  []*inbox.Attachment
	Conversation *inbox.Conversation
}

// ConversationViews loads the parts of each conversation's view in one read
// transaction. Conversations must belong to the caller's account.
func (a *App) ConversationViews(ctx context.Context, convs []*inbox.Conversation, opt ViewOptions) ([]*ConversationView, error) {
	return viewAs(ctx, a, inbox.ScopeInboxRead, func(tx inbox.Tx, p *inbox.Principal) ([]*ConversationView, error) {
		ids := make([]int64, len(convs))
		for i, c := range convs {
			ids[i] = c.ID
		}
		stats, err := tx.FindConversationStats(ctx, p.AccountID, ids)
		if err != nil {
			return nil, err
		}
		var links map[int64]*inbox.ConversationLinks
		if opt.Links {
			if links, err = tx.FindConversationLinks(ctx, p.AccountID, ids); err != nil {
				return nil, err
			}
		}
		var latest map[int64][2]*inbox.Message
		if opt.Details {
			if latest, err = tx.FindLatestMessages(ctx, p.AccountID, ids); err != nil {
				return nil, err
			}
		}
		cache := newLookup(ctx, tx, p.AccountID)
		out := make([]*ConversationView, len(convs))
		for i, c := range convs {
			v := &ConversationView{Conversation: c, Stats: stats[c.ID]}
			if v.Stats == nil {
				v.Stats = &inbox.ConversationStats{}
			}
			if opt.Links {
				v.Links = links[c.ID]
			}
			if opt.Details {
				if err := cache.fillDetails(v, latest[c.ID]); err != nil {
					return nil, err
				}
			}
			out[i] = v
		}
		return out, nil
	})
}

// MessageViews resolves senders and attachments of messages.
func (a *App) MessageViews(ctx context.Context, msgs []*inbox.Message) ([]*MessageView, error) {
	return viewAs(ctx, a, inbox.ScopeInboxRead, func(tx inbox.Tx, p *inbox.Principal) ([]*MessageView, error) {
		cache := newLookup(ctx, tx, p.AccountID)
		out := make([]*MessageView, len(msgs))
		for i, m := range msgs {
			v, err := cache.message(m)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	})
}

// lookup memoises records read while building views.
type lookup struct {
	ctx          context.Context
	tx           inbox.Tx
	accountID    int64
	hosts        map[int64]*inbox.Host
	clients      map[int64]*inbox.Client
	inboxes      map[int64]*inbox.Inbox
	participants map[int64]*inbox.Participant
	convs        map[int64]*inbox.Conversation
}

func newLookup(ctx context.Context, tx inbox.Tx, accountID int64) *lookup {
	return &lookup{ctx: ctx, tx: tx, accountID: accountID, hosts: map[int64]*inbox.Host{},
		clients: map[int64]*inbox.Client{}, inboxes: map[int64]*inbox.Inbox{},
		participants: map[int64]*inbox.Participant{}, convs: map[int64]*inbox.Conversation{}}
}

func memo[T any](m map[int64]*T, id int64, find func() (*T, error)) (*T, error) {
	if v, ok := m[id]; ok {
		return v, nil
	}
	v, err := find()
	if err != nil {
		return nil, err
	}
	m[id] = v
	return v, nil
}

func (l *lookup) host(id int64) (*inbox.Host, error) {
	return memo(l.hosts, id, func() (*inbox.Host, error) { return l.tx.FindHostByID(l.ctx, l.accountID, id) })
}

func (l *lookup) client(id int64) (*inbox.Client, error) {
	return memo(l.clients, id, func() (*inbox.Client, error) { return l.tx.FindClientByID(l.ctx, l.accountID, id) })
}

func (l *lookup) inbox(id int64) (*inbox.Inbox, error) {
	return memo(l.inboxes, id, func() (*inbox.Inbox, error) { return l.tx.FindInboxByID(l.ctx, l.accountID, id) })
}

func (l *lookup) conversation(id int64) (*inbox.Conversation, error) {
	return memo(l.convs, id, func() (*inbox.Conversation, error) {
		return l.tx.FindConversationByID(l.ctx, l.accountID, id)
	})
}

func (l *lookup) participant(id int64) (*inbox.Participant, error) {
	return memo(l.participants, id, func() (*inbox.Participant, error) {
		return l.tx.FindParticipantByID(l.ctx, l.accountID, id)
	})
}

func (l *lookup) fillDetails(v *ConversationView, latest [2]*inbox.Message) error {
	var err error
	l.convs[v.ID] = v.Conversation
	if v.Inbox, err = l.inbox(v.InboxID); err != nil {
		return err
	}
	if v.ClientID != nil {
		if v.Client, err = l.client(*v.ClientID); err != nil {
			return err
		}
	}
	if v.AssigneeID != nil {
		if v.Assignee, err = l.host(*v.AssigneeID); err != nil {
			return err
		}
	}
	if latest[0] != nil {
		if v.Latest, err = l.message(latest[0]); err != nil {
			return err
		}
	}
	if latest[1] != nil {
		if latest[1] == latest[0] {
			v.LatestNonActivity = v.Latest
		} else if v.LatestNonActivity, err = l.message(latest[1]); err != nil {
			return err
		}
	}
	return nil
}

func (l *lookup) message(m *inbox.Message) (*MessageView, error) {
	v := &MessageView{Message: m, Attachments: []*inbox.Attachment{}}
	var err error
	if v.Conversation, err = l.conversation(m.ConversationID); err != nil {
		return nil, err
	}
	if m.SenderID != nil {
		if v.Sender, err = l.participant(*m.SenderID); err != nil {
			return nil, err
		}
		if v.Sender.MemberType == inbox.MemberClient {
			v.SenderClient, err = l.client(v.Sender.MemberID)
		} else {
			v.SenderHost, err = l.host(v.Sender.MemberID)
		}
		if err != nil {
			return nil, err
		}
	}
	for _, id := range m.AttachmentIDs {
		att, err := l.tx.FindAttachmentByID(l.ctx, l.accountID, id)
		if err != nil {
			return nil, err
		}
		v.Attachments = append(v.Attachments, att)
	}
	return v, nil
}
