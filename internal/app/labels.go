package app

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	inbox "github.com/inboxd/inbox"
)

// Account labels and canned responses. Every member reads both and may add
// a canned response; managing labels, and changing or removing canned
// responses, takes an administrator (Chatwoot's policies).

// Labels lists the account's labels by title.
func (l *Loader) Labels() ([]*inbox.Label, error) {
	if err := l.need(inbox.ScopeInboxRead); err != nil {
		return nil, err
	}
	ls, err := l.tx.FindLabels(l.ctx, l.accountID())
	if ls == nil {
		ls = []*inbox.Label{}
	}
	return ls, err
}

// Label returns one label (administrators).
func (l *Loader) Label(id int64) (*inbox.Label, error) {
	if err := l.needAdmin(); err != nil {
		return nil, err
	}
	return l.tx.FindLabelByID(l.ctx, l.accountID(), id)
}

// needAdmin answers "not permitted" to an agent.
func (l *Loader) needAdmin() error {
	if l.vis.Host != nil && l.vis.Host.Role != inbox.RoleAdministrator {
		return errNotPermitted()
	}
	return nil
}

// CreateLabel adds a label (administrators). The title is lower-cased and
// must be unique in the account.
func (a *App) CreateLabel(ctx context.Context, in inbox.Label) (*inbox.Label, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*inbox.Label, error) {
		if err := requireAdmin(p); err != nil {
			return nil, err
		}
		lb := in
		lb.AccountID = p.AccountID
		lb.Normalize()
		if lb.Color == "" {
			lb.Color = inbox.DefaultLabelColor
		}
		if err := lb.Validate(); err != nil {
			return nil, err
		}
		if err := l.tx.CreateLabel(ctx, &lb); inbox.ErrorCode(err) == inbox.ECONFLICT {
			return nil, inbox.FieldError("title", inbox.MsgTaken)
		} else if err != nil {
			return nil, err
		}
		return &lb, nil
	})
}

// UpdateLabel changes a label (administrators); a new title is given to the
// conversations that carried the old one.
func (a *App) UpdateLabel(ctx context.Context, id int64, u inbox.LabelUpdate) (*inbox.Label, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*inbox.Label, error) {
		if err := requireAdmin(p); err != nil {
			return nil, err
		}
		tx := l.tx
		old, err := tx.FindLabelByID(ctx, p.AccountID, id)
		if err != nil {
			return nil, err
		}
		next := *old
		if u.Title != nil {
			next.Title = *u.Title
			next.Normalize()
			u.Title = &next.Title
		}
		if u.Description != nil {
			next.Description = *u.Description
		}
		if u.Color != nil {
			next.Color = *u.Color
		}
		if err := next.Validate(); err != nil {
			return nil, err
		}
		lb, err := tx.UpdateLabel(ctx, p.AccountID, id, u)
		if inbox.ErrorCode(err) == inbox.ECONFLICT {
			return nil, inbox.FieldError("title", inbox.MsgTaken)
		}
		return lb, err
	})
}

// DeleteLabel removes a label (administrators). Conversations keep it.
func (a *App) DeleteLabel(ctx context.Context, id int64) error {
	_, err := updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (struct{}, error) {
		if err := requireAdmin(p); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, l.tx.DeleteLabel(ctx, p.AccountID, id)
	})
	return err
}

// CannedResponses lists the account's canned responses, or those whose
// short code or content contains search, short codes starting with it
// first.
func (l *Loader) CannedResponses(search string) ([]*inbox.CannedResponse, error) {
	if err := l.need(inbox.ScopeInboxRead); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(search) > inbox.MaxFilterValueLength {
		return nil, inbox.FieldError("search", fmt.Sprintf("is too long (maximum is %d characters)", inbox.MaxFilterValueLength))
	}
	out, err := l.tx.FindCannedResponses(l.ctx, l.accountID(), inbox.CannedResponseFilter{Search: strings.TrimSpace(search)})
	if out == nil {
		out = []*inbox.CannedResponse{}
	}
	return out, err
}

// CreateCannedResponse adds a canned response (any member); the short code
// must be unique in the account.
func (a *App) CreateCannedResponse(ctx context.Context, c inbox.CannedResponse) (*inbox.CannedResponse, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*inbox.CannedResponse, error) {
		c.AccountID = p.AccountID
		c.ShortCode = strings.TrimSpace(c.ShortCode)
		if err := c.Validate(); err != nil {
			return nil, err
		}
		if err := l.tx.CreateCannedResponse(ctx, &c); inbox.ErrorCode(err) == inbox.ECONFLICT {
			return nil, inbox.FieldError("short_code", inbox.MsgTaken)
		} else if err != nil {
			return nil, err
		}
		return &c, nil
	})
}

// UpdateCannedResponse changes a canned response (administrators).
func (a *App) UpdateCannedResponse(ctx context.Context, id int64, u inbox.CannedResponseUpdate) (*inbox.CannedResponse, error) {
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*inbox.CannedResponse, error) {
		if err := requireAdmin(p); err != nil {
			return nil, err
		}
		tx := l.tx
		c, err := tx.FindCannedResponseByID(ctx, p.AccountID, id)
		if err != nil {
			return nil, err
		}
		next := *c
		if u.ShortCode != nil {
			next.ShortCode = strings.TrimSpace(*u.ShortCode)
			u.ShortCode = &next.ShortCode
		}
		if u.Content != nil {
			next.Content = *u.Content
		}
		if err := next.Validate(); err != nil {
			return nil, err
		}
		c, err = tx.UpdateCannedResponse(ctx, p.AccountID, id, u)
		if inbox.ErrorCode(err) == inbox.ECONFLICT {
			return nil, inbox.FieldError("short_code", inbox.MsgTaken)
		}
		return c, err
	})
}

// DeleteCannedResponse removes a canned response (administrators).
func (a *App) DeleteCannedResponse(ctx context.Context, id int64) error {
	_, err := updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (struct{}, error) {
		if err := requireAdmin(p); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, l.tx.DeleteCannedResponse(ctx, p.AccountID, id)
	})
	return err
}
