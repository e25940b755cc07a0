package app

import (
	"context"
	"crypto/subtle"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/auth"
)

// Signing in to the web inbox: hosts' passwords, invitations to set one,
// and sessions. Every rule of it lives here; the web package only carries
// cookies and forms.

// Password length rules, in characters (Unicode code points), as NIST SP
// 800-63B counts them: long enough to resist guessing, with no composition
// rules, and a bound that keeps hashing cheap to refuse.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 128
)

// Session and invitation lifetimes.
const (
	// DefaultSessionIdle ends a session nobody used for this long.
	DefaultSessionIdle = 12 * time.Hour
	// DefaultSessionLifetime ends a session this long after sign-in,
	// however active it is.
	DefaultSessionLifetime = 14 * 24 * time.Hour
	// DefaultInvitationTTL is how long an invitation link works.
	DefaultInvitationTTL = 72 * time.Hour
	// sessionTouchEvery is how stale last_seen_at may get before a request
	// writes it again: often enough for the idle timeout, rarely enough
	// that reading pages costs no writes.
	sessionTouchEvery = time.Minute
)

// Sign-in attempts allowed per window, counted in the store so that every
// node shares the counters: per e-mail address (guessing one host's
// password) and per client address (trying many hosts from one place).
const (
	signInWindow        = 15 * time.Minute
	signInPerEmail      = 10
	signInPerAddress    = 100
	passwordHashWorkers = 4
)

// maxEmailBytes bounds an e-mail address that can be a host's (RFC 5321's
// 64-octet local part, "@" and 255-octet domain).
const maxEmailBytes = 320

// Messages of sign-in failures. One message for an unknown e-mail, a host
// without a password and a wrong password: the answer never tells which
// e-mail addresses have an account.
const (
	msgBadCredentials = "Invalid e-mail or password."
	msgBadInvitation  = "This invitation link is invalid, was already used or has expired."
	msgSignedOut      = "Your session has ended. Please sign in again."
)

// ValidatePassword applies the length rules.
func ValidatePassword(pw string) error {
	if !utf8.ValidString(pw) || strings.ContainsRune(pw, 0) {
		return inbox.FieldError("password", inbox.MsgInvalid)
	}
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLength {
		return inbox.FieldError("password", fmt.Sprintf("is too short (minimum is %d characters)", MinPasswordLength))
	}
	if n > MaxPasswordLength {
		return inbox.FieldError("password", fmt.Sprintf("is too long (maximum is %d characters)", MaxPasswordLength))
	}
	return nil
}

// hashPassword runs argon2id with at most passwordHashWorkers at a time:
// each takes 19 MiB, so a burst of sign-ins waits instead of taking the
// node's memory.
func (a *App) hashPassword(ctx context.Context, fn func()) error {
	select {
	case a.hashing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-a.hashing }()
	fn()
	return nil
}

// SetPassword gives a host a password and ends its sessions: a new password
// signs the host out everywhere.
func (ad *Admin) SetPassword(ctx context.Context, accountID, hostID int64, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	var hash string
	if err := ad.app.hashPassword(ctx, func() { hash = auth.HashPassword(password) }); err != nil {
		return err
	}
	return ad.app.store.Update(ctx, func(tx inbox.Tx) error {
		h, err := tx.FindHostByID(ctx, accountID, hostID)
		if err != nil {
			return err
		}
		if h.DeletedAt != nil {
			return inbox.NotFound("Host")
		}
		return setPassword(ctx, tx, h, hash)
	})
}

func setPassword(ctx context.Context, tx inbox.Tx, h *inbox.Host, hash string) error {
	if err := tx.SetHostPassword(ctx, h.AccountID, h.ID, hash); err != nil {
		return err
	}
	return tx.DeleteHostSessions(ctx, h.AccountID, h.ID, nil)
}

