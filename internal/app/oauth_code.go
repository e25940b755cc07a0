package app

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"slices"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/auth"
)

// The OAuth authorization-code grant (RFC 6749 §4.1) with PKCE (RFC 7636):
// a signed-in administrator consents on the web inbox's page, the
// application exchanges the code at /oauth/token.

// AuthorizationCodeTTL is how long a code may wait to be exchanged.
const AuthorizationCodeTTL = 2 * time.Minute

// AuthorizeRequest is an authorization request's parameters.
type AuthorizeRequest struct {
	ResponseType        string
	ClientID            string
	RedirectURI         string
	Scope               string
	State               string
	CodeChallenge       string
	CodeChallengeMethod string
}

// AuthorizeError is an error of an authorization request. When the client
// or its redirect URI cannot be established, RedirectURI is "" and the
// error is shown to the person (RFC 6749 §4.1.2.1: never sent to an
// unverified URI); otherwise it goes back to RedirectURI as error (Name),
// error_description and state.
type AuthorizeError struct {
	RedirectURI string
	State       string
	Name        string
	Description string
}

func (e *AuthorizeError) Error() string { return e.Name + ": " + e.Description }

// Consent is what the consent page asks the person about.
type Consent struct {
	Application *inbox.Application
	Scopes      inbox.Scopes
	// RedirectURI is where the answer goes (a registered URI).
	RedirectURI string
}

// Authorization is the answer to an authorization request: where to send
// the browser, with the code (or the error) and the state.
type Authorization struct {
	RedirectURI string
	Code        string
	State       string
	// Error is "access_denied" when the person refused.
	Error       string
	Description string
}

// CheckAuthorization validates an authorization request for the signed-in
// host and returns what to ask consent for. Errors are *AuthorizeError.
func (a *App) CheckAuthorization(ctx context.Context, req AuthorizeRequest) (*Consent, error) {
	var c *Consent
	err := a.store.View(ctx, func(tx inbox.Tx) (err error) {
		c, err = checkAuthorization(ctx, tx, req)
		return err
	})
	return c, err
}

// Authorize answers an authorization request with the person's decision:
// allow gives the application a code, single-use and valid for
// AuthorizationCodeTTL; refusing sends access_denied. Only an administrator
// of the application's account may allow (the token sees the whole
// account); anyone else's consent is access_denied.
func (a *App) Authorize(ctx context.Context, req AuthorizeRequest, allow bool) (*Authorization, error) {
	var out *Authorization
	err := a.store.Update(ctx, func(tx inbox.Tx) error {
		c, err := checkAuthorization(ctx, tx, req)
		if err != nil {
			return err
		}
		if !allow {
			out = &Authorization{RedirectURI: c.RedirectURI, State: req.State, Error: "access_denied",
				Description: "The resource owner denied the request."}
			return nil
		}
		p := inbox.PrincipalFromContext(ctx)
		code, hash := auth.NewSecret()
		ac := &inbox.AuthorizationCode{AccountID: c.Application.AccountID, ApplicationID: c.Application.ID,
			HostID: p.Host.ID, CodeHash: hash, RedirectURI: req.RedirectURI, Scopes: c.Scopes,
			CodeChallenge: req.CodeChallenge, ExpiresAt: tx.Now().Add(AuthorizationCodeTTL)}
		if err := tx.DeleteExpiredAuthorizationCodes(ctx, ac.AccountID, ac.ApplicationID, tx.Now()); err != nil {
			return err
		}
		if err := tx.CreateAuthorizationCode(ctx, ac); err != nil {
			return err
		}
		out = &Authorization{RedirectURI: c.RedirectURI, Code: code, State: req.State}
		return nil
	})
	return out, err
}

