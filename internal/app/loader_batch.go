package app

import (
	"slices"

	inbox "github.com/inboxd/inbox"
)

// Rendering a page reads the records each row links to: senders, contacts,
// assignees, inboxes, attachments. Read one at a time, that is a statement
// per row, which on PostgreSQL is a network round trip per row. The
// prefetch methods below read each kind of record a page needs in one
// statement for the whole page (in chunks of embedChunk ids) and put them in
// the Loader's memo, so the per-row lookups that follow find them there.
// An id that does not resolve is left out: the per-row lookup then reports
// it as it always did.

// prefetch reads the ids m lacks with find and memoises what it finds.
func prefetch[T any](m map[int64]*T, ids []int64, find func([]int64) ([]*T, error), idOf func(*T) int64) error {
	var missing []int64
	for _, id := range ids {
		if _, ok := m[id]; !ok {
			missing = append(missing, id)
		}
	}
	missing = slices.Compact(slices.Sorted(slices.Values(missing)))
	for len(missing) > 0 {
		chunk := missing[:min(len(missing), embedChunk)]
		missing = missing[len(chunk):]
		items, err := find(chunk)
		if err != nil {
			return err
		}
		for _, v := range items {
			m[idOf(v)] = v
		}
	}
	return nil
}

func page(ids []int64) inbox.Page { return inbox.Page{Limit: len(ids), SkipTotal: true} }

func (l *Loader) prefetchHosts(ids []int64) error {
	return prefetch(l.hosts, ids, func(c []int64) ([]*inbox.Host, error) {
		hs, _, err := l.tx.FindHosts(l.ctx, l.accountID(), inbox.HostFilter{IDs: c, Removed: true, Page: page(c)})
		return hs, err
	}, func(h *inbox.Host) int64 { return h.ID })
}

func (l *Loader) prefetchClients(ids []int64) error {
	return prefetch(l.clients, ids, func(c []int64) ([]*inbox.Client, error) {
		cs, _, err := l.tx.FindClients(l.ctx, l.accountID(), inbox.ClientFilter{IDs: c, Page: page(c)})
		return cs, err
	}, func(c *inbox.Client) int64 { return c.ID })
}

func (l *Loader) prefetchParticipants(ids []int64) error {
	return prefetch(l.participants, ids, func(c []int64) ([]*inbox.Participant, error) {
		ps, _, err := l.tx.FindParticipants(l.ctx, l.accountID(), inbox.ParticipantFilter{IDs: c, Page: page(c)})
		return ps, err
	}, func(p *inbox.Participant) int64 { return p.ID })
}

func (l *Loader) prefetchConversations(ids []int64) error {
	return prefetch(l.convs, ids, func(c []int64) ([]*inbox.Conversation, error) {
		cs, _, err := l.tx.FindConversations(l.ctx, l.accountID(), inbox.ConversationFilter{IDs: c, Page: page(c)})
		return cs, err
	}, func(c *inbox.Conversation) int64 { return c.ID })
}

func (l *Loader) prefetchAttachments(ids []int64) error {
	return prefetch(l.attachments, ids, func(c []int64) ([]*inbox.Attachment, error) {
		as, _, err := l.tx.FindAttachments(l.ctx, l.accountID(), inbox.AttachmentFilter{IDs: c, Page: page(c)})
		return as, err
	}, func(a *inbox.Attachment) int64 { return a.ID })
}

// prefetchInboxes reads the account's inboxes when any of ids is not
// memoised: an account has few, and one statement reads them all.
func (l *Loader) prefetchInboxes(ids []int64) error {
	for _, id := range ids {
		if _, ok := l.inboxes[id]; ok {
			continue
		}
		all, err := l.tx.FindInboxes(l.ctx, l.accountID())
		if err != nil {
			return err
		}
		for _, b := range all {
			if _, ok := l.inboxes[b.ID]; !ok {
				l.inboxes[b.ID] = b
			}
		}
		return nil
	}
	return nil
}

// prefetchMembers reads the hosts and clients participants stand for.
func (l *Loader) prefetchMembers(ps []*inbox.Participant) error {
	var hosts, clients []int64
	for _, pt := range ps {
		if pt.MemberType == inbox.MemberClient {
			clients = append(clients, pt.MemberID)
		} else {
			hosts = append(hosts, pt.MemberID)
		}
	}
	if err := l.prefetchHosts(hosts); err != nil {
		return err
	}
	return l.prefetchClients(clients)
}

// prefetchMessages reads what the views of msgs show: conversations,
// senders with their members, and attachments.
func (l *Loader) prefetchMessages(msgs []*inbox.Message) error {
	var convs, senders, atts []int64
	for _, m := range msgs {
		convs = append(convs, m.ConversationID)
		if m.SenderID != nil {
			senders = append(senders, *m.SenderID)
		}
		atts = append(atts, m.AttachmentIDs...)
	}
	if err := l.prefetchConversations(convs); err != nil {
		return err
	}
	if err := l.prefetchParticipants(senders); err != nil {
		return err
	}
	ps := make([]*inbox.Participant, 0, len(senders))
	for _, id := range senders {
		if pt, ok := l.participants[id]; ok {
			ps = append(ps, pt)
		}
	}
	if err := l.prefetchMembers(ps); err != nil {
		return err
	}
	return l.prefetchAttachments(atts)
}

// prefetchConversationParts reads the inboxes, contacts and assignees of
// conversations.
func (l *Loader) prefetchConversationParts(convs []*inbox.Conversation) error {
	inboxes := make([]int64, len(convs))
	for i, c := range convs {
		inboxes[i] = c.InboxID
	}
	if err := l.prefetchInboxes(inboxes); err != nil {
		return err
	}
	return l.prefetchParties(convs)
}

// prefetchParties reads the contacts and assignees of conversations.
func (l *Loader) prefetchParties(convs []*inbox.Conversation) error {
	var clients, hosts []int64
	for _, c := range convs {
		if c.ClientID != nil {
			clients = append(clients, *c.ClientID)
		}
		if c.AssigneeID != nil {
			hosts = append(hosts, *c.AssigneeID)
		}
	}
	if err := l.prefetchClients(clients); err != nil {
		return err
	}
	return l.prefetchHosts(hosts)
}
