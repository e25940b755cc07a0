package app

import (
	inbox "github.com/inboxd/inbox"
)

// ConversationView is a conversation with what the dialects render beside
// it. Which parts are filled depends on ViewOptions: with neither option only
// the conversation itself (Stats nil).
type ConversationView struct {
	*inbox.Conversation
	// Stats is the read state (both options load it).
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
	// Links loads the read state and the linked ids (BookingSync).
	Links bool
	// Details loads the read state, the inbox, contact, assignee and newest
	// messages (Chatwoot).
	Details bool
	// Parties loads the read state, contact and assignee only (what
	// Chatwoot shows beside a conversation's messages).
	Parties bool
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

// ParticipantView is a participant with its member resolved: exactly one of
// Host and Client is set.
type ParticipantView struct {
	*inbox.Participant
	Host   *inbox.Host
	Client *inbox.Client
}

// Conversation returns the view of a conversation the reader may see:
// ENOTFOUND when it is missing or another account's, EFORBIDDEN outside the
// reader's inboxes.
func (l *Loader) Conversation(ref ConversationRef, opt ViewOptions) (*ConversationView, error) {
	c, err := l.find(ref)
	if err != nil {
		return nil, err
	}
	vs, err := l.ConversationViews([]*inbox.Conversation{c}, opt)
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// ConversationViews builds the views of conversations already read (and
// checked) by the caller, loading the parts opt asks for in a few queries for
// all of them.
func (l *Loader) ConversationViews(convs []*inbox.Conversation, opt ViewOptions) ([]*ConversationView, error) {
	out := make([]*ConversationView, len(convs))
	for i, c := range convs {
		l.convs[c.ID] = c
		out[i] = &ConversationView{Conversation: c}
	}
	if !opt.Links && !opt.Details && !opt.Parties || len(convs) == 0 {
		return out, nil
	}
	ids := make([]int64, len(convs))
	for i, c := range convs {
		ids[i] = c.ID
	}
	stats, links, latest, prefetched := l.prefetchedParts(ids, opt)
	var err error
	if !prefetched {
		if stats, err = l.tx.FindConversationStats(l.ctx, l.accountID(), ids); err != nil {
			return nil, err
		}
		if opt.Links {
			if links, err = l.tx.FindConversationLinks(l.ctx, l.accountID(), ids); err != nil {
				return nil, err
			}
		}
		if opt.Details {
			if latest, err = l.tx.FindLatestMessages(l.ctx, l.accountID(), ids); err != nil {
				return nil, err
			}
		}
	}
	if opt.Details {
		if err := l.prefetchConversationParts(convs); err != nil {
			return nil, err
		}
		var msgs []*inbox.Message
		for _, id := range ids {
			for _, m := range latest[id] {
				if m != nil {
					msgs = append(msgs, m)
				}
			}
		}
		if err := l.prefetchMessages(msgs); err != nil {
			return nil, err
		}
	} else if opt.Parties {
		if err := l.prefetchParties(convs); err != nil {
			return nil, err
		}
	}
	for _, v := range out {
		if v.Stats = stats[v.ID]; v.Stats == nil {
			v.Stats = &inbox.ConversationStats{}
		}
		v.Stats.UnreadCount = min(v.Stats.UnreadCount, inbox.MaxUnreadCount)
		if opt.Links {
			v.Links = links[v.ID]
		}
		if opt.Details {
			if err := l.fillDetails(v, latest[v.ID]); err != nil {
				return nil, err
			}
		} else if opt.Parties {
			if err := l.fillParties(v); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (l *Loader) fillDetails(v *ConversationView, latest [2]*inbox.Message) error {
	var err error
	if v.Inbox, err = l.inbox(v.InboxID); err != nil {
		return err
	}
	if err := l.fillParties(v); err != nil {
		return err
	}
	if latest[0] != nil {
		if v.Latest, err = l.messageView(latest[0]); err != nil {
			return err
		}
	}
	if latest[1] != nil {
		if latest[1] == latest[0] {
			v.LatestNonActivity = v.Latest
		} else if v.LatestNonActivity, err = l.messageView(latest[1]); err != nil {
			return err
		}
	}
	return nil
}

// fillParties sets a view's contact and assignee.
func (l *Loader) fillParties(v *ConversationView) error {
	var err error
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
	return nil
}

// MessageViews resolves the senders and attachments of messages already
// read (and checked) by the caller.
func (l *Loader) MessageViews(msgs []*inbox.Message) ([]*MessageView, error) {
	if err := l.prefetchMessages(msgs); err != nil {
		return nil, err
	}
	out := make([]*MessageView, len(msgs))
	for i, m := range msgs {
		v, err := l.messageView(m)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (l *Loader) messageView(m *inbox.Message) (*MessageView, error) {
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
		att, err := l.attachment(id)
		if err != nil {
			return nil, err
		}
		v.Attachments = append(v.Attachments, att)
	}
	return v, nil
}

// ParticipantViews resolves the members of participants already read (and
// checked) by the caller.
func (l *Loader) ParticipantViews(ps []*inbox.Participant) ([]*ParticipantView, error) {
	if err := l.prefetchMembers(ps); err != nil {
		return nil, err
	}
	out := make([]*ParticipantView, len(ps))
	for i, pt := range ps {
		v := &ParticipantView{Participant: pt}
		var err error
		if pt.MemberType == inbox.MemberClient {
			v.Client, err = l.client(pt.MemberID)
		} else {
			v.Host, err = l.host(pt.MemberID)
		}
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
