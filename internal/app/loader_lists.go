package app

import (
	"time"

	inbox "github.com/inboxd/inbox"
)

// ConversationQuery is a listing of conversations.
type ConversationQuery struct {
	// Filter selects and pages the conversations; it is narrowed to the
	// reader's inboxes.
	Filter inbox.ConversationFilter
	// View selects what each item carries.
	View ViewOptions
	// Counts adds Chatwoot's counters for the same filter (its assignee
	// fields ignored): mine, unassigned, all.
	Counts bool
}

// ConversationList is a page of conversation views.
type ConversationList struct {
	Items []*ConversationView
	// Total counts every match (0 when Filter.Page.SkipTotal).
	Total int
	// Counts are Chatwoot's counters (when asked for).
	Counts inbox.ConversationCounts
}

// restrict narrows a filter to the reader's inboxes.
func (l *Loader) restrict(f *inbox.ConversationFilter) {
	if !l.vis.AllInboxes() {
		f.InboxIDs = l.vis.InboxIDs
	}
}

// Conversations lists the conversations the reader may see. A filter past
// the bounds the engines handle is EINVALID (ConversationFilter.Validate).
func (l *Loader) Conversations(q ConversationQuery) (*ConversationList, error) {
	if err := q.Filter.Validate(); err != nil {
		return nil, err
	}
	l.restrict(&q.Filter)
	convs, total, err := l.tx.FindConversations(l.ctx, l.accountID(), q.Filter)
	if err != nil {
		return nil, err
	}
	out := &ConversationList{Total: total}
	if q.Counts {
		// The counters are the whole listing's, not the page's.
		all := q.Filter
		all.Before = nil
		if out.Counts, err = l.ConversationCounts(all); err != nil {
			return nil, err
		}
	}
	out.Items, err = l.ConversationViews(convs, q.View)
	return out, err
}

// ConversationCounts returns Chatwoot's counters for a filter (its assignee
// fields ignored); "mine" is the reader's host.
func (l *Loader) ConversationCounts(f inbox.ConversationFilter) (inbox.ConversationCounts, error) {
	if err := f.Validate(); err != nil {
		return inbox.ConversationCounts{}, err
	}
	l.restrict(&f)
	var mine int64
	if l.vis.Host != nil {
		mine = l.vis.Host.ID
	}
	return l.tx.CountConversations(l.ctx, l.accountID(), f, mine)
}

// FilterConversations lists the conversations the reader may see that match
// an advanced filter (Chatwoot's filter payload), newest activity first, with
// Chatwoot's counters. Bad conditions are EINVALID with Chatwoot's texts.
func (l *Loader) FilterConversations(in []FilterCondition, page inbox.Page, opt ViewOptions) (*ConversationList, error) {
	conds, err := conversationConditions(in, l.tx.Now())
	if err != nil {
		return nil, err
	}
	page.SkipTotal = true // the counters are what the response shows
	return l.Conversations(ConversationQuery{Filter: inbox.ConversationFilter{Conditions: conds,
		Sort: inbox.SortLastActivityDesc, Page: page}, View: opt, Counts: true})
}

// Messages lists messages. A reader limited to some inboxes must name a
// conversation it may see; others may list the whole account.
func (l *Loader) Messages(f inbox.MessageFilter) ([]*inbox.Message, int, error) {
	if f.ConversationID != nil {
		if _, err := l.find(ByID(*f.ConversationID)); err != nil {
			return nil, 0, err
		}
	} else if err := l.needAllInboxes(); err != nil {
		return nil, 0, err
	}
	return l.tx.FindMessages(l.ctx, l.accountID(), f)
}

// Message returns one message of a conversation the reader may see. With a
// conversation id, a message of another conversation is as unknown as a
// missing one; with hideActivity, so is an activity line (a dialect that
// never shows them).
func (l *Loader) Message(conversationID, id int64, hideActivity bool) (*inbox.Message, error) {
	m, err := findMessageIn(l, conversationID, id)
	if err != nil {
		return nil, err
	}
	if hideActivity && m.Kind == inbox.KindActivity {
		return nil, inbox.NotFound("Message")
	}
	if _, err := l.find(ByID(m.ConversationID)); err != nil {
		return nil, err
	}
	return m, nil
}

// findMessageIn finds a message; with a conversation id, a message of
// another conversation is as unknown as a missing one.
func findMessageIn(l *Loader, conversationID, id int64) (*inbox.Message, error) {
	m, ok := l.ev.message(id)
	if ok && m == nil {
		return nil, inbox.NotFound("Message")
	}
	if !ok {
		var err error
		if m, err = l.tx.FindMessageByID(l.ctx, l.accountID(), id); err != nil {
			return nil, err
		}
	}
	if conversationID != 0 && m.ConversationID != conversationID {
		return nil, inbox.NotFound("Message")
	}
	return m, nil
}

// Participants lists participants. A reader limited to some inboxes must
// name a conversation it may see.
func (l *Loader) Participants(f inbox.ParticipantFilter) ([]*inbox.Participant, int, error) {
	if f.ConversationID != nil {
		if _, err := l.find(ByID(*f.ConversationID)); err != nil {
			return nil, 0, err
		}
	} else if err := l.needAllInboxes(); err != nil {
		return nil, 0, err
	}
	return l.tx.FindParticipants(l.ctx, l.accountID(), f)
}

// Participant returns one participant of a conversation the reader may see.
func (l *Loader) Participant(id int64) (*inbox.Participant, error) {
	pt, err := l.participant(id)
	if err != nil {
		return nil, err
	}
	if _, err := l.find(ByID(pt.ConversationID)); err != nil {
		return nil, err
	}
	return pt, nil
}

// Watchers returns the hosts participating in a conversation the reader may
// see (Chatwoot's conversation participants), in the order they joined,
// without duplicates.
func (l *Loader) Watchers(ref ConversationRef) ([]*inbox.Host, error) {
	c, err := l.find(ref)
	if err != nil {
		return nil, err
	}
	return l.watchers(c.ID)
}

func (l *Loader) watchers(conversationID int64) ([]*inbox.Host, error) {
	ps, _, err := l.tx.FindParticipants(l.ctx, l.accountID(), inbox.ParticipantFilter{ConversationID: &conversationID,
		MemberType: inbox.MemberHost, Page: inbox.Page{Limit: 1000, SkipTotal: true}})
	if err != nil {
		return nil, err
	}
	if err := l.prefetchMembers(ps); err != nil {
		return nil, err
	}
	out := []*inbox.Host{}
	seen := map[int64]bool{}
	for _, pt := range ps {
		if seen[pt.MemberID] {
			continue
		}
		seen[pt.MemberID] = true
		h, err := l.host(pt.MemberID)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// Attachments lists attachments of the account.
func (l *Loader) Attachments(f inbox.AttachmentFilter) ([]*inbox.Attachment, int, error) {
	if err := l.need(inbox.ScopeInboxRead); err != nil {
		return nil, 0, err
	}
	return l.tx.FindAttachments(l.ctx, l.accountID(), f)
}

// DeletedIDs lists ids of records of a resource (inbox.ResourceConversations,
// …) deleted at or after since (nil: ever).
func (l *Loader) DeletedIDs(resource string, since *time.Time) ([]int64, error) {
	t := zeroTime
	if since != nil {
		t = *since
	}
	return l.tx.FindDeletedIDs(l.ctx, l.accountID(), resource, t)
}
