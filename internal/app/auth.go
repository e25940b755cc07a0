package app

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/auth"
)

// Authenticate resolves a bearer or personal token to a principal.
// Unknown, expired and revoked tokens are EUNAUTHORIZED.
func (a *App) Authenticate(ctx context.Context, token string) (*inbox.Principal, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, inbox.Errorf(inbox.EUNAUTHORIZED, "Missing access token.")
	}
	hash := auth.Hash(token)
	now := time.Now()
	if p := a.auth.get(hash, now); p != nil {
		return p, nil
	}
	var p *inbox.Principal
	var expires *time.Time
	epoch := a.auth.current()
	err := a.store.View(ctx, func(tx inbox.Tx) error {
		t, err := tx.FindAccessTokenByHash(ctx, hash)
		if inbox.ErrorCode(err) == inbox.ENOTFOUND {
			return inbox.Errorf(inbox.EUNAUTHORIZED, "Invalid Access Token")
		} else if err != nil {
			return err
		}
		// The lookup used the hash as an index key; compare again in constant
		// time so the decision itself leaks no timing.
		if subtle.ConstantTimeCompare(t.TokenHash, hash) != 1 || !t.Active(tx.Now()) {
			return inbox.Errorf(inbox.EUNAUTHORIZED, "Invalid Access Token")
		}
		expires = t.ExpiresAt
		p = &inbox.Principal{AccountID: t.AccountID, TokenID: t.ID, Kind: t.Kind, ApplicationID: t.ApplicationID, Scopes: t.Scopes}
		if t.HostID != nil {
			h, err := tx.FindHostByID(ctx, t.AccountID, *t.HostID)
			if err != nil {
				return inbox.Errorf(inbox.EUNAUTHORIZED, "Invalid Access Token")
			}
			p.Host, p.Name = h, h.Name()
		} else if t.ApplicationID != nil {
			app, err := tx.FindApplicationByID(ctx, t.AccountID, *t.ApplicationID)
			if err != nil {
				return inbox.Errorf(inbox.EUNAUTHORIZED, "Invalid Access Token")
			}
			p.Name = app.Name
		} else {
			p.Name = "API"
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.auth.put(epoch, hash, p, expires, now)
	return p, nil
}
