package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	inbox "github.com/inboxd/inbox"
)

const webhookColumns = `
	id,
	account_id,
	dialect,
	application_id,
	inbox_id,
	name,
	url,
	events,
	secret_sealed,
	disabled_at,
	disabled_reason,
	failing_since,
	last_success_at,
	created_at,
	updated_at`

func scanWebhook(s scanner) (*inbox.Webhook, error) {
	var w inbox.Webhook
	var events string
	var disabled, failing, success sql.NullInt64
	var created, updated int64
	if err := s.Scan(&w.ID, &w.AccountID, &w.Dialect, &w.ApplicationID, &w.InboxID, &w.Name, &w.URL, &events,
		&w.SecretSealed, &disabled, &w.DisabledReason, &failing, &success, &created, &updated); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(events), &w.Events)
	w.DisabledAt, w.FailingSince, w.LastSuccessAt = fromNullTS(disabled), fromNullTS(failing), fromNullTS(success)
	w.CreatedAt, w.UpdatedAt = fromTS(created), fromTS(updated)
	return &w, nil
}

func eventList(events []string) string {
	if len(events) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(events)
	return string(b)
}

// CreateWebhook stores a new webhook.
func (tx *Tx) CreateWebhook(ctx context.Context, w *inbox.Webhook) error {
	w.CreatedAt, w.UpdatedAt = tx.now, tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO webhooks (
			account_id,
			dialect,
			application_id,
			inbox_id,
			name,
			url,
			events,
			secret_sealed,
			disabled_at,
			disabled_reason,
			created_at,
			updated_at
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.AccountID, w.Dialect, w.ApplicationID, w.InboxID, w.Name, w.URL, eventList(w.Events), w.SecretSealed,
		tsp(w.DisabledAt), w.DisabledReason, ts(tx.now), ts(tx.now))
	w.ID = id
	return normalize(err)
}

// FindWebhookByID returns one webhook of the account.
func (tx *Tx) FindWebhookByID(ctx context.Context, accountID, id int64) (*inbox.Webhook, error) {
	w, err := scanWebhook(tx.queryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE account_id = ? AND id = ?`,
		accountID, id))
	return w, notFound(err, "Webhook")
}

// FindWebhooks lists an account's webhooks by ascending id.
func (tx *Tx) FindWebhooks(ctx context.Context, accountID int64, f inbox.WebhookFilter) ([]*inbox.Webhook, error) {
	w := &where{}
	w.add("account_id = ?", accountID)
	if f.Dialect != "" {
		w.add("dialect = ?", f.Dialect)
	}
	if f.ApplicationID != nil {
		w.add("application_id = ?", *f.ApplicationID)
	}
	if f.InboxID != nil {
		w.add("inbox_id = ?", *f.InboxID)
	}
	if f.Enabled {
		w.add("disabled_at IS NULL")
	}
	out, _, err := list(ctx, tx, `SELECT `+webhookColumns+` FROM webhooks WHERE `+w.sql()+` ORDER BY id`,
		w.args, count{}, scanWebhook)
	return out, err
}

// FindEnabledWebhooks lists the enabled webhooks of several accounts.
func (tx *Tx) FindEnabledWebhooks(ctx context.Context, accountIDs []int64) ([]*inbox.Webhook, error) {
	if len(accountIDs) == 0 {
		return nil, nil
	}
	w := &where{}
	w.in("account_id", accountIDs)
	w.add("disabled_at IS NULL")
	out, _, err := list(ctx, tx, `SELECT `+webhookColumns+` FROM webhooks WHERE `+w.sql()+` ORDER BY id`,
		w.args, count{}, scanWebhook)
	return out, err
}

// UpdateWebhook changes a webhook. Enabling it clears its failure clock.
func (tx *Tx) UpdateWebhook(ctx context.Context, accountID, id int64, u inbox.WebhookUpdate) (*inbox.Webhook, error) {
	s := &setList{}
	if u.Name != nil {
		s.set("name", *u.Name)
	}
	if u.URL != nil {
		s.set("url", *u.URL)
	}
	if u.Events != nil {
		s.set("events", eventList(*u.Events))
	}
	if u.Enabled != nil {
		if *u.Enabled {
			s.set("disabled_at", nil)
			s.set("failing_since", nil)
		} else {
			s.set("disabled_at", ts(tx.now))
		}
		s.set("disabled_reason", "")
	}
	s.set("updated_at", ts(tx.now))
	res, err := tx.exec(ctx, `UPDATE webhooks SET `+s.sql()+` WHERE account_id = ? AND id = ?`,
		append(s.args, accountID, id)...)
	if err := affected(res, err, "Webhook"); err != nil {
		return nil, err
	}
	return tx.FindWebhookByID(ctx, accountID, id)
}

// SetWebhookHealth stores a webhook's failure clock, last success and
// disabled state.
func (tx *Tx) SetWebhookHealth(ctx context.Context, w *inbox.Webhook) error {
	res, err := tx.exec(ctx, `
		UPDATE webhooks
		SET failing_since = ?, last_success_at = ?, disabled_at = ?, disabled_reason = ?
		WHERE account_id = ? AND id = ?`,
		tsp(w.FailingSince), tsp(w.LastSuccessAt), tsp(w.DisabledAt), w.DisabledReason, w.AccountID, w.ID)
	return affected(res, err, "Webhook")
}

// DeleteWebhook removes a webhook; its deliveries and their attempts go
// with it (ON DELETE CASCADE).
func (tx *Tx) DeleteWebhook(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM webhooks WHERE account_id = ? AND id = ?`, accountID, id)
	return affected(res, err, "Webhook")
}

// TakeCursor takes or renews the lease of a shared cursor.
func (tx *Tx) TakeCursor(ctx context.Context, name, owner string, now, until time.Time) (int64, bool, error) {
	var pos int64
	err := tx.queryRow(ctx, `
		UPDATE cursors
		SET owner = ?, lease_until = ?
		WHERE name = ? AND (owner = ? OR lease_until < ?)
		RETURNING position`, owner, ts(until), name, owner, ts(now)).Scan(&pos)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	return pos, err == nil, err
}

// AdvanceCursor moves a held cursor from one position to another.
func (tx *Tx) AdvanceCursor(ctx context.Context, name, owner string, from, to int64) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE cursors SET position = ? WHERE name = ? AND owner = ? AND position = ?`,
		to, name, owner, from)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseLeases gives up owner's leases (everyone's when owner is "").
func (tx *Tx) ReleaseLeases(ctx context.Context, owner string) error {
	if _, err := tx.exec(ctx, `UPDATE cursors SET lease_until = 0 WHERE owner = ? OR ? = ''`, owner, owner); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `
		UPDATE webhook_deliveries
		SET lease_owner = '', lease_until = 0
		WHERE state = 'pending' AND lease_until > 0 AND (lease_owner = ? OR ? = '')`, owner, owner)
	return err
}
