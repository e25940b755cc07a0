package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/sqlstore"
	"github.com/inboxd/inbox/internal/version"
)

// The commands below print one JSON object on success. They act through
// internal/app only; the store is opened, never queried directly.

func runServe(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	cfg.RegisterServerFlags(fs)
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	m := &Main{Config: *cfg, Logger: newLogger(*cfg, c.stderr)}
	return serve(ctx, m)
}

func runMigrate(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	status := fs.Bool("status", false, "list applied and pending migrations without applying any")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *status {
		if err := cfg.ValidateDatabase(); err != nil {
			return err
		}
		engine, ms, err := sqlstore.MigrationStatus(ctx, cfg.DSN())
		if err != nil {
			return fmt.Errorf("open database %s: %w", cfg.RedactedDSN(), err)
		}
		var pending []string
		unknown := []string{}
		for _, mg := range ms {
			if !mg.Applied {
				pending = append(pending, mg.Name)
			} else if !mg.Known {
				unknown = append(unknown, mg.Name)
			}
		}
		return c.print(map[string]any{
			"engine":     engine,
			"database":   cfg.RedactedDSN(),
			"migrations": ms,
			"pending":    len(pending),
			// Migrations a newer inboxd applied: this binary refuses to start.
			"unknown": unknown,
		})
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	names, err := sqlstore.MigrationNames(m.Store.Engine())
	if err != nil {
		return err
	}
	return c.print(map[string]any{
		"engine":     m.Store.Engine(),
		"database":   cfg.RedactedDSN(),
		"migrations": names,
	})
}

func runVersion(ctx context.Context, c *cli, args []string) error {
	fs := flag.NewFlagSet("inboxd version", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := c.parse(fs, args); err != nil {
		return err
	}
	return c.print(version.Get())
}

// runVersionLine answers "inboxd --version" with one line.
func runVersionLine(ctx context.Context, c *cli, args []string) error {
	_, err := fmt.Fprintln(c.stdout, version.Get().String())
	return err
}

func runAccountsCreate(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	name := fs.String("name", "", "name of the account (required)")
	email := fs.String("email", "", "contact e-mail of the account")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required("name", *name); err != nil {
		return err
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	acc := &inbox.Account{Name: strings.TrimSpace(*name), Email: strings.TrimSpace(*email)}
	if err := m.Admin.CreateAccount(ctx, acc); err != nil {
		return err
	}
	return c.print(map[string]any{
		"id":         acc.ID,
		"name":       acc.Name,
		"email":      acc.Email,
		"status":     acc.Status,
		"locale":     acc.Locale,
		"created_at": timeJSON(acc.CreatedAt),
	})
}

func runHostsCreate(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	account := accountFlag(fs)
	first := fs.String("firstname", "", "first name (required)")
	last := fs.String("lastname", "", "last name (required)")
	email := fs.String("email", "", "e-mail address (required)")
	role := fs.String("role", inbox.RoleAgent, "administrator or agent")
	var inboxes idList
	fs.Var(&inboxes, "inbox", "id of an inbox an agent works in; repeat or comma-separate (default: the account's API inbox)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := needAccount(*account); err != nil {
		return err
	}
	if err := required("firstname", *first, "lastname", *last, "email", *email); err != nil {
		return err
	}
	if *role != inbox.RoleAdministrator && *role != inbox.RoleAgent {
		return usagef("--role must be administrator or agent, not %q", *role)
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := checkAccount(ctx, m.Admin, *account); err != nil {
		return err
	}
	h := &inbox.Host{AccountID: *account, Firstname: strings.TrimSpace(*first), Lastname: strings.TrimSpace(*last),
		Email: strings.TrimSpace(*email), Role: *role}
	token, err := m.Admin.CreateHostWithToken(ctx, h, inboxes)
	if inbox.ErrorField(err) == "email" && inbox.ErrorMessage(err) == inbox.MsgTaken {
		return fmt.Errorf("account %d already has a host with e-mail %s", *account, h.Email)
	} else if err != nil {
		return err
	}
	out := map[string]any{
		"id":               h.ID,
		"account_id":       h.AccountID,
		"firstname":        h.Firstname,
		"lastname":         h.Lastname,
		"email":            h.Email,
		"role":             h.Role,
		"api_access_token": token,
		"created_at":       timeJSON(h.CreatedAt),
	}
	if len(inboxes) > 0 {
		out["inbox_ids"] = []int64(inboxes)
	}
	return c.print(out)
}

func runClientsCreate(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	account := accountFlag(fs)
	fullname := fs.String("fullname", "", "full name (required)")
	email := fs.String("email", "", "e-mail address")
	phone := fs.String("phone", "", "phone number")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := needAccount(*account); err != nil {
		return err
	}
	if err := required("fullname", *fullname); err != nil {
		return err
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := checkAccount(ctx, m.Admin, *account); err != nil {
		return err
	}
	cl := &inbox.Client{AccountID: *account, Fullname: strings.TrimSpace(*fullname), Email: strings.TrimSpace(*email),
		Phone: strings.TrimSpace(*phone)}
	if err := m.Admin.CreateClient(ctx, cl); err != nil {
		return err
	}
	return c.print(map[string]any{
		"id":         cl.ID,
		"account_id": cl.AccountID,
		"fullname":   cl.Fullname,
		"email":      cl.Email,
		"phone":      cl.Phone,
		"created_at": timeJSON(cl.CreatedAt),
	})
}

func runInboxesCreate(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	account := accountFlag(fs)
	name := fs.String("name", "", "name of the inbox (required)")
	channel := fs.String("channel", "", "channel: "+strings.Join(inbox.InboxChannels, ", ")+" (required)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := needAccount(*account); err != nil {
		return err
	}
	if err := required("name", *name, "channel", *channel); err != nil {
		return err
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := checkAccount(ctx, m.Admin, *account); err != nil {
		return err
	}
	box := &inbox.Inbox{AccountID: *account, Name: strings.TrimSpace(*name), Channel: *channel}
	if err := m.Admin.CreateInbox(ctx, box); err != nil {
		if inbox.ErrorField(err) == "channel" {
			return fmt.Errorf("--channel %q is not one of %s", *channel, strings.Join(inbox.InboxChannels, ", "))
		}
		return err
	}
	return c.print(map[string]any{
		"id":                 box.ID,
		"account_id":         box.AccountID,
		"name":               box.Name,
		"channel":            box.Channel,
		"reply_window_hours": box.ReplyWindowHours,
		"created_at":         timeJSON(box.CreatedAt),
	})
}

func runAppsCreate(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	account := accountFlag(fs)
	name := fs.String("name", "", "name of the application (required)")
	scopeList := fs.String("scopes", "", "comma-separated scopes the application may request, e.g. inbox_read,inbox_write (required)")
	var redirect uriList
	fs.Var(&redirect, "redirect-uri", "redirect URI the authorization-code grant may send codes to (repeat for several)")
	public := fs.Bool("public", false, "a public client (a native or browser app): no secret, PKCE required")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := needAccount(*account); err != nil {
		return err
	}
	if err := required("name", *name, "scopes", *scopeList); err != nil {
		return err
	}
	scopes, err := parseScopes(*scopeList)
	if err != nil {
		return err
	}
	m, err := c.openIn(ctx, cfg, *account)
	if err != nil {
		return err
	}
	defer m.Close()
	a := &inbox.Application{AccountID: *account, Name: strings.TrimSpace(*name), Scopes: scopes,
		RedirectURI: strings.Join(redirect, "\n"), Public: *public}
	secret, err := m.Admin.CreateApplication(ctx, a)
	if err != nil {
		return err
	}
	out := appJSON(a)
	if !a.Public { // a public client has no secret to keep
		out["client_secret"] = secret
	}
	return c.print(out)
}

func runTokensCreate(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	account := accountFlag(fs)
	scopeList := fs.String("scopes", "", "comma-separated scopes, e.g. inbox_read,inbox_write (required)")
	appID := fs.Int64("app", 0, "id of the application the token belongs to (adds a refresh token)")
	expires := fs.String("expires-in", "", "lifetime such as 2h or 720h, or never (default 2h)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := needAccount(*account); err != nil {
		return err
	}
	if err := required("scopes", *scopeList); err != nil {
		return err
	}
	scopes, err := parseScopes(*scopeList)
	if err != nil {
		return err
	}
	lifetime, err := parseLifetime(*expires)
	if err != nil {
		return err
	}
	if *appID < 0 {
		return usagef("--app must be a positive application id")
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := checkAccount(ctx, m.Admin, *account); err != nil {
		return err
	}
	var appRef *int64
	if *appID > 0 {
		appRef = appID
	}
	g, err := m.Admin.CreateToken(ctx, *account, scopes, appRef, lifetime)
	if err != nil {
		if appRef != nil && inbox.ErrorField(err) == "app" {
			return fmt.Errorf("application %d not found in account %d", *appRef, *account)
		}
		return err
	}
	return c.print(tokenJSON(*account, g))
}

// parseScopes reads a comma- or space-separated list of scopes.
func parseScopes(s string) (inbox.Scopes, error) {
	scopes, err := inbox.ParseScopes(s)
	if err != nil {
		names := make([]string, len(inbox.KnownScopes))
		for i, k := range inbox.KnownScopes {
			names[i] = string(k)
		}
		return nil, usagef("--scopes: %s (known: %s)", inbox.ErrorMessage(err), strings.Join(names, ", "))
	}
	if len(scopes) == 0 {
		return nil, usagef("missing --scopes")
	}
	return scopes, nil
}

// parseLifetime reads --expires-in: "" is the default lifetime (0 for the
// app), "never" is no expiry (negative for the app).
func parseLifetime(s string) (time.Duration, error) {
	switch s {
	case "":
		return 0, nil
	case "never":
		return -1, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usagef("--expires-in %q: want a positive duration such as 2h or 720h, or never", s)
	}
	return d, nil
}

func scopeNames(ss inbox.Scopes) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// timeJSON renders a time the way both APIs' clients read it most easily.
func timeJSON(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// tokenJSON renders an issued token like an OAuth token response, plus the
// account and application it belongs to.
func tokenJSON(accountID int64, g *app.TokenGrant) map[string]any {
	out := map[string]any{
		"id":           g.Token.ID,
		"access_token": g.AccessToken,
		"token_type":   "Bearer",
		"scope":        g.Scopes.String(),
		"created_at":   g.CreatedAt.Unix(),
		"expires_in":   nil,
		"account_id":   accountID,
	}
	if g.ExpiresIn > 0 {
		out["expires_in"] = int64(g.ExpiresIn / time.Second)
	}
	if g.RefreshToken != "" {
		out["refresh_token"] = g.RefreshToken
	}
	if g.Token != nil && g.Token.ApplicationID != nil {
		out["application_id"] = *g.Token.ApplicationID
	}
	return out
}
