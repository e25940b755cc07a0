package app

import (
	"context"
	"slices"
	"strings"

	inbox "github.com/inboxd/inbox"
)

// Inboxes through the API (Chatwoot's inboxes and inbox_members): every
// member lists the inboxes it works in (administrators all of them);
// creating and changing inboxes and their members takes an administrator.

// InboxesByName lists the inboxes the reader works in, by name.
func (l *Loader) InboxesByName() ([]*inbox.Inbox, error) {
	boxes, err := l.Inboxes()
	if err != nil {
		return nil, err
	}
	if boxes == nil {
		boxes = []*inbox.Inbox{}
	}
	slices.SortStableFunc(boxes, func(x, y *inbox.Inbox) int { return strings.Compare(x.Name, y.Name) })
	return boxes, nil
}

// Inbox returns an inbox the reader works in: unknown → ENOTFOUND, one an
// agent does not work in → not permitted.
func (l *Loader) Inbox(id int64) (*inbox.Inbox, error) {
	box, err := l.inbox(id)
	if err != nil {
		return nil, err
	}
	if !l.vis.CanSeeInbox(box.ID) {
		return nil, errNotPermitted()
	}
	return box, nil
}

// requireAdmin answers "not permitted" to an agent.
func requireAdmin(p *inbox.Principal) error {
	if !p.IsAdmin() {
		return errNotPermitted()
	}
	return nil
}

// CreateInbox creates an inbox in the caller's account (administrators).
func (a *App) CreateInbox(ctx context.Context, in inbox.Inbox) (*inbox.Inbox, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*inbox.Inbox, error) {
		tx := l.tx
		if err := requireAdmin(p); err != nil {
			return nil, err
		}
		box := in
		box.AccountID = p.AccountID
		if box.ReplyWindowHours == 0 {
			box.ReplyWindowHours = inbox.DefaultReplyWindow(box.Channel)
		}
		if err := box.Validate(); err != nil {
			return nil, err
		}
		if err := tx.CreateInbox(ctx, &box); err != nil {
			return nil, err
		}
		if err := a.syncInboxWebhook(ctx, tx, &box); err != nil {
			return nil, err
		}
		return &box, emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventInboxCreated, SubjectID: box.ID})
	})
}

// UpdateInbox changes an inbox (administrators).
func (a *App) UpdateInbox(ctx context.Context, id int64, u inbox.InboxUpdate) (*inbox.Inbox, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*inbox.Inbox, error) {
		tx := l.tx
		if err := requireAdmin(p); err != nil {
			return nil, err
		}
		box, err := tx.FindInboxByID(ctx, p.AccountID, id)
		if err != nil {
			return nil, err
		}
		next := *box
		if u.Name != nil {
			next.Name = *u.Name
		}
		if u.WebhookURL != nil {
			next.WebhookURL = *u.WebhookURL
		}
		if u.ReplyWindowHours != nil {
			next.ReplyWindowHours = *u.ReplyWindowHours
		}
		if err := next.Validate(); err != nil {
			return nil, err
		}
		changes := map[string][2]any{}
		if next.Name != box.Name {
			changes["name"] = [2]any{box.Name, next.Name}
		}
		if next.WebhookURL != box.WebhookURL {
			changes["webhook_url"] = [2]any{box.WebhookURL, next.WebhookURL}
		}
		if box, err = tx.UpdateInbox(ctx, p.AccountID, id, u); err != nil {
			return nil, err
		}
		if err := a.syncInboxWebhook(ctx, tx, box); err != nil {
			return nil, err
		}
		return box, emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventInboxUpdated, SubjectID: box.ID,
			Changes: changes})
	})
}

// InboxAgents lists the hosts working in an inbox the reader works in, by
// name.
func (l *Loader) InboxAgents(inboxID int64) ([]*inbox.Host, error) {
	if _, err := l.Inbox(inboxID); err != nil {
		return nil, err
	}
	return inboxAgents(l.ctx, l.tx, l.accountID(), inboxID)
}

func inboxAgents(ctx context.Context, tx inbox.Tx, accountID, inboxID int64) ([]*inbox.Host, error) {
	ids, err := tx.FindInboxMemberIDs(ctx, accountID, inboxID)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return []*inbox.Host{}, nil
	}
	hosts, _, err := tx.FindHosts(ctx, accountID, inbox.HostFilter{IDs: ids, Sort: "name",
		Page: inbox.Page{Limit: len(ids), SkipTotal: true}})
	if hosts == nil {
		hosts = []*inbox.Host{}
	}
	return hosts, err
}

// How ChangeInboxAgents changes an inbox's members.
const (
	MembersAdd    = "add"
	MembersSet    = "set"
	MembersRemove = "remove"
)

// ChangeInboxAgents adds, sets or removes the hosts working in an inbox
// (administrators) and returns its members. Every id must be a host of the
// account (422 on user_ids otherwise).
func (a *App) ChangeInboxAgents(ctx context.Context, inboxID int64, mode string, hostIDs []int64) ([]*inbox.Host, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) ([]*inbox.Host, error) {
		tx := l.tx
		if err := requireAdmin(p); err != nil {
			return nil, err
		}
		if _, err := tx.FindInboxByID(ctx, p.AccountID, inboxID); err != nil {
			return nil, err
		}
		if len(hostIDs) > 1000 {
			return nil, inbox.FieldError("user_ids", "is too long (maximum is 1000 ids)")
		}
		if len(hostIDs) > 0 {
			hosts, _, err := tx.FindHosts(ctx, p.AccountID, inbox.HostFilter{IDs: hostIDs, Page: inbox.Page{Limit: len(hostIDs), SkipTotal: true}})
			if err != nil {
				return nil, err
			}
			for _, id := range hostIDs {
				if !slices.ContainsFunc(hosts, func(h *inbox.Host) bool { return h.ID == id }) {
					return nil, invalidRef("user_ids")
				}
			}
		}
		current, err := tx.FindInboxMemberIDs(ctx, p.AccountID, inboxID)
		if err != nil {
			return nil, err
		}
		var add, remove []int64
		switch mode {
		case MembersAdd:
			add = hostIDs
		case MembersRemove:
			remove = hostIDs
		case MembersSet:
			add = hostIDs
			for _, id := range current {
				if !slices.Contains(hostIDs, id) {
					remove = append(remove, id)
				}
			}
		default:
			return nil, inbox.Errorf(inbox.EINTERNAL, "unknown membership change %q", mode)
		}
		for _, id := range add {
			if err := tx.AddInboxMember(ctx, p.AccountID, inboxID, id); err != nil {
				return nil, err
			}
		}
		for _, id := range remove {
			if err := tx.RemoveInboxMember(ctx, p.AccountID, inboxID, id); err != nil {
				return nil, err
			}
		}
		return inboxAgents(ctx, tx, p.AccountID, inboxID)
	})
}
