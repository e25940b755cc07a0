package app

import (
	"context"
	"fmt"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/auth"
)

// Admin holds the administrative use cases the command line runs: they act
// on an explicit account and need no principal, so they are not methods of
// App, which the HTTP dialects hold. A handler cannot reach them by a typo;
// only code that builds an Admin (cmd/inboxd, tools, tests) can.
type Admin struct {
	app *App
}

// NewAdmin returns the administrative use cases over a's store.
func NewAdmin(a *App) *Admin { return &Admin{app: a} }

// CreateAccount creates an account with its default API inbox.
func (ad *Admin) CreateAccount(ctx context.Context, acc *inbox.Account) error {
	if acc.Status == "" {
		acc.Status = inbox.AccountTrial
	}
	if acc.Locale == "" {
		acc.Locale = "en"
	}
	if err := acc.Validate(); err != nil {
		return err
	}
	return ad.app.store.Update(ctx, func(tx inbox.Tx) error {
		if err := tx.CreateAccount(ctx, acc); err != nil {
			return err
		}
		return tx.CreateInbox(ctx, &inbox.Inbox{AccountID: acc.ID, Name: "API", Channel: inbox.ChannelAPI})
	})
}

// FindAccount returns one account.
func (ad *Admin) FindAccount(ctx context.Context, id int64) (*inbox.Account, error) {
	var acc *inbox.Account
	err := ad.app.store.View(ctx, func(tx inbox.Tx) (err error) {
		acc, err = tx.FindAccountByID(ctx, id)
		return err
	})
	return acc, err
}

