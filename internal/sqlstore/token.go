package sqlstore

import (
	"context"
	"strings"

	inbox "github.com/inboxd/inbox"
)

func scopesText(ss inbox.Scopes) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, " ")
}

func parseScopes(s string) inbox.Scopes {
	var out inbox.Scopes
	for _, f := range strings.Fields(s) {
		out = append(out, inbox.Scope(f))
	}
	return out
}

// CreateApplication stores an OAuth application.
func (tx *Tx) CreateApplication(ctx context.Context, a *inbox.Application) error {
	a.CreatedAt, a.UpdatedAt = tx.now, tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO applications (
			account_id,
			name,
			client_id,
			secret_hash,
			secret_sealed,
			scopes,
			redirect_uri,
			public,
			created_at,
			updated_at
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.AccountID, a.Name, a.ClientID, a.SecretHash, nullBytes(a.SecretSealed), scopesText(a.Scopes), a.RedirectURI,
		a.Public, ts(tx.now), ts(tx.now))
	a.ID = id
	return err
}

const applicationColumns = `
	id,
	account_id,
	name,
	client_id,
	secret_hash,
	secret_sealed,
	scopes,
	redirect_uri,
	public,
	created_at,
	updated_at`

func scanApplication(s scanner) (*inbox.Application, error) {
	var a inbox.Application
	var scopes string
	var created, updated int64
	if err := s.Scan(&a.ID, &a.AccountID, &a.Name, &a.ClientID, &a.SecretHash, &a.SecretSealed, &scopes, &a.RedirectURI, &a.Public,
		&created, &updated); err != nil {
		return nil, err
	}
	a.Scopes = parseScopes(scopes)
	a.CreatedAt, a.UpdatedAt = fromTS(created), fromTS(updated)
	return &a, nil
}

// FindApplicationByID returns one application of the account.
func (tx *Tx) FindApplicationByID(ctx context.Context, accountID, id int64) (*inbox.Application, error) {
	a, err := scanApplication(tx.queryRow(ctx, `SELECT `+applicationColumns+` FROM applications WHERE account_id = ? AND id = ?`, accountID, id))
	return a, notFound(err, "Application")
}

// FindApplications lists the account's applications by ascending id.
func (tx *Tx) FindApplications(ctx context.Context, accountID int64) ([]*inbox.Application, error) {
	out, _, err := list(ctx, tx, `SELECT `+applicationColumns+` FROM applications WHERE account_id = ? ORDER BY id`,
		[]any{accountID}, count{}, scanApplication)
	return out, err
}

// FindApplicationByClientID returns the application with that public client id.
func (tx *Tx) FindApplicationByClientID(ctx context.Context, clientID string) (*inbox.Application, error) {
	a, err := scanApplication(tx.queryRow(ctx, `SELECT `+applicationColumns+` FROM applications WHERE client_id = ?`, clientID))
	return a, notFound(err, "Application")
}

// SetApplicationSecret replaces the secret's hash and sealed copy.
func (tx *Tx) SetApplicationSecret(ctx context.Context, accountID, id int64, hash, sealed []byte) error {
	res, err := tx.exec(ctx, `
		UPDATE applications SET
			secret_hash = ?,
			secret_sealed = ?,
			updated_at = ?
		WHERE account_id = ? AND id = ?`, hash, nullBytes(sealed), ts(tx.now), accountID, id)
	return affected(res, err, "Application")
}

// UpdateApplication changes an application and returns it.
func (tx *Tx) UpdateApplication(ctx context.Context, accountID, id int64, u inbox.ApplicationUpdate) (*inbox.Application, error) {
	s := &setList{}
	if u.Name != nil {
		s.set("name", *u.Name)
	}
	if u.Scopes != nil {
		s.set("scopes", scopesText(*u.Scopes))
	}
	if u.RedirectURI != nil {
		s.set("redirect_uri", *u.RedirectURI)
	}
	if u.Public != nil {
		s.set("public", *u.Public)
	}
	s.set("updated_at", ts(tx.now))
	res, err := tx.exec(ctx, `UPDATE applications SET `+s.sql()+` WHERE account_id = ? AND id = ?`,
		append(s.args, accountID, id)...)
	if err := affected(res, err, "Application"); err != nil {
		return nil, err
	}
	return tx.FindApplicationByID(ctx, accountID, id)
}

// nullBytes stores an empty byte slice as NULL.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// CreateAccessToken stores a token (hashes only).
func (tx *Tx) CreateAccessToken(ctx context.Context, t *inbox.AccessToken) error {
	t.CreatedAt = tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO access_tokens (
			account_id,
			kind,
			application_id,
			host_id,
			token_hash,
			refresh_hash,
			scopes,
			expires_at,
			revoked_at,
			created_at
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.AccountID, t.Kind, t.ApplicationID, t.HostID, t.TokenHash, nullBytes(t.RefreshHash), scopesText(t.Scopes), tsp(t.ExpiresAt),
		tsp(t.RevokedAt), ts(tx.now))
	t.ID = id
	return err
}

const tokenColumns = `
	id,
	account_id,
	kind,
	application_id,
	host_id,
	token_hash,
	refresh_hash,
	scopes,
	expires_at,
	revoked_at,
	created_at`

func (tx *Tx) findToken(ctx context.Context, column string, hash []byte) (*inbox.AccessToken, error) {
	t, err := scanToken(tx.queryRow(ctx, `SELECT `+tokenColumns+` FROM access_tokens WHERE `+column+` = ?`, hash))
	return t, notFound(err, "Access token")
}

// FindAccessTokenByHash looks a token up by the hash of its value.
func (tx *Tx) FindAccessTokenByHash(ctx context.Context, hash []byte) (*inbox.AccessToken, error) {
	return tx.findToken(ctx, "token_hash", hash)
}

// FindAccessTokenByRefreshHash looks a token up by the hash of its refresh token.
func (tx *Tx) FindAccessTokenByRefreshHash(ctx context.Context, hash []byte) (*inbox.AccessToken, error) {
	return tx.findToken(ctx, "refresh_hash", hash)
}

// RevokeAccessToken marks a token revoked; its refresh token stops working too.
func (tx *Tx) RevokeAccessToken(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `
		UPDATE access_tokens SET revoked_at = ?
		WHERE account_id = ? AND id = ? AND revoked_at IS NULL`, ts(tx.now), accountID, id)
	return affected(res, err, "Access token")
}
