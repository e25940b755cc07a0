package sqlstore

import (
	"context"
	"database/sql"
	"time"

	inbox "github.com/inboxd/inbox"
)

// The web inbox's records: host passwords, invitations, sessions and OAuth
// authorization codes.

// FindHostsByEmail lists the hosts of every account with that e-mail, in any
// letter case, leaving removed hosts out.
func (tx *Tx) FindHostsByEmail(ctx context.Context, email string) ([]*inbox.Host, error) {
	out, _, err := list(ctx, tx, `
		SELECT `+hostColumns+` FROM hosts
		WHERE lower(email) = lower(?) AND email <> '' AND deleted_at IS NULL
		ORDER BY id
		LIMIT 100`, []any{email}, count{}, scanHost)
	return out, err
}

// FindHostPassword returns a host's password hash.
func (tx *Tx) FindHostPassword(ctx context.Context, accountID, hostID int64) (string, error) {
	var hash string
	err := tx.queryRow(ctx, `SELECT hash FROM host_passwords WHERE account_id = ? AND host_id = ?`,
		accountID, hostID).Scan(&hash)
	return hash, notFound(err, "Password")
}

// SetHostPassword stores or replaces a host's password hash.
func (tx *Tx) SetHostPassword(ctx context.Context, accountID, hostID int64, hash string) error {
	_, err := tx.exec(ctx, `
		INSERT INTO host_passwords (account_id, host_id, hash, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, host_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at`,
		accountID, hostID, hash, ts(tx.now))
	return err
}

// CreateInvitation stores an invitation.
func (tx *Tx) CreateInvitation(ctx context.Context, inv *inbox.Invitation) error {
	inv.CreatedAt = tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO host_invitations (
			account_id,
			host_id,
			token_hash,
			expires_at,
			created_at
		) VALUES (?, ?, ?, ?, ?)`,
		inv.AccountID, inv.HostID, inv.TokenHash, ts(inv.ExpiresAt), ts(tx.now))
	inv.ID = id
	return err
}

// FindInvitationByHash looks an invitation up by its token's hash.
func (tx *Tx) FindInvitationByHash(ctx context.Context, hash []byte) (*inbox.Invitation, error) {
	var inv inbox.Invitation
	var expires, created int64
	var used sql.NullInt64
	err := tx.queryRow(ctx, `
		SELECT
			id,
			account_id,
			host_id,
			token_hash,
			expires_at,
			used_at,
			created_at
		FROM host_invitations
		WHERE token_hash = ?`, hash).Scan(&inv.ID, &inv.AccountID, &inv.HostID, &inv.TokenHash, &expires, &used, &created)
	if err != nil {
		return nil, notFound(err, "Invitation")
	}
	inv.ExpiresAt, inv.UsedAt, inv.CreatedAt = fromTS(expires), fromNullTS(used), fromTS(created)
	return &inv, nil
}

// UseInvitation marks an unused invitation used.
func (tx *Tx) UseInvitation(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `
		UPDATE host_invitations SET used_at = ?
		WHERE account_id = ? AND id = ? AND used_at IS NULL`, ts(tx.now), accountID, id)
	return affected(res, err, "Invitation")
}

// CreateSession stores a session.
func (tx *Tx) CreateSession(ctx context.Context, s *inbox.Session) error {
	s.CreatedAt, s.LastSeenAt = tx.now, tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO sessions (
			account_id,
			host_id,
			token_hash,
			address,
			user_agent,
			created_at,
			last_seen_at,
			expires_at
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		s.AccountID, s.HostID, s.TokenHash, s.Address, s.UserAgent, ts(tx.now), ts(tx.now), ts(s.ExpiresAt))
	s.ID = id
	return err
}

// FindSessionByHash looks a session up by its token's hash.
func (tx *Tx) FindSessionByHash(ctx context.Context, hash []byte) (*inbox.Session, error) {
	var s inbox.Session
	var created, seen, expires int64
	err := tx.queryRow(ctx, `
		SELECT
			id,
			account_id,
			host_id,
			token_hash,
			address,
			user_agent,
			created_at,
			last_seen_at,
			expires_at
		FROM sessions
		WHERE token_hash = ?`, hash).Scan(&s.ID, &s.AccountID, &s.HostID, &s.TokenHash, &s.Address, &s.UserAgent,
		&created, &seen, &expires)
	if err != nil {
		return nil, notFound(err, "Session")
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromTS(created), fromTS(seen), fromTS(expires)
	return &s, nil
}

// TouchSession records that a session was just used.
func (tx *Tx) TouchSession(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE account_id = ? AND id = ?`,
		ts(tx.now), accountID, id)
	return affected(res, err, "Session")
}