// CreateHostWithToken creates a host and its personal API token, returned in
// clear once. An agent becomes a member of inboxIDs, or of the account's
// default API inbox when none are given; administrators see every inbox.
func (ad *Admin) CreateHostWithToken(ctx context.Context, h *inbox.Host, inboxIDs []int64) (string, error) {
	if h.Role == "" {
		h.Role = inbox.RoleAgent
	}
	if h.Availability == "" {
		h.Availability = "online"
	}
	h.AutoOffline = true // Chatwoot's default for a new agent
	if err := h.Validate(); err != nil {
		return "", err
	}
	token, hash := auth.NewSecret()
	err := ad.app.store.Update(ctx, func(tx inbox.Tx) error {
		if _, err := tx.FindAccountByID(ctx, h.AccountID); err != nil {
			return err
		}
		if err := checkHostEmail(ctx, tx, h.AccountID, 0, h.Email); err != nil {
			return err
		}
		if err := tx.CreateHost(ctx, h); err != nil {
			return err
		}
		if err := addMemberships(ctx, tx, h, inboxIDs); err != nil {
			return err
		}
		return tx.CreateAccessToken(ctx, &inbox.AccessToken{AccountID: h.AccountID, Kind: inbox.TokenPersonal,
			HostID: &h.ID, TokenHash: hash})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// checkHostEmail refuses an e-mail another host of the account (other than
// hostID) already has. The unique index hosts_account_email backs it against
// races.
func checkHostEmail(ctx context.Context, tx inbox.Tx, accountID, hostID int64, email string) error {
	if email == "" {
		return nil
	}
	other, err := tx.FindHostByEmail(ctx, accountID, email)
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if other.ID != hostID {
		return inbox.FieldError("email", inbox.MsgTaken)
	}
	return nil
}

func addMemberships(ctx context.Context, tx inbox.Tx, h *inbox.Host, inboxIDs []int64) error {
	if len(inboxIDs) == 0 {
		def, err := tx.FindInboxByChannel(ctx, h.AccountID, inbox.ChannelAPI)
		if inbox.ErrorCode(err) == inbox.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		inboxIDs = []int64{def.ID}
	}
	for _, id := range inboxIDs {
		if _, err := tx.FindInboxByID(ctx, h.AccountID, id); err != nil {
			return asInvalid(err, "inbox_id")
		}
		if err := tx.AddInboxMember(ctx, h.AccountID, id, h.ID); err != nil {
			return err
		}
	}
	return nil
}

// CreateInbox creates an inbox in an account.
func (ad *Admin) CreateInbox(ctx context.Context, i *inbox.Inbox) error {
	if i.ReplyWindowHours == 0 {
		i.ReplyWindowHours = inbox.DefaultReplyWindow(i.Channel)
	}
	if err := i.Validate(); err != nil {
		return err
	}
	return ad.app.store.Update(ctx, func(tx inbox.Tx) error {
		if _, err := tx.FindAccountByID(ctx, i.AccountID); err != nil {
			return err
		}
		if err := tx.CreateInbox(ctx, i); err != nil {
			return err
		}
		return ad.app.syncInboxWebhook(ctx, tx, i)
	})
}

// AddInboxMember makes a host a member of an inbox.
func (ad *Admin) AddInboxMember(ctx context.Context, accountID, inboxID, hostID int64) error {
	return ad.app.store.Update(ctx, func(tx inbox.Tx) error {
		h, err := tx.FindHostByID(ctx, accountID, hostID)
		if err != nil {
			return err
		}
		return addMemberships(ctx, tx, h, []int64{inboxID})
	})
}

// CreateClient creates a client (guest) in an explicit account.
func (ad *Admin) CreateClient(ctx context.Context, c *inbox.Client) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return ad.app.store.Update(ctx, func(tx inbox.Tx) error {
		if _, err := tx.FindAccountByID(ctx, c.AccountID); err != nil {
			return err
		}
		if err := tx.CreateClient(ctx, c); err != nil {
			return err
		}
		return emit(ctx, tx, nil, inbox.Event{AccountID: c.AccountID, Type: inbox.EventClientCreated, SubjectID: c.ID})
	})
}

// CreateApplication registers an OAuth application in an account and returns
// its client secret in clear, once.
func (ad *Admin) CreateApplication(ctx context.Context, app *inbox.Application) (string, error) {
	if isBlank(app.Name) {
		return "", inbox.FieldError("name", inbox.MsgBlank)
	}
	if err := validateRedirectURIs(app.RedirectURI); err != nil {
		return "", err
	}
	app.ClientID = auth.NewClientID()
	secret := ad.app.newClientSecret(app)
	err := ad.app.store.Update(ctx, func(tx inbox.Tx) error {
		if _, err := tx.FindAccountByID(ctx, app.AccountID); err != nil {
			return err
		}
		return tx.CreateApplication(ctx, app)
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// TokenGrant is an issued OAuth token pair, in clear (shown once).
type TokenGrant struct {
	AccessToken  string
	RefreshToken string // "" when the grant gives none
	ExpiresIn    time.Duration
	Scopes       inbox.Scopes
	CreatedAt    time.Time
	Token        *inbox.AccessToken
}

// CreateToken issues a BookingSync access token in an account. Every token
// belongs to an application, so what it creates names its creator: without
// appID the account's only application is used (an account with none, or
// with several, must name one). With an explicit application the token comes
// with a refresh token (what the authorization-code flow would hand out).
// expiresIn 0 means the default lifetime, negative means never.
func (ad *Admin) CreateToken(ctx context.Context, accountID int64, scopes inbox.Scopes, appID *int64, expiresIn time.Duration) (*TokenGrant, error) {
	var g *TokenGrant
	err := ad.app.store.Update(ctx, func(tx inbox.Tx) error {
		if _, err := tx.FindAccountByID(ctx, accountID); err != nil {
			return err
		}
		refresh := appID != nil
		var app *inbox.Application
		if appID != nil {
			var err error
			if app, err = tx.FindApplicationByID(ctx, accountID, *appID); err != nil {
				return asInvalid(err, "app")
			}
		} else {
			apps, err := tx.FindApplications(ctx, accountID)
			if err != nil {
				return err
			}
			switch len(apps) {
			case 0:
				return inbox.FieldError("app", "is required: the account has no application; create one with `inboxd apps create`")
			case 1:
				app = apps[0]
			default:
				return inbox.FieldError("app", fmt.Sprintf("is required: the account has %d applications; name one with --app", len(apps)))
			}
		}
		for _, s := range scopes {
			if !app.Scopes.Has(s) {
				return inbox.FieldError("scopes", "exceed the application's scopes")
			}
		}
		var err error
		g, err = ad.app.issue(ctx, tx, accountID, &app.ID, scopes, refresh, expiresIn)
		return err
	})
	return g, err
}

// issue creates an access token (and optionally a refresh token) inside tx.
func (a *App) issue(ctx context.Context, tx inbox.Tx, accountID int64, appID *int64, scopes inbox.Scopes, refresh bool, expiresIn time.Duration) (*TokenGrant, error) {
	if expiresIn == 0 {
		expiresIn = a.tokenLifetime
	}
	token, hash := auth.NewSecret()
	t := &inbox.AccessToken{AccountID: accountID, Kind: inbox.TokenOAuth, ApplicationID: appID, TokenHash: hash, Scopes: scopes}
	if expiresIn > 0 {
		t.ExpiresAt = ptr(tx.Now().Add(expiresIn))
	}
	g := &TokenGrant{AccessToken: token, ExpiresIn: expiresIn, Scopes: scopes, CreatedAt: tx.Now(), Token: t}
	if refresh {
		g.RefreshToken, t.RefreshHash = auth.NewSecret()
	}
	if err := tx.CreateAccessToken(ctx, t); err != nil {
		return nil, err
	}
	return g, nil
}

func isBlank(s string) bool {
	for _, r := range s {
		if r != ' ' && r != '\t' && r != '\n' && r != '\r' {
			return false
		}
	}
	return true
}
