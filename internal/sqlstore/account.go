package sqlstore

import (
	"context"
	"database/sql"
	"time"

	inbox "github.com/inboxd/inbox"
)

// CreateAccount stores a new account.
func (tx *Tx) CreateAccount(ctx context.Context, a *inbox.Account) error {
	a.CreatedAt, a.UpdatedAt = tx.now, tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO accounts (
			name,
			email,
			status,
			locale,
			created_at,
			updated_at
		) VALUES (?, ?, ?, ?, ?, ?)`,
		a.Name, a.Email, a.Status, a.Locale, ts(tx.now), ts(tx.now))
	a.ID = id
	return err
}

const accountColumns = `
	id,
	name,
	email,
	status,
	locale,
	created_at,
	updated_at`

func scanAccount(s scanner) (*inbox.Account, error) {
	var a inbox.Account
	var created, updated int64
	if err := s.Scan(&a.ID, &a.Name, &a.Email, &a.Status, &a.Locale, &created, &updated); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = fromTS(created), fromTS(updated)
	return &a, nil
}

// FindAccountByID returns one account.
func (tx *Tx) FindAccountByID(ctx context.Context, id int64) (*inbox.Account, error) {
	a, err := scanAccount(tx.queryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	return a, notFound(err, "Account")
}

// nextDisplayID takes the account's next conversation number. The UPDATE
// locks the account row, so concurrent creators get distinct numbers.
func (tx *Tx) nextDisplayID(ctx context.Context, accountID int64) (int64, error) {
	var n int64
	err := tx.queryRow(ctx, `
		UPDATE accounts
		SET conversation_seq = conversation_seq + 1
		WHERE id = ?
		RETURNING conversation_seq`, accountID).Scan(&n)
	if err == sql.ErrNoRows {
		return 0, inbox.NotFound("Account")
	}
	return n, err
}

// HitRateLimit increments a shared counter and returns its new value.
func (tx *Tx) HitRateLimit(ctx context.Context, key string, window time.Time, n int) (int, error) {
	var total int
	err := tx.queryRow(ctx, `
		INSERT INTO rate_limits (key, window_start, hits) VALUES (?, ?, ?)
		ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + excluded.hits
		RETURNING hits`, key, ts(window), n).Scan(&total)
	if err != nil {
		return 0, err
	}
	// Forget the key's earlier windows when a new one starts.
	if total == n {
		if _, err := tx.exec(ctx, `DELETE FROM rate_limits WHERE key = ? AND window_start < ?`, key, ts(window)); err != nil {
			return 0, err
		}
	}
	return total, nil
}
