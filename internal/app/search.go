package app

import (
	"fmt"
	"strings"
	"unicode/utf8"

	inbox "github.com/inboxd/inbox"
)

// Search is the account-wide full-text search (Chatwoot's /search): over
// message content, and contact names, e-mails, phone numbers and
// identifiers. Agents find only conversations and messages of the inboxes
// they work in; every member finds every contact.

// SearchKinds selects what a search looks for.
type SearchKinds struct {
	Conversations, Contacts, Messages bool
}

// SearchAll looks for everything.
var SearchAll = SearchKinds{Conversations: true, Contacts: true, Messages: true}

// SearchResults are what a search found, best match first.
type SearchResults struct {
	Conversations []*ConversationHit
	Contacts      []*inbox.Client
	Messages      []*MessageHit
}

// ConversationHit is a conversation found by a search, with what Chatwoot
// shows beside it.
type ConversationHit struct {
	*inbox.Conversation
	FirstMessage *MessageView // nil when it has none
	Contact      *inbox.Client
	Inbox        *inbox.Inbox
	Assignee     *inbox.Host
}

// MessageHit is a message found by a search, with its sender and inbox.
type MessageHit struct {
	*MessageView
	Inbox *inbox.Inbox
}

// Search runs a full-text search of the reader's account. A query with no
// word finds nothing.
func (l *Loader) Search(q string, kinds SearchKinds, page inbox.Page) (*SearchResults, error) {
	if err := l.need(inbox.ScopeInboxRead); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(q) > inbox.MaxFilterValueLength {
		return nil, errQueryTooLong()
	}
	r := &SearchResults{Conversations: []*ConversationHit{}, Contacts: []*inbox.Client{}, Messages: []*MessageHit{}}
	if q = strings.TrimSpace(q); q == "" {
		return r, nil
	}
	f := inbox.SearchFilter{Query: q, InboxIDs: l.vis.InboxIDs, Page: page}
	if kinds.Conversations {
		convs, err := l.tx.SearchConversations(l.ctx, l.accountID(), f)
		if err != nil {
			return nil, err
		}
		first, err := l.prefetchHits(convs)
		if err != nil {
			return nil, err
		}
		for _, c := range convs {
			h, err := l.conversationHit(c, first[c.ID])
			if err != nil {
				return nil, err
			}
			r.Conversations = append(r.Conversations, h)
		}
	}
	if kinds.Contacts {
		cf := f
		cf.InboxIDs = nil // contacts are the whole account's
		cs, err := l.tx.SearchClients(l.ctx, l.accountID(), cf)
		if err != nil {
			return nil, err
		}
		r.Contacts = append(r.Contacts, cs...)
	}
	if kinds.Messages {
		msgs, err := l.tx.SearchMessages(l.ctx, l.accountID(), f)
		if err != nil {
			return nil, err
		}
		if err := l.prefetchMessages(msgs); err != nil {
			return nil, err
		}
		boxes := make([]int64, 0, len(msgs))
		for _, m := range msgs {
			if c, ok := l.convs[m.ConversationID]; ok {
				boxes = append(boxes, c.InboxID)
			}
		}
		if err := l.prefetchInboxes(boxes); err != nil {
			return nil, err
		}
		for _, m := range msgs {
			v, err := l.messageView(m)
			if err != nil {
				return nil, err
			}
			box, err := l.inbox(v.Conversation.InboxID)
			if err != nil {
				return nil, err
			}
			r.Messages = append(r.Messages, &MessageHit{MessageView: v, Inbox: box})
		}
	}
	return r, nil
}

// errQueryTooLong refuses a search longer than filters allow.
func errQueryTooLong() error {
	return &inbox.Error{Code: inbox.EINVALID, Field: "q",
		Message: fmt.Sprintf("Search query is too long (maximum is %d characters)", inbox.MaxFilterValueLength)}
}

// prefetchHits reads, for all found conversations at once, what each is
// shown with (see conversationHit), and returns their first messages.
func (l *Loader) prefetchHits(convs []*inbox.Conversation) (map[int64]*inbox.Message, error) {
	ids := make([]int64, len(convs))
	for i, c := range convs {
		l.convs[c.ID] = c
		ids[i] = c.ID
	}
	if err := l.prefetchConversationParts(convs); err != nil {
		return nil, err
	}
	first, err := l.tx.FindFirstMessages(l.ctx, l.accountID(), ids)
	if err != nil {
		return nil, err
	}
	msgs := make([]*inbox.Message, 0, len(first))
	for _, m := range first {
		msgs = append(msgs, m)
	}
	return first, l.prefetchMessages(msgs)
}

// conversationHit builds what a found conversation is shown with: its first
// message (nil for none), contact, inbox and assignee.
func (l *Loader) conversationHit(c *inbox.Conversation, first *inbox.Message) (*ConversationHit, error) {
	l.convs[c.ID] = c
	h := &ConversationHit{Conversation: c}
	var err error
	if h.Inbox, err = l.inbox(c.InboxID); err != nil {
		return nil, err
	}
	if c.ClientID != nil {
		if h.Contact, err = l.client(*c.ClientID); err != nil {
			return nil, err
		}
	}
	if c.AssigneeID != nil {
		if h.Assignee, err = l.host(*c.AssigneeID); err != nil {
			return nil, err
		}
	}
	if first != nil {
		if h.FirstMessage, err = l.messageView(first); err != nil {
			return nil, err
		}
	}
	return h, nil
}