// DeleteSession deletes one session (idempotent).
func (tx *Tx) DeleteSession(ctx context.Context, accountID, id int64) error {
	_, err := tx.exec(ctx, `DELETE FROM sessions WHERE account_id = ? AND id = ?`, accountID, id)
	return err
}

// DeleteHostSessions deletes a host's sessions: all of them, or those last
// seen before seenBefore or past their expiry.
func (tx *Tx) DeleteHostSessions(ctx context.Context, accountID, hostID int64, seenBefore *time.Time) error {
	if seenBefore == nil {
		_, err := tx.exec(ctx, `DELETE FROM sessions WHERE account_id = ? AND host_id = ?`, accountID, hostID)
		return err
	}
	_, err := tx.exec(ctx, `
		DELETE FROM sessions
		WHERE account_id = ? AND host_id = ? AND (last_seen_at < ? OR expires_at <= ?)`,
		accountID, hostID, ts(*seenBefore), ts(tx.now))
	return err
}

// CreateAuthorizationCode stores an authorization code.
func (tx *Tx) CreateAuthorizationCode(ctx context.Context, c *inbox.AuthorizationCode) error {
	c.CreatedAt = tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO authorization_codes (
			account_id,
			application_id,
			host_id,
			code_hash,
			redirect_uri,
			scopes,
			code_challenge,
			expires_at,
			created_at
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.AccountID, c.ApplicationID, c.HostID, c.CodeHash, c.RedirectURI, scopesText(c.Scopes), c.CodeChallenge,
		ts(c.ExpiresAt), ts(tx.now))
	c.ID = id
	return err
}

// FindAuthorizationCodeByHash looks a code up by its hash.
func (tx *Tx) FindAuthorizationCodeByHash(ctx context.Context, hash []byte) (*inbox.AuthorizationCode, error) {
	var c inbox.AuthorizationCode
	var scopes string
	var expires, created int64
	var used sql.NullInt64
	err := tx.queryRow(ctx, `
		SELECT
			id,
			account_id,
			application_id,
			host_id,
			code_hash,
			redirect_uri,
			scopes,
			code_challenge,
			expires_at,
			used_at,
			token_id,
			created_at
		FROM authorization_codes
		WHERE code_hash = ?`, hash).Scan(&c.ID, &c.AccountID, &c.ApplicationID, &c.HostID, &c.CodeHash, &c.RedirectURI,
		&scopes, &c.CodeChallenge, &expires, &used, &c.TokenID, &created)
	if err != nil {
		return nil, notFound(err, "Authorization code")
	}
	c.Scopes = parseScopes(scopes)
	c.ExpiresAt, c.UsedAt, c.CreatedAt = fromTS(expires), fromNullTS(used), fromTS(created)
	return &c, nil
}

// UseAuthorizationCode marks an unused code used by a token.
func (tx *Tx) UseAuthorizationCode(ctx context.Context, accountID, id, tokenID int64) error {
	res, err := tx.exec(ctx, `
		UPDATE authorization_codes SET used_at = ?, token_id = ?
		WHERE account_id = ? AND id = ? AND used_at IS NULL`, ts(tx.now), tokenID, accountID, id)
	return affected(res, err, "Authorization code")
}

// DeleteExpiredAuthorizationCodes deletes an application's codes that
// expired before t.
func (tx *Tx) DeleteExpiredAuthorizationCodes(ctx context.Context, accountID, applicationID int64, t time.Time) error {
	_, err := tx.exec(ctx, `
		DELETE FROM authorization_codes
		WHERE account_id = ? AND application_id = ? AND expires_at < ?`, accountID, applicationID, ts(t))
	return err
}
