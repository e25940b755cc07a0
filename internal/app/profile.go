package app

import (
	"context"
	"strconv"

	inbox "github.com/inboxd/inbox"
)

// Profile is the caller as a Chatwoot user sees itself: its host, its
// account and the token it subscribes to realtime updates with.
type Profile struct {
	Host    *inbox.Host
	Account *inbox.Account
	// PubSubToken is the host's realtime subscription token: derived from
	// the server key, the account and the host, so every node computes the
	// same one and VerifyPubSubToken checks it without storing anything.
	PubSubToken string
}

// pubsubPurpose binds pubsub tokens to their use (see secret.Key.Token).
const pubsubPurpose = "chatwoot pubsub_token"

// PubSubToken returns a host's realtime subscription token.
func (a *App) PubSubToken(h *inbox.Host) string {
	return a.secret.Token(pubsubPurpose, strconv.FormatInt(h.AccountID, 10), strconv.FormatInt(h.ID, 10))
}

// VerifyPubSubToken reports, in constant time, whether token is the pubsub
// token of that host of that account.
func (a *App) VerifyPubSubToken(token string, accountID, hostID int64) bool {
	return a.secret.Verify(token, pubsubPurpose, strconv.FormatInt(accountID, 10), strconv.FormatInt(hostID, 10))
}

// GetProfile returns the caller's profile. Only a host (a personal token)
// has one.
func (a *App) GetProfile(ctx context.Context) (*Profile, error) {
	return viewAs(ctx, a, inbox.ScopePublic, func(l *Loader, p *inbox.Principal) (*Profile, error) {
		if p.Host == nil {
			return nil, inbox.Errorf(inbox.EUNAUTHORIZED, "Invalid Access Token")
		}
		h, err := l.host(p.Host.ID)
		if err != nil {
			return nil, err
		}
		acc, err := l.Account()
		if err != nil {
			return nil, err
		}
		return &Profile{Host: h, Account: acc, PubSubToken: a.PubSubToken(h)}, nil
	})
}
