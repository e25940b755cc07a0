-- Settings of the whole deployment, not of one account: the only table
-- without account_id. It holds the fingerprint of the server key the
-- database's sealed secrets were made with, so a node started with another
-- key refuses to start instead of failing on every sealed value.
CREATE TABLE settings (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL DEFAULT ''
);

-- An application's client secret sealed under the server key (AES-GCM),
-- beside its hash: the hash authenticates the client, the sealed copy signs
-- its BookingSync webhooks. NULL for applications created before this
-- migration until their secret is rotated.
ALTER TABLE applications ADD COLUMN secret_sealed BYTEA;
