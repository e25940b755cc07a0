package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/config"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed
	exitUsage   = 2 // the command line was wrong
)

// command is one subcommand of the binary.
type command struct {
	name    string // as typed: "serve", "accounts create"
	summary string
	run     func(ctx context.Context, c *cli, args []string) error
}

// commands is the table of contents of the CLI.
var commands = []command{
	{"serve", "run the HTTP server (the default when no command is given)", runServe},
	{"migrate", "apply database migrations and exit", runMigrate},
	{"version", "print the version, commit and build date", runVersion},
	{"healthcheck", "exit 0 if the server on --addr is ready (for container health checks)", runHealthcheck},
	{"accounts create", "create an account (tenant) with its default API inbox", runAccountsCreate},
	{"accounts list", "list the accounts", runAccountsList},
	{"accounts show", "show one account", runAccountsShow},
	{"accounts delete", "delete an account and everything it holds (export it first)", runAccountsDelete},
	{"hosts create", "create a host (user) with a personal API token for the Chatwoot API", runHostsCreate},
	{"hosts list", "list an account's hosts", runHostsList},
	{"hosts show", "show one host", runHostsShow},
	{"hosts rotate-token", "give a host a new personal API token (the old ones stop working)", runHostsRotateToken},
	{"hosts delete", "remove a host: its tokens stop working, its conversations are unassigned, its messages stay", runHostsDelete},
	{"hosts set-password", "set a host's password for the web inbox (read from a file or standard input)", runHostsSetPassword},
	{"hosts invite", "print a one-time link that lets a host choose its web inbox password", runHostsInvite},
	{"clients create", "create a client (guest, Chatwoot contact)", runClientsCreate},
	{"clients list", "list an account's clients", runClientsList},
	{"clients show", "show one client", runClientsShow},
	{"clients delete", "delete a client with the conversations it is the contact of", runClientsDelete},
	{"inboxes create", "create an inbox for a channel", runInboxesCreate},
	{"inboxes list", "list an account's inboxes", runInboxesList},
	{"inboxes show", "show one inbox", runInboxesShow},
	{"inboxes delete", "delete an inbox that has no conversations", runInboxesDelete},
	{"apps create", "register an OAuth application; prints its client_id and client_secret", runAppsCreate},
	{"apps list", "list an account's OAuth applications", runAppsList},
	{"apps show", "show one OAuth application", runAppsShow},
	{"apps delete", "delete an OAuth application with its tokens", runAppsDelete},
	{"apps update", "change an OAuth application's name, scopes, redirect URIs or kind", runAppsUpdate},
	{"apps rotate-secret", "give an OAuth application a new client_secret (the old one stops working)", runAppsRotateSecret},
	{"tokens create", "issue a BookingSync OAuth access token", runTokensCreate},
	{"tokens list", "list an account's tokens (never their values)", runTokensList},
	{"tokens show", "show one token (never its value)", runTokensShow},
	{"tokens revoke", "revoke a token and its refresh token, on every node at once", runTokensRevoke},
	{"tokens delete", "revoke and remove a token", runTokensDelete},
	{"webhooks create", "subscribe a URL to events: an application's (--app) or the account's Chatwoot webhook", runWebhooksCreate},
	{"webhooks list", "list an account's webhooks, with why any was disabled", runWebhooksList},
	{"webhooks update", "change, enable or disable a webhook", runWebhooksUpdate},
	{"webhooks delete", "remove a webhook with its deliveries", runWebhooksDelete},
	{"webhooks deliveries", "show recent deliveries (status, latency, error; --attempts for each try)", runWebhooksDeliveries},
	{"webhooks redeliver", "send one delivery again, or every failed one since a time", runWebhooksRedeliver},
	{"demo", "seed a small demo account and print its tokens and example requests", runDemo},
	{"backup", "write a consistent backup (database snapshot and attachment files) to one archive while the server runs", runBackup},
	{"restore", "restore a backup archive into an empty data directory", runRestore},
	{"export", "write an account's contacts, conversations and messages as JSON lines", runExport},
	{"secret-key generate", "print a new random server key for " + config.EnvSecretKey, runSecretKeyGenerate},
	{"secret-key show", "show where the server key comes from and whether the database knows it", runSecretKeyShow},
	{"secret-key adopt", "make the current server key the database's (after the old one was lost)", runSecretKeyAdopt},
}

