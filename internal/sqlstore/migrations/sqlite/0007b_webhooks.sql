-- Webhook subscriptions, their deliveries and the attempts of each
-- (internal/webhook). A delivery is created from the outbox for each
-- (webhook, event) and sent until a 2xx answers or its retry window closes;
-- the cursor 'webhooks.fanout' is the outbox position up to which
-- deliveries exist.
CREATE TABLE webhooks (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id      BIGINT NOT NULL REFERENCES accounts (id),
	dialect         TEXT NOT NULL,
	application_id  BIGINT REFERENCES applications (id),
	inbox_id        BIGINT REFERENCES inboxes (id),
	name            TEXT NOT NULL DEFAULT '',
	url             TEXT NOT NULL,
	events          TEXT NOT NULL DEFAULT '[]',
	secret_sealed   BLOB,
	disabled_at     BIGINT,
	disabled_reason TEXT NOT NULL DEFAULT '',
	failing_since   BIGINT,
	last_success_at BIGINT,
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL
);
CREATE INDEX webhooks_account ON webhooks (account_id, id);
CREATE UNIQUE INDEX webhooks_inbox ON webhooks (account_id, inbox_id);

CREATE TABLE webhook_deliveries (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id      BIGINT NOT NULL REFERENCES accounts (id),
	webhook_id      BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
	event_seq       BIGINT NOT NULL,
	event           TEXT NOT NULL,
	uuid            TEXT NOT NULL,
	body            BLOB NOT NULL,
	state           TEXT NOT NULL DEFAULT 'pending',
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at BIGINT NOT NULL,
	retry_until     BIGINT NOT NULL,
	lease_owner     TEXT NOT NULL DEFAULT '',
	lease_until     BIGINT NOT NULL DEFAULT 0,
	last_status     INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	last_latency    BIGINT NOT NULL DEFAULT 0,
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL,
	delivered_at    BIGINT
);
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (webhook_id, event_seq, event);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_account ON webhook_deliveries (account_id, id);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (updated_at) WHERE state <> 'pending';

CREATE TABLE webhook_attempts (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id  BIGINT NOT NULL REFERENCES accounts (id),
	delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
	webhook_id  BIGINT NOT NULL,
	at          BIGINT NOT NULL,
	status      INTEGER NOT NULL DEFAULT 0,
	latency     BIGINT NOT NULL DEFAULT 0,
	error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (account_id, delivery_id, id);
CREATE INDEX webhook_attempts_at ON webhook_attempts (at);

INSERT INTO cursors (name) VALUES ('webhooks.fanout');

-- Retention removes by age across accounts.
CREATE INDEX tombstones_deleted ON tombstones (deleted_at);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
