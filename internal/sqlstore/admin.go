package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	inbox "github.com/inboxd/inbox"
)

// The listings below serve the admin command line.

// FindAccounts lists every account by ascending id.
func (tx *Tx) FindAccounts(ctx context.Context) ([]*inbox.Account, error) {
	rows, err := tx.query(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*inbox.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func scanToken(s scanner) (*inbox.AccessToken, error) {
	var t inbox.AccessToken
	var scopes string
	var expires, revoked sql.NullInt64
	var created int64
	if err := s.Scan(&t.ID, &t.AccountID, &t.Kind, &t.ApplicationID, &t.HostID, &t.TokenHash, &t.RefreshHash, &scopes,
		&expires, &revoked, &created); err != nil {
		return nil, err
	}
	t.Scopes = parseScopes(scopes)
	t.ExpiresAt, t.RevokedAt, t.CreatedAt = fromNullTS(expires), fromNullTS(revoked), fromTS(created)
	return &t, nil
}

// FindAccessTokens lists the account's tokens (revoked and expired ones
// too) by ascending id.
func (tx *Tx) FindAccessTokens(ctx context.Context, accountID int64) ([]*inbox.AccessToken, error) {
	rows, err := tx.query(ctx, `SELECT `+tokenColumns+` FROM access_tokens WHERE account_id = ? ORDER BY id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*inbox.AccessToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// FindAccessTokenByID returns one token of the account.
func (tx *Tx) FindAccessTokenByID(ctx context.Context, accountID, id int64) (*inbox.AccessToken, error) {
	t, err := scanToken(tx.queryRow(ctx, `SELECT `+tokenColumns+` FROM access_tokens WHERE account_id = ? AND id = ?`, accountID, id))
	return t, notFound(err, "Access token")
}

// DeleteAccessToken removes a token (revoked or not).
func (tx *Tx) DeleteAccessToken(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM access_tokens WHERE account_id = ? AND id = ?`, accountID, id)
	return affected(res, err, "Access token")
}

// DeleteApplication removes an application with its tokens and webhooks
// (whose deliveries go with them).
func (tx *Tx) DeleteApplication(ctx context.Context, accountID, id int64) error {
	for _, q := range []string{
		`DELETE FROM authorization_codes WHERE account_id = ? AND application_id = ?`,
		`DELETE FROM access_tokens WHERE account_id = ? AND application_id = ?`,
		`DELETE FROM webhooks WHERE account_id = ? AND application_id = ?`,
	} {
		if _, err := tx.exec(ctx, q, accountID, id); err != nil {
			return err
		}
	}
	res, err := tx.exec(ctx, `DELETE FROM applications WHERE account_id = ? AND id = ?`, accountID, id)
	return affected(res, err, "Application")
}

// DeleteInbox removes an inbox with its memberships, contact identities and
// webhook (its webhook_url's).
// An inbox that still has conversations is refused (ECONFLICT).
func (tx *Tx) DeleteInbox(ctx context.Context, accountID, id int64) error {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM conversations WHERE account_id = ? AND inbox_id = ?`, accountID, id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return inbox.Errorf(inbox.ECONFLICT, "The inbox has %d conversations: delete or move them first.", n)
	}
	for _, q := range []string{
		`DELETE FROM inbox_members WHERE account_id = ? AND inbox_id = ?`,
		`DELETE FROM contact_inboxes WHERE account_id = ? AND inbox_id = ?`,
		`DELETE FROM webhooks WHERE account_id = ? AND inbox_id = ?`,
	} {
		if _, err := tx.exec(ctx, q, accountID, id); err != nil {
			return err
		}
	}
	res, err := tx.exec(ctx, `DELETE FROM inboxes WHERE account_id = ? AND id = ?`, accountID, id)
	return affected(res, err, "Inbox")
}

// DeleteAccount removes an account and every row of every table that
// carries its account_id. The tables are read from the schema, so a table
// a later migration adds is covered without a change here; they are emptied
// in passes, each DELETE in a savepoint, until foreign keys let every one
// through (a table is retried once the tables referring to it are empty).
func (tx *Tx) DeleteAccount(ctx context.Context, id int64) error {
	q := `SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c
		WHERE m.type = 'table' AND c.name = 'account_id' ORDER BY m.name`
	if tx.engine == enginePostgres {
		q = `SELECT table_name FROM information_schema.columns
			WHERE column_name = 'account_id' AND table_schema = current_schema() ORDER BY table_name`
	}
	rows, err := tx.query(ctx, q)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for len(tables) > 0 {
		var left []string
		var lastErr error
		for _, t := range tables {
			if err := tx.inSavepoint(ctx, `DELETE FROM "`+t+`" WHERE account_id = ?`, id); err != nil {
				left, lastErr = append(left, t), err
			}
		}
		if len(left) == len(tables) {
			return fmt.Errorf("delete account %d: tables %v: %w", id, left, lastErr)
		}
		tables = left
	}
	res, err := tx.exec(ctx, `DELETE FROM accounts WHERE id = ?`, id)
	return affected(res, err, "Account")
}

// inSavepoint runs one statement so that its failure leaves the
// transaction usable (PostgreSQL aborts a transaction on any error).
func (tx *Tx) inSavepoint(ctx context.Context, q string, args ...any) error {
	ctx = tx.stmtContext(ctx)
	if _, err := tx.tx.ExecContext(ctx, `SAVEPOINT delete_account`); err != nil {
		return err
	}
	if _, err := tx.tx.ExecContext(ctx, rebind(tx.engine, q), args...); err != nil {
		tx.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT delete_account`)
		tx.tx.ExecContext(ctx, `RELEASE SAVEPOINT delete_account`)
		return err
	}
	_, err := tx.tx.ExecContext(ctx, `RELEASE SAVEPOINT delete_account`)
	return err
}
