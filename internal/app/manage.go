package app

import (
	"context"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/auth"
)

// The methods in this file serve the admin CLI's list, show, delete and
// rotate commands: like those of admin.go they act on an explicit account.

// view runs fn in a read transaction, checking the account exists first.
func (ad *Admin) view(ctx context.Context, accountID int64, fn func(tx inbox.Tx) error) error {
	return ad.app.store.View(ctx, func(tx inbox.Tx) error {
		if _, err := tx.FindAccountByID(ctx, accountID); err != nil {
			return err
		}
		return fn(tx)
	})
}

// ListAccounts lists every account.
func (ad *Admin) ListAccounts(ctx context.Context) ([]*inbox.Account, error) {
	var out []*inbox.Account
	err := ad.app.store.View(ctx, func(tx inbox.Tx) (err error) {
		out, err = tx.FindAccounts(ctx)
		return err
	})
	return out, err
}

// adminPage is the most records a list command shows.
const adminPage = 10000

// ListHosts lists an account's hosts.
func (ad *Admin) ListHosts(ctx context.Context, accountID int64) (out []*inbox.Host, err error) {
	err = ad.view(ctx, accountID, func(tx inbox.Tx) (err error) {
		out, _, err = tx.FindHosts(ctx, accountID, inbox.HostFilter{Page: inbox.Page{Limit: adminPage, SkipTotal: true}})
		return err
	})
	return out, err
}

// FindHost returns one host of an account.
func (ad *Admin) FindHost(ctx context.Context, accountID, id int64) (h *inbox.Host, err error) {
	err = ad.view(ctx, accountID, func(tx inbox.Tx) (err error) {
		h, err = tx.FindHostByID(ctx, accountID, id)
		return err
	})
	return h, err
}

// ListClients lists an account's clients.
func (ad *Admin) ListClients(ctx context.Context, accountID int64) (out []*inbox.Client, err error) {
	err = ad.view(ctx, accountID, func(tx inbox.Tx) (err error) {
		out, _, err = tx.FindClients(ctx, accountID, inbox.ClientFilter{Page: inbox.Page{Limit: adminPage, SkipTotal: true}})
		return err
	})
	return out, err
}

// FindClient returns one client of an account.
func (ad *Admin) FindClient(ctx context.Context, accountID, id int64) (c *inbox.Client, err error) {
	err = ad.view(ctx, accountID, func(tx inbox.Tx) (err error) {
		c, err = tx.FindClientByID(ctx, accountID, id)
		return err
	})
	return c, err
}

// ListInboxes lists an account's inboxes.
func (ad *Admin) ListInboxes(ctx context.Context, accountID int64) (out []*inbox.Inbox, err error) {
	err = ad.view(ctx, accountID, func(tx inbox.Tx) (err error) {
		out, err = tx.FindInboxes(ctx, accountID)
		return err
	})
	return out, err
}

// FindInbox returns one inbox of an account.
func (ad *Admin) FindInbox(ctx context.Context, accountID, id int64) (i *inbox.Inbox, err error) {
	err = ad.view(ctx, accountID, func(tx inbox.Tx) (err error) {
		i, err = tx.FindInboxByID(ctx, accountID, id)
		return err
	})
	return i, err
}

// ListApplications lists an account's OAuth applications.
func (ad *Admin) ListApplications(ctx context.Context, accountID int64) (out []*inbox.Application, err error) {
	err = ad.view(ctx, accountID, func(tx inbox.Tx) (err error) {
		out, err = tx.FindApplications(ctx, accountID)
		return err
	})
	return out, err
}

// FindApplication returns one application of an account.
func (ad *Admin) FindApplication(ctx context.Context, accountID, id int64) (app *inbox.Application, err error) {
	err = ad.view(ctx, accountID, func(tx inbox.Tx) (err error) {
		app, err = tx.FindApplicationByID(ctx, accountID, id)
		return err
	})
	return app, err
}

// ListTokens lists an account's tokens (hashes only ever: a token's value
// is shown once, when it is issued).
func (ad *Admin) ListTokens(ctx context.Context, accountID int64) (out []*inbox.AccessToken, err error) {
	err = ad.view(ctx, accountID, func(tx inbox.Tx) (err error) {
		out, err = tx.FindAccessTokens(ctx, accountID)
		return err
	})
	return out, err
}

// FindToken returns one token of an account.
func (ad *Admin) FindToken(ctx context.Context, accountID, id int64) (t *inbox.AccessToken, err error) {
	err = ad.view(ctx, accountID, func(tx inbox.Tx) (err error) {
		t, err = tx.FindAccessTokenByID(ctx, accountID, id)
		return err
	})
	return t, err
}