func checkAuthorization(ctx context.Context, tx inbox.Tx, req AuthorizeRequest) (*Consent, error) {
	show := func(name, desc string) error { return &AuthorizeError{Name: name, Description: desc} }
	if req.ClientID == "" {
		return nil, show("invalid_request", "The request is missing the client_id parameter.")
	}
	app, err := tx.FindApplicationByClientID(ctx, req.ClientID)
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return nil, show("invalid_client", "The client_id names no application.")
	} else if err != nil {
		return nil, err
	}
	registered := app.RedirectURIs()
	redirect := req.RedirectURI
	switch {
	case len(registered) == 0:
		return nil, show("invalid_request", "The application has no registered redirect URI.")
	case redirect == "" && len(registered) == 1:
		redirect = registered[0]
	case redirect == "":
		return nil, show("invalid_request", "The request is missing the redirect_uri parameter.")
	case !slices.Contains(registered, redirect):
		return nil, show("invalid_request", "The redirect_uri is not one the application registered.")
	}
	back := func(name, desc string) error {
		return &AuthorizeError{RedirectURI: redirect, State: req.State, Name: name, Description: desc}
	}
	switch req.ResponseType {
	case "code":
	case "":
		return nil, back("invalid_request", "The request is missing the response_type parameter.")
	default:
		return nil, back("unsupported_response_type", "The authorization server supports only response_type=code.")
	}
	scopes := app.Scopes
	if req.Scope != "" {
		if scopes, err = grantScopes(app, req.Scope); err != nil {
			return nil, back("invalid_scope", "The requested scope is invalid, unknown, or exceeds the application's scopes.")
		}
	}
	switch {
	case req.CodeChallenge == "" && req.CodeChallengeMethod != "":
		return nil, back("invalid_request", "The request has a code_challenge_method without a code_challenge.")
	case req.CodeChallenge == "" && app.Public:
		return nil, back("invalid_request", "A public client must use PKCE: code_challenge is required.")
	case req.CodeChallenge != "" && req.CodeChallengeMethod != "S256":
		return nil, back("invalid_request", "Only the S256 code_challenge_method is supported.")
	case req.CodeChallenge != "" && !validChallenge(req.CodeChallenge):
		return nil, back("invalid_request", "The code_challenge is not a base64url-encoded SHA-256 hash.")
	}
	p := inbox.PrincipalFromContext(ctx)
	if p == nil || p.Host == nil {
		return nil, inbox.Errorf(inbox.EUNAUTHORIZED, msgSignedOut)
	}
	if p.AccountID != app.AccountID || p.Host.Role != inbox.RoleAdministrator {
		return nil, back("access_denied", "Only an administrator of the application's account can authorize it.")
	}
	return &Consent{Application: app, Scopes: scopes, RedirectURI: redirect}, nil
}

// validChallenge reports whether s is an S256 challenge: the base64url
// encoding (no padding) of 32 bytes.
func validChallenge(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == sha256.Size
}

// validVerifier reports whether s is a PKCE code verifier (RFC 7636 §4.1).
func validVerifier(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for _, r := range s {
		ok := r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' || r == '~'
		if !ok {
			return false
		}
	}
	return true
}

// ExchangeCode is the authorization_code grant of the token endpoint: a
// code is exchanged once, by the application it was issued to, with the
// same redirect_uri as its request and, when the request had a PKCE
// challenge, the verifier that hashes to it. A code presented a second time
// revokes the token it was exchanged for (RFC 6749 §4.1.2). The token comes
// with a refresh token.
func (a *App) ExchangeCode(ctx context.Context, clientID, secret, code, redirectURI, verifier string) (*TokenGrant, error) {
	if code == "" {
		return nil, oauthError(inbox.EINVALID, "invalid_request", "The request is missing the code parameter.")
	}
	var g *TokenGrant
	var revoked int64
	defer func() { a.auth.forget(revoked) }()
	var replay bool
	err := a.store.Update(ctx, func(tx inbox.Tx) error {
		replay = false
		app, err := clientApp(ctx, tx, clientID, secret)
		if err != nil {
			return err
		}
		hash := auth.Hash(code)
		ac, err := tx.FindAuthorizationCodeByHash(ctx, hash)
		if inbox.ErrorCode(err) == inbox.ENOTFOUND {
			return errInvalidGrant
		} else if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare(ac.CodeHash, hash) != 1 || ac.ApplicationID != app.ID || ac.AccountID != app.AccountID {
			return errInvalidGrant
		}
		if ac.UsedAt != nil {
			// Someone replays a code: what it gave out is no longer safe.
			if ac.TokenID != nil {
				err := revokeToken(ctx, tx, &inbox.AccessToken{AccountID: ac.AccountID, ID: *ac.TokenID})
				if err == nil {
					revoked = *ac.TokenID
				} else if inbox.ErrorCode(err) != inbox.ENOTFOUND { // ENOTFOUND: already revoked
					return err
				}
			}
			replay = true
			return nil
		}
		if !tx.Now().Before(ac.ExpiresAt) || ac.RedirectURI != redirectURI {
			return errInvalidGrant
		}
		if ac.CodeChallenge == "" && verifier != "" || ac.CodeChallenge != "" && !pkceMatches(verifier, ac.CodeChallenge) {
			return errInvalidGrant
		}
		if h, err := tx.FindHostByID(ctx, ac.AccountID, ac.HostID); err != nil || h.DeletedAt != nil {
			if err != nil && inbox.ErrorCode(err) != inbox.ENOTFOUND {
				return err
			}
			return errInvalidGrant
		}
		if g, err = a.issue(ctx, tx, app.AccountID, &app.ID, ac.Scopes, true, 0); err != nil {
			return err
		}
		return tx.UseAuthorizationCode(ctx, ac.AccountID, ac.ID, g.Token.ID)
	})
	if err == nil && replay {
		// The revocation committed; the request itself still fails.
		return nil, errInvalidGrant
	}
	return g, err
}

// pkceMatches reports whether verifier hashes to an S256 challenge.
func pkceMatches(verifier, challenge string) bool {
	if !validVerifier(verifier) {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}
