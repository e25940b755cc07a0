package main

import (
	"context"
	"flag"
	"strings"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/config"
)

// The webhooks commands manage subscriptions (an application's BookingSync
// ones with --app, else the account's Chatwoot ones), show deliveries and
// send them again.

// webhookJSON renders a webhook for the command line.
func webhookJSON(v *app.WebhookView) map[string]any {
	out := map[string]any{
		"id":              v.ID,
		"account_id":      v.AccountID,
		"dialect":         v.Dialect,
		"url":             v.URL,
		"events":          v.Events,
		"name":            v.Name,
		"enabled":         v.Enabled(),
		"disabled_at":     timePtrJSON(v.DisabledAt),
		"disabled_reason": v.DisabledReason,
		"failing_since":   timePtrJSON(v.FailingSince),
		"last_success_at": timePtrJSON(v.LastSuccessAt),
		"created_at":      timeJSON(v.CreatedAt),
	}
	if v.ApplicationID != nil {
		out["app"] = *v.ApplicationID
	}
	if v.InboxID != nil {
		out["inbox"] = *v.InboxID
	}
	if v.Secret != "" {
		out["secret"] = v.Secret
	}
	return out
}

func timePtrJSON(t *time.Time) any {
	if t == nil {
		return nil
	}
	return timeJSON(*t)
}

// webhookFlags binds the flags that describe a webhook.
type webhookFlags struct {
	url, events, name *string
}

func bindWebhookFlags(fs *flag.FlagSet, cfg *config.Config) webhookFlags {
	cfg.RegisterWebhookFlags(fs)
	return webhookFlags{
		url:    fs.String("url", "", "target URL (http or https)"),
		events: fs.String("events", "", "comma-separated event names, e.g. inbox_message_created or message_created"),
		name:   fs.String("name", "", "a name for the webhook"),
	}
}

// change returns what the flags set; only flags given on the command line
// count on update.
func (f webhookFlags) change(fs *flag.FlagSet) app.WebhookChange {
	var ch app.WebhookChange
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "url":
			ch.URL = f.url
		case "name":
			ch.Name = f.name
		case "events":
			events := strings.Split(*f.events, ",")
			ch.Events = &events
		}
	})
	return ch
}

