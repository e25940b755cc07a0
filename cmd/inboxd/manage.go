package main

import (
	"context"
	"fmt"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// The list, show, delete and rotate commands. Like the create commands they
// print JSON and act through app.Admin; secrets are never shown again (a
// token's value and a client secret appear once, when issued).

// idCommand parses the flags of a command that acts on one record of an
// account (--account ID --id ID) and opens the application.
func (c *cli) idCommand(ctx context.Context, args []string, kind string) (*Main, int64, int64, error) {
	fs, cfg, err := c.flags()
	if err != nil {
		return nil, 0, 0, err
	}
	account := accountFlag(fs)
	id := fs.Int64("id", 0, "id of the "+kind+" (required)")
	if err := c.parse(fs, args); err != nil {
		return nil, 0, 0, err
	}
	if err := needAccount(*account); err != nil {
		return nil, 0, 0, err
	}
	if *id <= 0 {
		return nil, 0, 0, usagef("missing --id (a positive %s id)", kind)
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return nil, 0, 0, err
	}
	return m, *account, *id, nil
}

// accountCommand parses --account and opens the application.
func (c *cli) accountCommand(ctx context.Context, args []string) (*Main, int64, error) {
	fs, cfg, err := c.flags()
	if err != nil {
		return nil, 0, err
	}
	account := accountFlag(fs)
	if err := c.parse(fs, args); err != nil {
		return nil, 0, err
	}
	if err := needAccount(*account); err != nil {
		return nil, 0, err
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return nil, 0, err
	}
	return m, *account, nil
}

// missing names what an ENOTFOUND was about: the account, or the record.
func missing(ctx context.Context, ad *app.Admin, err error, kind string, accountID, id int64) error {
	if inbox.ErrorCode(err) != inbox.ENOTFOUND {
		return err
	}
	if e := checkAccount(ctx, ad, accountID); e != nil {
		return e
	}
	return fmt.Errorf("%s %d not found in account %d", kind, id, accountID)
}

// listOf runs a list command: --account, a lister, a renderer.
func listOf[T any](list func(*app.Admin) func(context.Context, int64) ([]T, error), render func(T) map[string]any) func(context.Context, *cli, []string) error {
	return func(ctx context.Context, c *cli, args []string) error {
		m, account, err := c.accountCommand(ctx, args)
		if err != nil {
			return err
		}
		defer m.Close()
		recs, err := list(m.Admin)(ctx, account)
		if inbox.ErrorCode(err) == inbox.ENOTFOUND {
			return fmt.Errorf("account %d not found", account)
		} else if err != nil {
			return err
		}
		out := make([]map[string]any, len(recs))
		for i, r := range recs {
			out[i] = render(r)
		}
		return c.print(map[string]any{"account_id": account, "items": out})
	}
}

// showOf runs a show command: --account, --id, a finder, a renderer.
func showOf[T any](kind string, find func(*app.Admin) func(context.Context, int64, int64) (T, error), render func(T) map[string]any) func(context.Context, *cli, []string) error {
	return func(ctx context.Context, c *cli, args []string) error {
		m, account, id, err := c.idCommand(ctx, args, kind)
		if err != nil {
			return err
		}
		defer m.Close()
		rec, err := find(m.Admin)(ctx, account, id)
		if err != nil {
			return missing(ctx, m.Admin, err, kind, account, id)
		}
		return c.print(render(rec))
	}
}

func runAccountsList(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	if err := c.parse(fs, args); err != nil {
		return err
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	accs, err := m.Admin.ListAccounts(ctx)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(accs))
	for i, a := range accs {
		out[i] = accountJSON(a)
	}
	return c.print(map[string]any{"items": out})
}

func runAccountsShow(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	id := fs.Int64("id", 0, "id of the account (required)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *id <= 0 {
		return usagef("missing --id (a positive account id)")
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	a, err := m.Admin.FindAccount(ctx, *id)
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return fmt.Errorf("account %d not found", *id)
	} else if err != nil {
		return err
	}
	return c.print(accountJSON(a))
}

func runTokensRevoke(ctx context.Context, c *cli, args []string) error {
	m, account, id, err := c.idCommand(ctx, args, "token")
	if err != nil {
		return err
	}
	defer m.Close()
	t, err := m.Admin.RevokeToken(ctx, account, id)
	if err != nil {
		return missing(ctx, m.Admin, err, "token", account, id)
	}
	return c.print(tokenInfoJSON(t))
}

func runHostsRotateToken(ctx context.Context, c *cli, args []string) error {
	m, account, id, err := c.idCommand(ctx, args, "host")
	if err != nil {
		return err
	}
	defer m.Close()
	h, token, err := m.Admin.RotateHostToken(ctx, account, id)
	if err != nil {
		return missing(ctx, m.Admin, err, "host", account, id)
	}
	out := hostJSON(h)
	out["api_access_token"] = token
	return c.print(out)
}

func accountJSON(a *inbox.Account) map[string]any {
	return map[string]any{"id": a.ID, "name": a.Name, "email": a.Email, "status": a.Status, "locale": a.Locale,
		"created_at": timeJSON(a.CreatedAt)}
}

func hostJSON(h *inbox.Host) map[string]any {
	return map[string]any{"id": h.ID, "account_id": h.AccountID, "firstname": h.Firstname, "lastname": h.Lastname,
		"email": h.Email, "role": h.Role, "created_at": timeJSON(h.CreatedAt)}
}

func clientJSON(cl *inbox.Client) map[string]any {
	return map[string]any{"id": cl.ID, "account_id": cl.AccountID, "fullname": cl.Fullname, "email": cl.Email,
		"phone": cl.Phone, "created_at": timeJSON(cl.CreatedAt)}
}

func inboxJSON(b *inbox.Inbox) map[string]any {
	return map[string]any{"id": b.ID, "account_id": b.AccountID, "name": b.Name, "channel": b.Channel,
		"reply_window_hours": b.ReplyWindowHours, "created_at": timeJSON(b.CreatedAt)}
}

func appJSON(a *inbox.Application) map[string]any {
	return map[string]any{"id": a.ID, "account_id": a.AccountID, "name": a.Name, "client_id": a.ClientID,
		"scopes": scopeNames(a.Scopes), "redirect_uri": a.RedirectURI,
		"redirect_uris": append([]string{}, a.RedirectURIs()...), "public": a.Public,
		// Whether its webhooks can be signed; see apps rotate-secret.
		"secret_recoverable": len(a.SecretSealed) > 0, "created_at": timeJSON(a.CreatedAt)}
}

func tokenInfoJSON(t *inbox.AccessToken) map[string]any {
	out := map[string]any{"id": t.ID, "account_id": t.AccountID, "kind": t.Kind, "application_id": t.ApplicationID,
		"host_id": t.HostID, "scope": t.Scopes.String(), "created_at": timeJSON(t.CreatedAt), "expires_at": nil,
		"revoked_at": nil, "active": t.Active(time.Now())}
	if t.ExpiresAt != nil {
		out["expires_at"] = timeJSON(*t.ExpiresAt)
	}
	if t.RevokedAt != nil {
		out["revoked_at"] = timeJSON(*t.RevokedAt)
	}
	return out
}

// The generic list and show commands, by resource.
var (
	runHostsList   = listOf(func(ad *app.Admin) func(context.Context, int64) ([]*inbox.Host, error) { return ad.ListHosts }, hostJSON)
	runHostsShow   = showOf("host", func(ad *app.Admin) func(context.Context, int64, int64) (*inbox.Host, error) { return ad.FindHost }, hostJSON)
	runClientsList = listOf(func(ad *app.Admin) func(context.Context, int64) ([]*inbox.Client, error) { return ad.ListClients }, clientJSON)
	runClientsShow = showOf("client", func(ad *app.Admin) func(context.Context, int64, int64) (*inbox.Client, error) { return ad.FindClient }, clientJSON)
	runInboxesList = listOf(func(ad *app.Admin) func(context.Context, int64) ([]*inbox.Inbox, error) { return ad.ListInboxes }, inboxJSON)
	runInboxesShow = showOf("inbox", func(ad *app.Admin) func(context.Context, int64, int64) (*inbox.Inbox, error) { return ad.FindInbox }, inboxJSON)
	runAppsList    = listOf(func(ad *app.Admin) func(context.Context, int64) ([]*inbox.Application, error) {
		return ad.ListApplications
	}, appJSON)
	runAppsShow = showOf("application", func(ad *app.Admin) func(context.Context, int64, int64) (*inbox.Application, error) {
		return ad.FindApplication
	}, appJSON)
	runTokensList = listOf(func(ad *app.Admin) func(context.Context, int64) ([]*inbox.AccessToken, error) { return ad.ListTokens }, tokenInfoJSON)
	runTokensShow = showOf("token", func(ad *app.Admin) func(context.Context, int64, int64) (*inbox.AccessToken, error) {
		return ad.FindToken
	}, tokenInfoJSON)
)

// deleteOf runs a delete command: --account, --id and the deletion.
func deleteOf(kind string, del func(*app.Admin) func(context.Context, int64, int64) error) func(context.Context, *cli, []string) error {
	return func(ctx context.Context, c *cli, args []string) error {
		m, account, id, err := c.idCommand(ctx, args, kind)
		if err != nil {
			return err
		}
		defer m.Close()
		if err := del(m.Admin)(ctx, account, id); err != nil {
			return missing(ctx, m.Admin, err, kind, account, id)
		}
		return c.print(map[string]any{"id": id, "account_id": account, "deleted": true})
	}
}

var (
	runHostsDelete   = deleteOf("host", func(ad *app.Admin) func(context.Context, int64, int64) error { return ad.DeleteHost })
	runClientsDelete = deleteOf("client", func(ad *app.Admin) func(context.Context, int64, int64) error { return ad.DeleteClient })
	runInboxesDelete = deleteOf("inbox", func(ad *app.Admin) func(context.Context, int64, int64) error { return ad.DeleteInbox })
	runAppsDelete    = deleteOf("application", func(ad *app.Admin) func(context.Context, int64, int64) error { return ad.DeleteApplication })
	runTokensDelete  = deleteOf("token", func(ad *app.Admin) func(context.Context, int64, int64) error { return ad.DeleteToken })
)

func runAccountsDelete(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	id := fs.Int64("id", 0, "id of the account (required)")
	yes := fs.Bool("yes", false, "confirm: everything the account holds is deleted for good")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *id <= 0 {
		return usagef("missing --id (a positive account id)")
	}
	if !*yes {
		return usagef("deleting account %d deletes everything it holds for good (export it first); run again with --yes", *id)
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Admin.DeleteAccount(ctx, *id); inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return fmt.Errorf("account %d not found", *id)
	} else if err != nil {
		return err
	}
	return c.print(map[string]any{"id": *id, "deleted": true})
}