// RevokeToken revokes a token (and its refresh token) on every node at
// once: revoking twice is harmless.
func (ad *Admin) RevokeToken(ctx context.Context, accountID, id int64) (*inbox.AccessToken, error) {
	var t *inbox.AccessToken
	err := ad.app.store.Update(ctx, func(tx inbox.Tx) (err error) {
		if t, err = tx.FindAccessTokenByID(ctx, accountID, id); err != nil {
			return err
		}
		if t.RevokedAt != nil {
			return nil
		}
		if err := tx.RevokeAccessToken(ctx, accountID, id); err != nil {
			return err
		}
		t.RevokedAt = ptr(tx.Now())
		return emit(ctx, tx, nil, inbox.Event{AccountID: accountID, Type: inbox.EventAccessRevoked})
	})
	if err == nil {
		ad.app.auth.forget(id)
	}
	return t, err
}

// RotateHostToken revokes a host's personal API tokens and issues a new
// one, returned in clear once.
func (ad *Admin) RotateHostToken(ctx context.Context, accountID, hostID int64) (*inbox.Host, string, error) {
	token, hash := auth.NewSecret()
	var h *inbox.Host
	err := ad.app.store.Update(ctx, func(tx inbox.Tx) (err error) {
		if h, err = tx.FindHostByID(ctx, accountID, hostID); err != nil {
			return err
		}
		tokens, err := tx.FindAccessTokens(ctx, accountID)
		if err != nil {
			return err
		}
		for _, t := range tokens {
			if t.Kind == inbox.TokenPersonal && t.HostID != nil && *t.HostID == hostID && t.RevokedAt == nil {
				if err := tx.RevokeAccessToken(ctx, accountID, t.ID); err != nil {
					return err
				}
			}
		}
		if err := tx.CreateAccessToken(ctx, &inbox.AccessToken{AccountID: accountID, Kind: inbox.TokenPersonal,
			HostID: &hostID, TokenHash: hash}); err != nil {
			return err
		}
		return emit(ctx, tx, nil, inbox.Event{AccountID: accountID, Type: inbox.EventAccessRevoked})
	})
	if err != nil {
		return nil, "", err
	}
	ad.app.auth.forgetHost(hostID)
	return h, token, nil
}

// DeleteHost removes a host from an account, as DeleteAgent does: its
// tokens stop working, its inboxes and assigned conversations are
// released, and the messages it sent keep naming it.
func (ad *Admin) DeleteHost(ctx context.Context, accountID, id int64) error {
	err := ad.app.store.Update(ctx, func(tx inbox.Tx) error {
		if err := tx.DeleteHost(ctx, accountID, id); err != nil {
			return err
		}
		return emit(ctx, tx, nil, inbox.Event{AccountID: accountID, Type: inbox.EventAccessRevoked})
	})
	if err == nil {
		ad.app.auth.forgetHost(id)
	}
	return err
}

// DeleteClient removes a client with the conversations it is the contact of,
// as the API's DeleteContact does; a client that takes part in another
// client's conversation stays (ECONFLICT).
func (ad *Admin) DeleteClient(ctx context.Context, accountID, id int64) error {
	return ad.app.store.Update(ctx, func(tx inbox.Tx) error {
		return deleteContact(ctx, tx, accountID, id, nil)
	})
}

// DeleteToken revokes and removes a token.
func (ad *Admin) DeleteToken(ctx context.Context, accountID, id int64) error {
	err := ad.app.store.Update(ctx, func(tx inbox.Tx) error {
		if err := tx.DeleteAccessToken(ctx, accountID, id); err != nil {
			return err
		}
		return emit(ctx, tx, nil, inbox.Event{AccountID: accountID, Type: inbox.EventAccessRevoked})
	})
	if err == nil {
		ad.app.auth.forget(id)
	}
	return err
}

// DeleteApplication removes an OAuth application with its tokens.
func (ad *Admin) DeleteApplication(ctx context.Context, accountID, id int64) error {
	err := ad.app.store.Update(ctx, func(tx inbox.Tx) error {
		if err := tx.DeleteApplication(ctx, accountID, id); err != nil {
			return err
		}
		return emit(ctx, tx, nil, inbox.Event{AccountID: accountID, Type: inbox.EventAccessRevoked})
	})
	if err == nil {
		ad.app.auth.forgetAccount(accountID)
	}
	return err
}

// DeleteInbox removes an inbox that has no conversations left.
func (ad *Admin) DeleteInbox(ctx context.Context, accountID, id int64) error {
	return ad.app.store.Update(ctx, func(tx inbox.Tx) error { return tx.DeleteInbox(ctx, accountID, id) })
}

// DeleteAccount removes an account and everything it holds: a tenant that
// leaves (export it first). Its tokens stop working at once on this node and
// within the authentication cache's lifetime (2 s) on the others.
func (ad *Admin) DeleteAccount(ctx context.Context, id int64) error {
	err := ad.app.store.Update(ctx, func(tx inbox.Tx) error { return tx.DeleteAccount(ctx, id) })
	if err == nil {
		ad.app.auth.forgetAccount(id)
	}
	return err
}