// cli is one invocation: its environment and output streams.
type cli struct {
	name    string // the command's name, for messages
	summary string // what it does, for its help
	getenv  func(string) string
	stdout  io.Writer
	stderr  io.Writer
}

// usageError is a mistake on the command line (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// run executes the command line args and returns the exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd, rest, err := findCommand(args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout)
		return exitOK
	} else if err != nil {
		fmt.Fprintf(stderr, "inboxd: %s (run \"inboxd help\" for the list of commands)\n", oneLine(err.Error()))
		return exitUsage
	}
	c := &cli{name: cmd.name, summary: cmd.summary, getenv: getenv, stdout: stdout, stderr: stderr}
	err = runCommand(ctx, cmd, c, rest)
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "inboxd %s: %s (run \"inboxd %s -h\" for help)\n", cmd.name, oneLine(err.Error()), cmd.name)
		return exitUsage
	}
	fmt.Fprintf(stderr, "inboxd %s: %s\n", cmd.name, oneLine(describe(err)))
	return exitFailure
}

// runCommand runs cmd, turning a panic into an error so that an operator
// sees one line, not a stack trace.
func runCommand(ctx context.Context, cmd command, c *cli, args []string) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("internal error: %v", v)
		}
	}()
	return cmd.run(ctx, c, args)
}

