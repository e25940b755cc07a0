package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/config"
)

// The commands of the web inbox's sign-in and of OAuth applications'
// registration.

// hostFlags binds --account and --id, the host a command acts on.
func hostFlags(fs *flag.FlagSet) (account, id *int64) {
	return accountFlag(fs), fs.Int64("id", 0, "id of the host (required)")
}

func needHost(account, id int64) error {
	if err := needAccount(account); err != nil {
		return err
	}
	if id <= 0 {
		return usagef("missing --id (a positive host id)")
	}
	return nil
}

// hostError names an unknown host clearly.
func hostError(err error, account, id int64) error {
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return fmt.Errorf("host %d not found in account %d", id, account)
	}
	return err
}

func runHostsSetPassword(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	account, id := hostFlags(fs)
	file := fs.String("password-file", "", `file holding the password on its first line; "-" reads standard input (required; never a flag's value, which others could see in the process list)`)
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := needHost(*account, *id); err != nil {
		return err
	}
	if err := required("password-file", *file); err != nil {
		return err
	}
	password, err := readPassword(*file)
	if err != nil {
		return err
	}
	if err := app.ValidatePassword(password); err != nil {
		return fmt.Errorf("the password %s", inbox.ErrorMessage(err))
	}
	m, err := c.openIn(ctx, cfg, *account)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Admin.SetPassword(ctx, *account, *id, password); err != nil {
		return hostError(err, *account, *id)
	}
	return c.print(map[string]any{"account_id": *account, "id": *id, "password_set": true, "sessions_ended": true})
}

// readPassword reads the first line of a file, or of standard input ("-").
func readPassword(path string) (string, error) {
	var r io.Reader
	if path == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("no password in %s", path)
	}
	return line, nil
}

func runHostsInvite(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	account, id := hostFlags(fs)
	ttl := fs.Duration("expires-in", app.DefaultInvitationTTL, "how long the link works")
	fs.StringVar(&cfg.BaseURL, "base-url", cfg.BaseURL, "public base URL of the server, for the link (env "+config.EnvBaseURL+"; default http://localhost and the port of "+config.EnvAddr+")")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := needHost(*account, *id); err != nil {
		return err
	}
	if *ttl <= 0 || *ttl > 30*24*time.Hour {
		return usagef("--expires-in must be positive and at most 720h")
	}
	m, err := c.openIn(ctx, cfg, *account)
	if err != nil {
		return err
	}
	defer m.Close()
	token, expires, err := m.Admin.Invite(ctx, *account, *id, *ttl)
	if err != nil {
		return hostError(err, *account, *id)
	}
	return c.print(map[string]any{"account_id": *account, "id": *id, "url": demoBaseURL(*cfg) + "/invite/" + token,
		"expires_at": timeJSON(expires)})
}

// uriList is a repeatable flag of redirect URIs.
type uriList []string

func (l *uriList) String() string { return strings.Join(*l, " ") }

func (l *uriList) Set(s string) error {
	*l = append(*l, strings.Fields(s)...)
	return nil
}

func runAppsUpdate(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	account := accountFlag(fs)
	id := fs.Int64("id", 0, "id of the application (required)")
	name := fs.String("name", "", "new name")
	scopeList := fs.String("scopes", "", "new comma-separated scopes")
	var uris uriList
	fs.Var(&uris, "redirect-uri", "redirect URI the authorization-code grant may send codes to (repeat for several; replaces the registered ones)")
	clearURIs := fs.Bool("clear-redirect-uris", false, "remove every registered redirect URI")
	public := fs.String("public", "", "true: a public client (no secret, PKCE required); false: confidential")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := needAccount(*account); err != nil {
		return err
	}
	if *id <= 0 {
		return usagef("missing --id (a positive application id)")
	}
	var u inbox.ApplicationUpdate
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["name"] {
		u.Name = name
	}
	if set["scopes"] {
		scopes, err := parseScopes(*scopeList)
		if err != nil {
			return err
		}
		u.Scopes = &scopes
	}
	if len(uris) > 0 || *clearURIs {
		joined := strings.Join(uris, "\n")
		u.RedirectURI = &joined
	}
	if set["public"] {
		switch *public {
		case "true":
			u.Public = ptrTo(true)
		case "false":
			u.Public = ptrTo(false)
		default:
			return usagef("--public takes true or false")
		}
	}
	m, err := c.openIn(ctx, cfg, *account)
	if err != nil {
		return err
	}
	defer m.Close()
	a, err := m.Admin.UpdateApplication(ctx, *account, *id, u)
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return fmt.Errorf("application %d not found in account %d", *id, *account)
	} else if err != nil {
		return err
	}
	return c.print(appJSON(a))
}

func ptrTo[T any](v T) *T { return &v }

// openIn opens the database for a command that acts in an account, and
// reports an unknown account clearly.
func (c *cli) openIn(ctx context.Context, cfg *config.Config, account int64) (*Main, error) {
	m, err := c.open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := checkAccount(ctx, m.Admin, account); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}
