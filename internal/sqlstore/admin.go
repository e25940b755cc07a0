package sqlstore

import (
	"context"
	"database/sql"

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
