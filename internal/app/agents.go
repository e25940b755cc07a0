package app

import (
	"context"

	inbox "github.com/inboxd/inbox"
)

// Agents are the account's hosts as Chatwoot shows them: every member lists
// them; administrators add, change and remove them.

// Agents lists the account's hosts by name.
func (l *Loader) Agents() ([]*inbox.Host, error) {
	if err := l.need(inbox.ScopeInboxRead); err != nil {
		return nil, err
	}
	hosts, _, err := l.tx.FindHosts(l.ctx, l.accountID(), inbox.HostFilter{Sort: "name", Page: inbox.Page{Limit: 10000, SkipTotal: true}})
	if hosts == nil {
		hosts = []*inbox.Host{}
	}
	return hosts, err
}

// AgentCreate is a request to add an agent.
type AgentCreate struct {
	Name         string
	Email        string
	Role         string // "" means agent
	Availability string // "" means online
	AutoOffline  *bool  // nil means true
}

// CreateAgent adds a host to the account (administrators). It works in no
// inbox until an administrator adds it to some; it signs in with a token
// issued by the command line.
func (a *App) CreateAgent(ctx context.Context, in AgentCreate) (*inbox.Host, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*inbox.Host, error) {
		tx := l.tx
		if err := requireAdmin(p); err != nil {
			return nil, err
		}
		h := &inbox.Host{AccountID: p.AccountID, Email: in.Email, Role: in.Role, Availability: in.Availability, AutoOffline: true}
		h.Firstname, h.Lastname = inbox.SplitName(in.Name)
		if h.Role == "" {
			h.Role = inbox.RoleAgent
		}
		if h.Availability == "" {
			h.Availability = "online"
		}
		if in.AutoOffline != nil {
			h.AutoOffline = *in.AutoOffline
		}
		if isBlank(h.Email) {
			return nil, inbox.FieldError("email", inbox.MsgBlank)
		}
		if err := h.Validate(); err != nil {
			return nil, err
		}
		if err := checkHostEmail(ctx, tx, p.AccountID, 0, h.Email); err != nil {
			return nil, err
		}
		return h, tx.CreateHost(ctx, h)
	})
}

// AgentChange holds agent fields to change; nil leaves one unchanged.
type AgentChange struct {
	Name         *string
	Role         *string
	Availability *string
	AutoOffline  *bool
}

// UpdateAgent changes an agent's name, role or availability
// (administrators).
func (a *App) UpdateAgent(ctx context.Context, id int64, ch AgentChange) (*inbox.Host, error) {
	h, err := updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*inbox.Host, error) {
		tx := l.tx
		if err := requireAdmin(p); err != nil {
			return nil, err
		}
		h, err := tx.FindHostByID(ctx, p.AccountID, id)
		if err != nil || h.DeletedAt != nil {
			return nil, notFoundUnless(err, "Host")
		}
		u := inbox.HostUpdate{Role: ch.Role, Availability: ch.Availability, AutoOffline: ch.AutoOffline}
		next := *h
		if ch.Name != nil {
			first, last := inbox.SplitName(*ch.Name)
			u.Firstname, u.Lastname = &first, &last
			next.Firstname, next.Lastname = first, last
		}
		if ch.Role != nil {
			next.Role = *ch.Role
		}
		if ch.Availability != nil {
			next.Availability = *ch.Availability
		}
		if err := next.Validate(); err != nil {
			return nil, err
		}
		if next.Role != h.Role {
			// Its cached principals carry the old role: every node drops them.
			if err := emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventAccessRevoked}); err != nil {
				return nil, err
			}
		}
		return tx.UpdateHost(ctx, p.AccountID, id, u)
	})
	if err == nil {
		a.auth.forgetHost(id) // its new role applies to its next request
	}
	return h, err
}

// DeleteAgent removes a host from the account (administrators): its tokens
// stop working, its inboxes and assigned conversations are released, and
// the messages it sent keep naming it.
func (a *App) DeleteAgent(ctx context.Context, id int64) error {
	_, err := updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (struct{}, error) {
		if err := requireAdmin(p); err != nil {
			return struct{}{}, err
		}
		if err := l.tx.DeleteHost(ctx, p.AccountID, id); err != nil {
			return struct{}{}, err
		}
		// Its tokens were revoked: every node drops the account's principals.
		return struct{}{}, emit(ctx, l.tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventAccessRevoked})
	})
	if err == nil {
		a.auth.forgetHost(id)
	}
	return err
}

// notFoundUnless is err, or ENOTFOUND for kind when err is nil (a record
// found but not usable).
func notFoundUnless(err error, kind string) error {
	if err != nil {
		return err
	}
	return inbox.NotFound(kind)
}