func runWebhooksCreate(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	account := accountFlag(fs)
	appID := fs.Int64("app", 0, "id of the application whose BookingSync subscription this is; without it, a Chatwoot webhook of the account")
	f := bindWebhookFlags(fs, cfg)
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := needAccount(*account); err != nil {
		return err
	}
	if err := required("url", *f.url, "events", *f.events); err != nil {
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
	var owner *int64
	if *appID > 0 {
		owner = appID
	}
	v, err := m.Admin.CreateWebhook(ctx, *account, owner, f.change(fs))
	if err != nil {
		return err
	}
	return c.print(webhookJSON(v))
}

func runWebhooksList(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	account := accountFlag(fs)
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := needAccount(*account); err != nil {
		return err
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	vs, err := m.Admin.Webhooks(ctx, *account)
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return checkAccount(ctx, m.Admin, *account)
	} else if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, v := range vs {
		out = append(out, webhookJSON(v))
	}
	return c.print(map[string]any{"webhooks": out})
}

func runWebhooksUpdate(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	account := accountFlag(fs)
	id := fs.Int64("id", 0, "id of the webhook (required)")
	f := bindWebhookFlags(fs, cfg)
	enable := fs.Bool("enable", false, "enable the webhook again (clears why it was disabled)")
	disable := fs.Bool("disable", false, "pause the webhook: its deliveries wait until it is enabled")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := needAccount(*account); err != nil {
		return err
	}
	if *id <= 0 {
		return usagef("missing --id (a positive webhook id)")
	}
	if *enable && *disable {
		return usagef("--enable and --disable exclude each other")
	}
	ch := f.change(fs)
	if *enable || *disable {
		ch.Enabled = enable
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	v, err := m.Admin.UpdateWebhook(ctx, *account, *id, ch)
	if err != nil {
		return err
	}
	return c.print(webhookJSON(v))
}

func runWebhooksDelete(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	account := accountFlag(fs)
	id := fs.Int64("id", 0, "id of the webhook (required)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := needAccount(*account); err != nil {
		return err
	}
	if *id <= 0 {
		return usagef("missing --id (a positive webhook id)")
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Admin.DeleteWebhook(ctx, *account, *id); err != nil {
		return err
	}
	return c.print(map[string]any{"deleted": *id})
}

// parseSince reads a point in time: RFC 3339, or a duration ago ("24h").
func parseSince(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t, nil
	}
	d, err := config.ParseDays(s)
	if err != nil || d < 0 {
		return nil, usagef("--since %q: want a time (2006-01-02T15:04:05Z) or a duration ago (24h, 7d)", s)
	}
	t := time.Now().Add(-d)
	return &t, nil
}

func runWebhooksDeliveries(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	account := accountFlag(fs)
	webhook := fs.Int64("webhook", 0, "only this webhook's deliveries")
	state := fs.String("state", "", "only deliveries in this state: pending, delivered or failed")
	since := fs.String("since", "", "only deliveries created since a time (RFC 3339) or a duration ago (24h)")
	limit := fs.Int("limit", 20, "how many deliveries, newest first")
	attempts := fs.Bool("attempts", false, "list each delivery's attempts")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := needAccount(*account); err != nil {
		return err
	}
	if *state != "" && *state != inbox.WebhookPending && *state != inbox.WebhookDelivered && *state != inbox.WebhookFailed {
		return usagef("--state %q: want pending, delivered or failed", *state)
	}
	t, err := parseSince(*since)
	if err != nil {
		return err
	}
	f := inbox.DeliveryFilter{State: *state, Since: t, Limit: min(max(*limit, 1), 1000)}
	if *webhook > 0 {
		f.WebhookID = webhook
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	ds, err := m.Admin.Deliveries(ctx, *account, f, *attempts)
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return checkAccount(ctx, m.Admin, *account)
	} else if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, d := range ds {
		row := map[string]any{
			"id":              d.ID,
			"webhook":         d.WebhookID,
			"event_id":        d.EventSeq,
			"event":           d.Event,
			"delivery":        d.UUID,
			"state":           d.State,
			"attempts":        d.Attempts,
			"last_status":     d.LastStatus,
			"last_error":      d.LastError,
			"last_latency_ms": d.LastLatency.Milliseconds(),
			"next_attempt_at": timeJSON(d.NextAttemptAt),
			"retry_until":     timeJSON(d.RetryUntil),
			"created_at":      timeJSON(d.CreatedAt),
			"delivered_at":    timePtrJSON(d.DeliveredAt),
		}
		if d.State != inbox.WebhookPending {
			delete(row, "next_attempt_at")
		}
		if *attempts {
			list := []map[string]any{}
			for _, a := range d.Log {
				list = append(list, map[string]any{"at": timeJSON(a.At), "status": a.Status,
					"latency_ms": a.Latency.Milliseconds(), "error": a.Error, "node": a.Node})
			}
			row["attempt_log"] = list
		}
		out = append(out, row)
	}
	return c.print(map[string]any{"deliveries": out})
}

func runWebhooksRedeliver(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	account := accountFlag(fs)
	id := fs.Int64("id", 0, "send this delivery again (any state)")
	since := fs.String("since", "", "send again every failed delivery created since a time (RFC 3339) or a duration ago (24h)")
	webhook := fs.Int64("webhook", 0, "with --since, only this webhook's deliveries")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := needAccount(*account); err != nil {
		return err
	}
	if (*id > 0) == (*since != "") {
		return usagef("give either --id or --since")
	}
	t, err := parseSince(*since)
	if err != nil {
		return err
	}
	var one, hook *int64
	if *id > 0 {
		one = id
	}
	if *webhook > 0 {
		hook = webhook
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	n, err := m.Admin.Redeliver(ctx, *account, one, hook, t)
	if err != nil {
		return err
	}
	return c.print(map[string]any{"queued": n})
}
