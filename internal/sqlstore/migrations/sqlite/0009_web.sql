-- The web inbox: hosts' passwords, invitations to set one, signed-in
-- sessions (a table, so that every node of a cluster sees them), and OAuth
-- authorization codes for the authorization-code grant.

-- A host's password, as an argon2id hash in the PHC string format. A host
-- without a row has no password and cannot sign in.
CREATE TABLE host_passwords (
	account_id BIGINT NOT NULL REFERENCES accounts (id),
	host_id    BIGINT NOT NULL REFERENCES hosts (id),
	hash       TEXT NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (account_id, host_id)
);

-- Sign-in has no account yet: it looks hosts up by e-mail across accounts.
CREATE INDEX hosts_email ON hosts (lower(email)) WHERE email <> '';

-- One-time links that let a host set its password (inboxd hosts invite).
CREATE TABLE host_invitations (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id BIGINT NOT NULL REFERENCES accounts (id),
	host_id    BIGINT NOT NULL REFERENCES hosts (id),
	token_hash BLOB NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at    BIGINT,
	created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX host_invitations_token_hash ON host_invitations (token_hash);
CREATE INDEX host_invitations_account_host ON host_invitations (account_id, host_id);

-- Signed-in browser sessions. Only the hash of the cookie's value is kept.
CREATE TABLE sessions (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id   BIGINT NOT NULL REFERENCES accounts (id),
	host_id      BIGINT NOT NULL REFERENCES hosts (id),
	token_hash   BLOB NOT NULL,
	address      TEXT NOT NULL DEFAULT '',
	user_agent   TEXT NOT NULL DEFAULT '',
	created_at   BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX sessions_token_hash ON sessions (token_hash);
CREATE INDEX sessions_account_host ON sessions (account_id, host_id);

-- OAuth authorization codes (RFC 6749 §4.1), single-use and short-lived.
-- token_id is the token the code was exchanged for, revoked if the code is
-- presented again (RFC 6749 §4.1.2).
CREATE TABLE authorization_codes (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id     BIGINT NOT NULL REFERENCES accounts (id),
	application_id BIGINT NOT NULL REFERENCES applications (id),
	host_id        BIGINT NOT NULL REFERENCES hosts (id),
	code_hash      BLOB NOT NULL,
	redirect_uri   TEXT NOT NULL DEFAULT '',
	scopes         TEXT NOT NULL,
	code_challenge TEXT NOT NULL DEFAULT '',
	expires_at     BIGINT NOT NULL,
	used_at        BIGINT,
	token_id       BIGINT,
	created_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX authorization_codes_code_hash ON authorization_codes (code_hash);
CREATE INDEX authorization_codes_account_application ON authorization_codes (account_id, application_id, expires_at);

-- A public client (a native or browser application) cannot keep a secret:
-- it authenticates with its client_id alone and must use PKCE.
ALTER TABLE applications ADD COLUMN public INTEGER NOT NULL DEFAULT 0;

-- The web inbox lists conversations by last activity, newest first, 50 at
-- a time from a cursor (last_activity_at, id): this index serves the page
-- without sorting the account's conversations, however deep the page.
CREATE INDEX conversations_account_activity ON conversations (account_id, last_activity_at, id);