// Invite creates a one-time invitation for a host to set its password and
// returns its token (shown once). The host needs an e-mail address: it is
// what it signs in with.
func (ad *Admin) Invite(ctx context.Context, accountID, hostID int64, ttl time.Duration) (string, time.Time, error) {
	if ttl <= 0 {
		ttl = DefaultInvitationTTL
	}
	token, hash := auth.NewSecret()
	var expires time.Time
	err := ad.app.store.Update(ctx, func(tx inbox.Tx) error {
		h, err := tx.FindHostByID(ctx, accountID, hostID)
		if err != nil {
			return err
		}
		if h.DeletedAt != nil {
			return inbox.NotFound("Host")
		}
		if h.Email == "" {
			return inbox.FieldError("email", "is blank: the host signs in with its e-mail address")
		}
		inv := &inbox.Invitation{AccountID: accountID, HostID: hostID, TokenHash: hash, ExpiresAt: tx.Now().Add(ttl)}
		expires = inv.ExpiresAt
		return tx.CreateInvitation(ctx, inv)
	})
	return token, expires, err
}

// InvitationView is what the page of an invitation shows.
type InvitationView struct {
	Host    *inbox.Host
	Account *inbox.Account
}

// findInvitation returns a usable invitation and its host, or ENOTFOUND.
func findInvitation(ctx context.Context, tx inbox.Tx, token string) (*inbox.Invitation, *inbox.Host, error) {
	bad := inbox.Errorf(inbox.ENOTFOUND, msgBadInvitation)
	if token == "" {
		return nil, nil, bad
	}
	hash := auth.Hash(token)
	inv, err := tx.FindInvitationByHash(ctx, hash)
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return nil, nil, bad
	} else if err != nil {
		return nil, nil, err
	}
	if subtle.ConstantTimeCompare(inv.TokenHash, hash) != 1 || inv.UsedAt != nil || !tx.Now().Before(inv.ExpiresAt) {
		return nil, nil, bad
	}
	h, err := tx.FindHostByID(ctx, inv.AccountID, inv.HostID)
	if inbox.ErrorCode(err) == inbox.ENOTFOUND || err == nil && h.DeletedAt != nil {
		return nil, nil, bad
	}
	return inv, h, err
}

// Invitation returns the host and account an invitation is for; ENOTFOUND
// when it is unknown, used or expired.
func (a *App) Invitation(ctx context.Context, token string) (*InvitationView, error) {
	var v InvitationView
	err := a.store.View(ctx, func(tx inbox.Tx) error {
		_, h, err := findInvitation(ctx, tx, token)
		if err != nil {
			return err
		}
		v.Host = h
		v.Account, err = tx.FindAccountByID(ctx, h.AccountID)
		return err
	})
	return &v, err
}

// SessionGrant is a new session: the cookie's value (shown once) and the
// record.
type SessionGrant struct {
	Token   string
	Session *inbox.Session
	Host    *inbox.Host
}

// Client describes where a sign-in comes from.
type Client struct {
	Address   string
	UserAgent string
}

// AcceptInvitation sets the invited host's password, uses up the
// invitation, ends the host's other sessions and signs it in.
func (a *App) AcceptInvitation(ctx context.Context, token, password string, from Client) (*SessionGrant, error) {
	if err := ValidatePassword(password); err != nil {
		return nil, err
	}
	var hash string
	if err := a.hashPassword(ctx, func() { hash = auth.HashPassword(password) }); err != nil {
		return nil, err
	}
	var g *SessionGrant
	err := a.store.Update(ctx, func(tx inbox.Tx) error {
		inv, h, err := findInvitation(ctx, tx, token)
		if err != nil {
			return err
		}
		if err := tx.UseInvitation(ctx, inv.AccountID, inv.ID); err != nil {
			return asNotFound(err, msgBadInvitation)
		}
		if err := setPassword(ctx, tx, h, hash); err != nil {
			return err
		}
		g, err = a.openSession(ctx, tx, h, from)
		return err
	})
	return g, err
}

func asNotFound(err error, msg string) error {
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return &inbox.Error{Code: inbox.ENOTFOUND, Message: msg}
	}
	return err
}