// findCommand picks the command named by the first words of args. With no
// command, or with only flags, it is serve.
func findCommand(args []string) (command, []string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && !slices.Contains([]string{"-h", "-help", "--help", "-version", "--version"}, args[0]) {
		return commands[0], args, nil
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && args[0] == "help" {
			// "inboxd help hosts create" is "inboxd hosts create -h".
			cmd, _, err := findCommand(args[1:])
			return cmd, []string{"-h"}, err
		}
		return command{}, nil, flag.ErrHelp
	case "-version", "--version":
		return command{name: "version", run: runVersionLine}, nil, nil
	}
	for _, cmd := range commands {
		words := strings.Fields(cmd.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == cmd.name {
			return cmd, args[len(words):], nil
		}
	}
	for _, cmd := range commands {
		if strings.Fields(cmd.name)[0] == args[0] {
			if len(args) == 1 {
				return command{}, nil, fmt.Errorf("%q needs a subcommand, e.g. %q", args[0], cmd.name)
			}
			return command{}, nil, fmt.Errorf("unknown command %q", args[0]+" "+args[1])
		}
	}
	return command{}, nil, fmt.Errorf("unknown command %q", args[0])
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "inboxd: a shared-inbox server speaking the BookingSync v3 and Chatwoot v1 APIs.")
	fmt.Fprintln(w, "\nUsage: inboxd <command> [flags]\n\nCommands:")
	for _, cmd := range commands {
		fmt.Fprintf(w, "  %-20s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintln(w, "\nEvery command reads --data-dir/INBOXD_DATA_DIR and --database-url/INBOXD_DATABASE_URL.")
	fmt.Fprintln(w, "Run \"inboxd <command> -h\" for the flags of a command.")
}

// printHelp prints a command's usage line, what it does, an example and
// its flags.
func (c *cli) printHelp(fs *flag.FlagSet) {
	summary := c.summary
	if summary == "" {
		summary = "inboxd " + c.name
	}
	fmt.Fprintf(c.stdout, "Usage: inboxd %s [flags]\n\n%s.\n", c.name, strings.ToUpper(summary[:1])+summary[1:])
	if ex := examples[c.name]; ex != "" {
		fmt.Fprintf(c.stdout, "\nExample:\n  %s\n", ex)
	}
	fmt.Fprintln(c.stdout, "\nFlags:")
	fs.SetOutput(c.stdout)
	fs.PrintDefaults()
}

// examples shows each command at work.
var examples = map[string]string{
	"serve":               "inboxd serve --addr 127.0.0.1:8080 --base-url https://inbox.example.com --trusted-proxies 127.0.0.1",
	"migrate":             "inboxd migrate --status --database-url postgres://inboxd@db:5432/inboxd",
	"version":             "inboxd version",
	"healthcheck":         "inboxd healthcheck --addr :8080",
	"accounts create":     `inboxd accounts create --name "Acme Rentals" --email office@acme.example`,
	"accounts list":       "inboxd accounts list",
	"accounts show":       "inboxd accounts show --id 1",
	"accounts delete":     "inboxd export --account 1 --out acme.jsonl && inboxd accounts delete --id 1 --yes",
	"hosts create":        "inboxd hosts create --account 1 --firstname Ada --lastname Lovelace --email ada@acme.example --role administrator",
	"hosts list":          "inboxd hosts list --account 1",
	"hosts show":          "inboxd hosts show --account 1 --id 2",
	"hosts rotate-token":  "inboxd hosts rotate-token --account 1 --id 2",
	"hosts delete":        "inboxd hosts delete --account 1 --id 2",
	"hosts set-password":  "inboxd hosts set-password --account 1 --id 2 --password-file /run/secrets/ada-password",
	"hosts invite":        "inboxd hosts invite --account 1 --id 2 --base-url https://inbox.acme.example --expires-in 48h",
	"clients create":      `inboxd clients create --account 1 --fullname "Grace Hopper" --email grace@example.com`,
	"clients list":        "inboxd clients list --account 1",
	"clients show":        "inboxd clients show --account 1 --id 3",
	"clients delete":      "inboxd clients delete --account 1 --id 3",
	"inboxes create":      "inboxd inboxes create --account 1 --name Support --channel email",
	"inboxes list":        "inboxd inboxes list --account 1",
	"inboxes show":        "inboxd inboxes show --account 1 --id 4",
	"inboxes delete":      "inboxd inboxes delete --account 1 --id 4",
	"apps create":         `inboxd apps create --account 1 --name "Channel manager" --scopes inbox_read,inbox_write`,
	"apps list":           "inboxd apps list --account 1",
	"apps show":           "inboxd apps show --account 1 --id 1",
	"apps delete":         "inboxd apps delete --account 1 --id 1",
	"apps rotate-secret":  "inboxd apps rotate-secret --account 1 --id 1",
	"apps update":         "inboxd apps update --account 1 --id 1 --redirect-uri https://cm.example/oauth/callback",
	"tokens create":       "inboxd tokens create --account 1 --scopes inbox_read,inbox_write --app 1 --expires-in 720h",
	"tokens list":         "inboxd tokens list --account 1",
	"tokens show":         "inboxd tokens show --account 1 --id 5",
	"tokens revoke":       "inboxd tokens revoke --account 1 --id 5",
	"tokens delete":       "inboxd tokens delete --account 1 --id 5",
	"webhooks create":     "inboxd webhooks create --account 1 --app 1 --url https://pms.example/hooks --events inbox_message_created,inbox_conversation_created",
	"webhooks list":       "inboxd webhooks list --account 1",
	"webhooks update":     "inboxd webhooks update --account 1 --id 2 --enable",
	"webhooks delete":     "inboxd webhooks delete --account 1 --id 2",
	"webhooks deliveries": "inboxd webhooks deliveries --account 1 --state failed --since 24h --attempts",
	"webhooks redeliver":  "inboxd webhooks redeliver --account 1 --since 24h",
	"demo":                "inboxd demo --base-url http://localhost:8080",
	"backup":              "inboxd backup --out /backups/inboxd-2030-01-31.tar.gz",
	"restore":             "inboxd restore --from /backups/inboxd-2030-01-31.tar.gz --data-dir /var/lib/inboxd-restored",
	"export":              "inboxd export --account 1 --out acme.jsonl",
	"secret-key generate": "inboxd secret-key generate",
	"secret-key show":     "inboxd secret-key show",
	"secret-key adopt":    "INBOXD_SECRET_KEY=... inboxd secret-key adopt --yes",
}

// oneLine folds a message onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// describe renders an error for an operator: a domain error's message (with
// its field), anything else as is.
func describe(err error) string {
	var e *inbox.Error
	if errors.As(err, &e) {
		msg := strings.TrimSuffix(e.Message, ".")
		if e.Field != "" {
			return e.Field + " " + msg
		}
		return msg
	}
	return err.Error()
}

// flags returns a flag set for the command and the configuration it fills:
// defaults, overwritten by the environment, overwritten by the flags once
// parsed. Every command gets the database flags.
func (c *cli) flags() (*flag.FlagSet, *config.Config, error) {
	cfg := config.Defaults()
	if c.name != "serve" && c.name != "migrate" {
		// An operator typing a command wants to hear at once that the
		// database is down; a service starting beside it waits.
		cfg.DatabaseWait = 0
	}
	if err := cfg.FromEnv(c.getenv); err != nil {
		return nil, nil, err
	}
	fs := flag.NewFlagSet("inboxd "+c.name, flag.ContinueOnError)
	// The flag package would print the whole usage on every mistake; errors
	// stay on one line and the usage is shown on -h only.
	fs.SetOutput(io.Discard)
	cfg.RegisterDatabaseFlags(fs)
	return fs, &cfg, nil
}

// parse parses args and rejects stray arguments. On -h it prints the usage.
func (c *cli) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		c.printHelp(fs)
		return flag.ErrHelp
	} else if err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// open validates the database settings and opens the application.
func (c *cli) open(ctx context.Context, cfg *config.Config) (*Main, error) {
	return c.openMain(ctx, cfg, false)
}

// openMain is open, optionally without the server key check (for the
// secret-key commands, which must run when the key does not match).
func (c *cli) openMain(ctx context.Context, cfg *config.Config, skipKeyCheck bool) (*Main, error) {
	if err := cfg.ValidateDatabase(); err != nil {
		return nil, err
	}
	m := &Main{Config: *cfg, Logger: newLogger(*cfg, c.stderr), SkipKeyCheck: skipKeyCheck}
	if err := m.Open(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// print writes v as one indented JSON object on stdout.
func (c *cli) print(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// required reports the first of the named flags left empty.
func required(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			return usagef("missing --%s", pairs[i])
		}
	}
	return nil
}

// accountFlag binds --account, the id of the account a command acts in.
func accountFlag(fs *flag.FlagSet) *int64 {
	return fs.Int64("account", 0, "id of the account (required)")
}

// needAccount checks --account was given, before anything is opened.
func needAccount(id int64) error {
	if id <= 0 {
		return usagef("missing --account (a positive account id)")
	}
	return nil
}

// checkAccount reports an unknown account clearly.
func checkAccount(ctx context.Context, a *app.Admin, id int64) error {
	if _, err := a.FindAccount(ctx, id); inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return fmt.Errorf("account %d not found", id)
	} else if err != nil {
		return err
	}
	return nil
}

// idList is a repeatable flag of ids that also takes comma-separated lists.
type idList []int64

func (l *idList) String() string {
	parts := make([]string, len(*l))
	for i, id := range *l {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

func (l *idList) Set(s string) error {
	for _, f := range strings.Split(s, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("%q is not an id", f)
		}
		*l = append(*l, id)
	}
	return nil
}
