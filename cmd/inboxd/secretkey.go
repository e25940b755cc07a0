package main

import (
	"context"
	"fmt"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/config"
	"github.com/inboxd/inbox/internal/secret"
)

// The server key commands, and the rotation of what is sealed under it.

func runSecretKeyGenerate(ctx context.Context, c *cli, args []string) error {
	fs, _, err := c.flags()
	if err != nil {
		return err
	}
	if err := c.parse(fs, args); err != nil {
		return err
	}
	k, text := secret.Generate()
	return c.print(map[string]any{
		"secret_key":  text,
		"fingerprint": k.Fingerprint(),
		"usage":       "set " + config.EnvSecretKey + " to secret_key, the same on every node",
	})
}

func runSecretKeyShow(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	if err := c.parse(fs, args); err != nil {
		return err
	}
	m, err := c.openMain(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer m.Close()
	current, recorded, err := m.Admin.ServerKeyFingerprints(ctx)
	if err != nil {
		return err
	}
	return c.print(map[string]any{
		"source":               m.keySource,
		"fingerprint":          current,
		"database_fingerprint": recorded,
		"matches":              recorded == "" || recorded == current,
	})
}

func runSecretKeyAdopt(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	yes := fs.Bool("yes", false, "confirm: secrets sealed under the database's previous key become unreadable for good")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if !*yes {
		return usagef("adopting a new key makes every secret sealed under the previous one unreadable for good; run again with --yes")
	}
	m, err := c.openMain(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer m.Close()
	previous, err := m.Admin.AdoptServerKey(ctx)
	if err != nil {
		return err
	}
	return c.print(map[string]any{
		"source":               m.keySource,
		"fingerprint":          m.keyFingerprint,
		"previous_fingerprint": previous,
		"next":                 "give each OAuth application a new secret with \"inboxd apps rotate-secret\" so its webhooks can be signed",
	})
}

func runAppsRotateSecret(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	account := accountFlag(fs)
	id := fs.Int64("id", 0, "id of the application (required)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := needAccount(*account); err != nil {
		return err
	}
	if *id <= 0 {
		return usagef("missing --id (a positive application id)")
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := checkAccount(ctx, m.Admin, *account); err != nil {
		return err
	}
	a, clientSecret, err := m.Admin.RotateApplicationSecret(ctx, *account, *id)
	if err != nil {
		return notFoundIn(err, "application", *id, *account)
	}
	return c.print(map[string]any{
		"id":            a.ID,
		"account_id":    a.AccountID,
		"name":          a.Name,
		"client_id":     a.ClientID,
		"client_secret": clientSecret,
		"updated_at":    timeJSON(a.UpdatedAt),
	})
}

// notFoundIn names a record missing from an account.
func notFoundIn(err error, kind string, id, accountID int64) error {
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return fmt.Errorf("%s %d not found in account %d", kind, id, accountID)
	}
	return err
}