// SignIn checks an e-mail address and password and opens a session for the
// host they name. Attempts are counted per e-mail address and per client
// address before anything is checked; past the limit the answer is
// ERATELIMITED whatever the password. Hosts of several accounts may share
// an e-mail address: the oldest host whose password matches signs in.
func (a *App) SignIn(ctx context.Context, email, password string, from Client) (*SessionGrant, error) {
	email = strings.TrimSpace(email)
	possible := email != "" && len(email) <= maxEmailBytes
	counted := email
	if !possible {
		// No host has this e-mail: the attempt counts against the address
		// only, so that a client cannot write counter rows keyed by
		// kilobytes of its own text.
		counted = ""
	}
	if err := a.countSignIn(ctx, counted, from.Address); err != nil {
		return nil, err
	}
	bad := inbox.Errorf(inbox.EUNAUTHORIZED, msgBadCredentials)
	if !possible || password == "" || len(password) > 4*MaxPasswordLength {
		return nil, bad
	}
	type candidate struct {
		host *inbox.Host
		hash string
	}
	var cands []candidate
	err := a.store.View(ctx, func(tx inbox.Tx) error {
		hosts, err := tx.FindHostsByEmail(ctx, email)
		if err != nil {
			return err
		}
		for _, h := range hosts {
			hash, err := tx.FindHostPassword(ctx, h.AccountID, h.ID)
			if inbox.ErrorCode(err) == inbox.ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
			cands = append(cands, candidate{h, hash})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var host *inbox.Host
	err = a.hashPassword(ctx, func() {
		if len(cands) == 0 {
			auth.VerifyNothing(password)
		}
		for _, c := range cands {
			if ok, err := auth.VerifyPassword(password, c.hash); err != nil {
				a.log.Error("unreadable password hash", "account_id", c.host.AccountID, "host_id", c.host.ID, "err", err)
			} else if ok {
				host = c.host
				return
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if host == nil {
		return nil, bad
	}
	var g *SessionGrant
	err = a.store.Update(ctx, func(tx inbox.Tx) error {
		acc, err := tx.FindAccountByID(ctx, host.AccountID)
		if err != nil {
			return err
		}
		if acc.Status == inbox.AccountSuspended {
			return inbox.Errorf(inbox.EFORBIDDEN, "This account is suspended.")
		}
		g, err = a.openSession(ctx, tx, host, from)
		return err
	})
	return g, err
}

// countSignIn counts an attempt against the shared per-e-mail and
// per-address counters and refuses it past either limit. An empty email
// counts against the address only.
func (a *App) countSignIn(ctx context.Context, email, address string) error {
	var byEmail, byAddress int
	now := time.Now().UTC()
	window := now.Truncate(signInWindow)
	err := a.store.Update(ctx, func(tx inbox.Tx) (err error) {
		if email != "" {
			if byEmail, err = tx.HitRateLimit(ctx, "signin:email:"+strings.ToLower(email), window, 1); err != nil {
				return err
			}
		}
		if address != "" {
			byAddress, err = tx.HitRateLimit(ctx, "signin:address:"+address, window, 1)
		}
		return err
	})
	if err != nil {
		return err
	}
	if byEmail > signInPerEmail || byAddress > signInPerAddress {
		wait := window.Add(signInWindow).Sub(now)
		return &inbox.Error{Code: inbox.ERATELIMITED, Message: fmt.Sprintf(
			"Too many sign-in attempts. Try again in %d minutes.", int(wait.Minutes())+1)}
	}
	return nil
}

// openSession creates a session for a host, first dropping the host's
// sessions that ended (so they do not pile up).
func (a *App) openSession(ctx context.Context, tx inbox.Tx, h *inbox.Host, from Client) (*SessionGrant, error) {
	stale := tx.Now().Add(-a.sessionIdle)
	if err := tx.DeleteHostSessions(ctx, h.AccountID, h.ID, &stale); err != nil {
		return nil, err
	}
	token, hash := auth.NewSecret()
	s := &inbox.Session{AccountID: h.AccountID, HostID: h.ID, TokenHash: hash, Address: clip(from.Address, 64),
		UserAgent: clip(from.UserAgent, 512), ExpiresAt: tx.Now().Add(a.sessionLifetime)}
	if err := tx.CreateSession(ctx, s); err != nil {
		return nil, err
	}
	return &SessionGrant{Token: token, Session: s, Host: h}, nil
}

// clip shortens s to at most n bytes on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// AuthenticateSession resolves a session cookie to its host's principal.
// Unknown, ended (idle too long, past its lifetime) and signed-out sessions,
// removed hosts and suspended accounts are EUNAUTHORIZED. A session used
// after a minute's pause has its last use recorded.
func (a *App) AuthenticateSession(ctx context.Context, token string) (*inbox.Principal, error) {
	return a.session(ctx, token, true)
}

// SessionAlive checks a session as AuthenticateSession does without
// counting it as a use: what a page's open event stream asks now and then,
// so that a tab left open does not keep its session from the idle timeout.
func (a *App) SessionAlive(ctx context.Context, token string) error {
	_, err := a.session(ctx, token, false)
	return err
}

func (a *App) session(ctx context.Context, token string, use bool) (*inbox.Principal, error) {
	signedOut := inbox.Errorf(inbox.EUNAUTHORIZED, msgSignedOut)
	if token == "" || len(token) > 128 {
		return nil, signedOut
	}
	hash := auth.Hash(token)
	var s *inbox.Session
	var p *inbox.Principal
	ended, touch := false, false
	err := a.store.View(ctx, func(tx inbox.Tx) error {
		var err error
		s, err = tx.FindSessionByHash(ctx, hash)
		if inbox.ErrorCode(err) == inbox.ENOTFOUND {
			return signedOut
		} else if err != nil {
			return err
		}
		now := tx.Now()
		if subtle.ConstantTimeCompare(s.TokenHash, hash) != 1 {
			return signedOut
		}
		if !now.Before(s.ExpiresAt) || !now.Before(s.LastSeenAt.Add(a.sessionIdle)) {
			ended = true
			return signedOut
		}
		h, err := tx.FindHostByID(ctx, s.AccountID, s.HostID)
		if inbox.ErrorCode(err) == inbox.ENOTFOUND || err == nil && h.DeletedAt != nil {
			ended = true
			return signedOut
		} else if err != nil {
			return err
		}
		acc, err := tx.FindAccountByID(ctx, s.AccountID)
		if err != nil {
			return err
		}
		if acc.Status == inbox.AccountSuspended {
			return signedOut
		}
		p = &inbox.Principal{AccountID: s.AccountID, TokenID: s.ID, Kind: inbox.TokenSession, Host: h, Name: h.Name()}
		touch = use && now.Sub(s.LastSeenAt) >= sessionTouchEvery
		return nil
	})
	if ended {
		// Forget the session for good; a failure here changes nothing.
		a.store.Update(ctx, func(tx inbox.Tx) error { return tx.DeleteSession(ctx, s.AccountID, s.ID) })
	}
	if err != nil {
		return nil, err
	}
	if touch {
		if err := a.store.Update(ctx, func(tx inbox.Tx) error { return tx.TouchSession(ctx, s.AccountID, s.ID) }); err != nil &&
			inbox.ErrorCode(err) != inbox.ENOTFOUND {
			return nil, err
		}
	}
	return p, nil
}

// session returns the caller's session id, or EUNAUTHORIZED for a caller
// that did not sign in with a session.
func session(ctx context.Context) (*inbox.Principal, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if p.Kind != inbox.TokenSession || p.Host == nil {
		return nil, inbox.Errorf(inbox.EUNAUTHORIZED, msgSignedOut)
	}
	return p, nil
}

// SignOut ends the caller's session.
func (a *App) SignOut(ctx context.Context) error {
	p, err := session(ctx)
	if err != nil {
		return err
	}
	return a.store.Update(ctx, func(tx inbox.Tx) error { return tx.DeleteSession(ctx, p.AccountID, p.TokenID) })
}

// SignOutEverywhere ends every session of the caller's host, on every
// device and every node.
func (a *App) SignOutEverywhere(ctx context.Context) error {
	p, err := session(ctx)
	if err != nil {
		return err
	}
	return a.store.Update(ctx, func(tx inbox.Tx) error {
		return tx.DeleteHostSessions(ctx, p.AccountID, p.Host.ID, nil)
	})
}

// csrfPurpose binds CSRF tokens to their use (see secret.Key.Token).
const csrfPurpose = "web csrf"

// CSRFToken returns the token every form of a session carries: derived
// from the server key and the session, so every node computes the same one
// and nothing is stored.
func (a *App) CSRFToken(p *inbox.Principal) string {
	return a.secret.Token(csrfPurpose, strconv.FormatInt(p.AccountID, 10), strconv.FormatInt(p.TokenID, 10))
}

// VerifyCSRF reports, in constant time, whether token is the session's.
func (a *App) VerifyCSRF(p *inbox.Principal, token string) bool {
	return p != nil && p.Kind == inbox.TokenSession && token != "" &&
		a.secret.Verify(token, csrfPurpose, strconv.FormatInt(p.AccountID, 10), strconv.FormatInt(p.TokenID, 10))
}
