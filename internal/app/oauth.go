package app

import (
	"context"
	"crypto/subtle"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/auth"
)

// OAuth errors carry the RFC 6749 error name in Field, so the OAuth endpoint
// can answer {"error": Field, "error_description": Message}.
func oauthError(code, name, msg string) error {
	return &inbox.Error{Code: code, Field: name, Message: msg}
}

var (
	errInvalidClient = oauthError(inbox.EUNAUTHORIZED, "invalid_client",
		"Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.")
	errInvalidGrant = oauthError(inbox.EUNAUTHORIZED, "invalid_grant",
		"The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.")
)

// clientApp authenticates an OAuth client by id and secret. A public client
// has no secret to show (RFC 6749 §2.1): its client_id alone identifies it.
func clientApp(ctx context.Context, tx inbox.Tx, clientID, secret string) (*inbox.Application, error) {
	if clientID == "" {
		return nil, errInvalidClient
	}
	app, err := tx.FindApplicationByClientID(ctx, clientID)
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return nil, errInvalidClient
	} else if err != nil {
		return nil, err
	}
	if app.Public && secret == "" {
		return app, nil
	}
	if secret == "" || !auth.Equal(secret, app.SecretHash) {
		return nil, errInvalidClient
	}
	return app, nil
}

// grantScopes narrows the application's scopes to the requested ones.
func grantScopes(app *inbox.Application, requested string) (inbox.Scopes, error) {
	if requested == "" {
		return app.Scopes, nil
	}
	want, err := inbox.ParseScopes(requested)
	if err != nil {
		return nil, oauthError(inbox.EINVALID, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
	}
	for _, s := range want {
		if !app.Scopes.Has(s) {
			return nil, oauthError(inbox.EINVALID, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
		}
	}
	return want, nil
}

// ClientCredentials issues a token for an application in its own account
// (RFC 6749 §4.4). No refresh token comes with it.
func (a *App) ClientCredentials(ctx context.Context, clientID, secret, scope string) (*TokenGrant, error) {
	var g *TokenGrant
	err := a.store.Update(ctx, func(tx inbox.Tx) error {
		app, err := clientApp(ctx, tx, clientID, secret)
		if err != nil {
			return err
		}
		if app.Public {
			// Nothing but its client_id, which is public, would vouch for it.
			return oauthError(inbox.EINVALID, "unauthorized_client", "A public client cannot use the client_credentials grant.")
		}
		scopes, err := grantScopes(app, scope)
		if err != nil {
			return err
		}
		g, err = a.issue(ctx, tx, app.AccountID, &app.ID, scopes, false, 0)
		return err
	})
	return g, err
}

// Refresh exchanges a refresh token for a new token pair (RFC 6749 §6). The
// old access and refresh tokens stop working: refresh tokens rotate.
func (a *App) Refresh(ctx context.Context, clientID, secret, refreshToken, scope string) (*TokenGrant, error) {
	var g *TokenGrant
	var revoked int64
	defer func() { a.auth.forget(revoked) }()
	err := a.store.Update(ctx, func(tx inbox.Tx) error {
		app, err := clientApp(ctx, tx, clientID, secret)
		if err != nil {
			return err
		}
		if refreshToken == "" {
			return oauthError(inbox.EINVALID, "invalid_request", "Missing refresh_token.")
		}
		hash := auth.Hash(refreshToken)
		old, err := tx.FindAccessTokenByRefreshHash(ctx, hash)
		if inbox.ErrorCode(err) == inbox.ENOTFOUND {
			return errInvalidGrant
		} else if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare(old.RefreshHash, hash) != 1 || old.RevokedAt != nil ||
			old.ApplicationID == nil || *old.ApplicationID != app.ID {
			return errInvalidGrant
		}
		scopes := old.Scopes
		if scope != "" {
			want, err := inbox.ParseScopes(scope)
			if err != nil {
				return oauthError(inbox.EINVALID, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
			}
			for _, s := range want {
				if !old.Scopes.Has(s) {
					return oauthError(inbox.EINVALID, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
				}
			}
			scopes = want
		}
		if err := revokeToken(ctx, tx, old); err != nil {
			return err
		}
		revoked = old.ID
		g, err = a.issue(ctx, tx, old.AccountID, &app.ID, scopes, true, 0)
		return err
	})
	return g, err
}

// Revoke revokes an access or refresh token (RFC 7009). Unknown tokens are
// not an error. Every application is a confidential client, so a token
// issued to one is revoked only by that application authenticating with
// its credentials (RFC 7009 §2.1, as Doorkeeper does): merely holding the
// token is not enough. A token issued to no application (by the command
// line) has no client to authenticate, and its holder may revoke it, as
// Doorkeeper lets a public client. Credentials that are given must be
// valid, whatever the token.
func (a *App) Revoke(ctx context.Context, clientID, secret, token string) error {
	var revoked int64
	defer func() { a.auth.forget(revoked) }()
	return a.store.Update(ctx, func(tx inbox.Tx) error {
		var app *inbox.Application
		if clientID != "" || secret != "" {
			var err error
			if app, err = clientApp(ctx, tx, clientID, secret); err != nil {
				return err
			}
		}
		hash := auth.Hash(token)
		t, err := tx.FindAccessTokenByHash(ctx, hash)
		if inbox.ErrorCode(err) == inbox.ENOTFOUND {
			t, err = tx.FindAccessTokenByRefreshHash(ctx, hash)
		}
		if inbox.ErrorCode(err) == inbox.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		if t.Kind != inbox.TokenOAuth {
			return nil
		}
		if t.ApplicationID != nil && (app == nil || *t.ApplicationID != app.ID) {
			return oauthError(inbox.EFORBIDDEN, "unauthorized_client", "You are not authorized to revoke this token.")
		}
		revoked = t.ID
		if t.RevokedAt != nil {
			return nil
		}
		return revokeToken(ctx, tx, t)
	})
}

// TokenInfo describes a valid token (Doorkeeper's /oauth/token/info).
// Unknown, expired and revoked tokens are EUNAUTHORIZED.
func (a *App) TokenInfo(ctx context.Context, token string) (*inbox.AccessToken, *inbox.Application, error) {
	var t *inbox.AccessToken
	var app *inbox.Application
	hash := auth.Hash(token)
	err := a.store.View(ctx, func(tx inbox.Tx) error {
		var err error
		t, err = tx.FindAccessTokenByHash(ctx, hash)
		if inbox.ErrorCode(err) == inbox.ENOTFOUND || (err == nil && (t.Kind != inbox.TokenOAuth || !t.Active(tx.Now()))) {
			return inbox.Errorf(inbox.EUNAUTHORIZED, "The access token is invalid")
		} else if err != nil {
			return err
		}
		if t.ApplicationID != nil {
			app, err = tx.FindApplicationByID(ctx, t.AccountID, *t.ApplicationID)
		}
		return err
	})
	return t, app, err
}

// revokeToken revokes a token and tells every node's auth cache
// (EventAccessRevoked), so it stops working everywhere at once.
func revokeToken(ctx context.Context, tx inbox.Tx, t *inbox.AccessToken) error {
	if err := tx.RevokeAccessToken(ctx, t.AccountID, t.ID); err != nil {
		return err
	}
	return emit(ctx, tx, nil, inbox.Event{AccountID: t.AccountID, Type: inbox.EventAccessRevoked, SubjectID: t.ID})
}
