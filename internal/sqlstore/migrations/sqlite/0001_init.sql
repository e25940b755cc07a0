-- inboxd schema. Times are Unix microseconds (UTC) in BIGINT columns, so both
-- engines store, compare and index them the same way; JSON is stored as TEXT.
-- Every table carries account_id and every index that serves a request leads
-- with it.

CREATE TABLE accounts (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	name             TEXT NOT NULL,
	email            TEXT NOT NULL DEFAULT '',
	status           TEXT NOT NULL DEFAULT 'trial',
	locale           TEXT NOT NULL DEFAULT 'en',
	conversation_seq BIGINT NOT NULL DEFAULT 0,
	created_at       BIGINT NOT NULL,
	updated_at       BIGINT NOT NULL
);

CREATE TABLE hosts (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id   BIGINT NOT NULL REFERENCES accounts (id),
	firstname    TEXT NOT NULL,
	lastname     TEXT NOT NULL,
	email        TEXT NOT NULL DEFAULT '',
	role         TEXT NOT NULL DEFAULT 'agent',
	availability TEXT NOT NULL DEFAULT 'online',
	source_id    BIGINT,
	created_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL
);
CREATE INDEX hosts_account_id ON hosts (account_id, id);
CREATE INDEX hosts_account_updated ON hosts (account_id, updated_at);

CREATE TABLE clients (
	id                    INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id            BIGINT NOT NULL REFERENCES accounts (id),
	fullname              TEXT NOT NULL DEFAULT '',
	firstname             TEXT NOT NULL DEFAULT '',
	lastname              TEXT NOT NULL DEFAULT '',
	email                 TEXT NOT NULL DEFAULT '',
	phone                 TEXT NOT NULL DEFAULT '',
	company               TEXT NOT NULL DEFAULT '',
	notes                 TEXT NOT NULL DEFAULT '',
	preferred_locale      TEXT NOT NULL DEFAULT '',
	identifier            TEXT NOT NULL DEFAULT '',
	blocked               INTEGER NOT NULL DEFAULT 0,
	additional_attributes TEXT NOT NULL DEFAULT '{}',
	custom_attributes     TEXT NOT NULL DEFAULT '{}',
	last_activity_at      BIGINT,
	created_at            BIGINT NOT NULL,
	updated_at            BIGINT NOT NULL
);
CREATE INDEX clients_account_id ON clients (account_id, id);
CREATE INDEX clients_account_updated ON clients (account_id, updated_at);

CREATE TABLE inboxes (
	id                 INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id         BIGINT NOT NULL REFERENCES accounts (id),
	name               TEXT NOT NULL,
	channel            TEXT NOT NULL,
	reply_window_hours INTEGER NOT NULL DEFAULT 0,
	created_at         BIGINT NOT NULL,
	updated_at         BIGINT NOT NULL
);
CREATE INDEX inboxes_account_channel ON inboxes (account_id, channel, id);

CREATE TABLE inbox_members (
	account_id BIGINT NOT NULL REFERENCES accounts (id),
	inbox_id   BIGINT NOT NULL REFERENCES inboxes (id),
	host_id    BIGINT NOT NULL REFERENCES hosts (id),
	PRIMARY KEY (account_id, host_id, inbox_id)
);

CREATE TABLE sources (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id BIGINT NOT NULL REFERENCES accounts (id),
	name       TEXT NOT NULL,
	position   INTEGER NOT NULL DEFAULT 0,
	internal   INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX sources_account_id ON sources (account_id, id);

CREATE TABLE bookings (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id  BIGINT NOT NULL REFERENCES accounts (id),
	rental_id   BIGINT,
	client_id   BIGINT REFERENCES clients (id),
	source_id   BIGINT REFERENCES sources (id),
	start_at    BIGINT NOT NULL,
	end_at      BIGINT NOT NULL,
	status      TEXT NOT NULL,
	reference   TEXT NOT NULL DEFAULT '',
	canceled_at BIGINT,
	created_at  BIGINT NOT NULL,
	updated_at  BIGINT NOT NULL
);
CREATE INDEX bookings_account_id ON bookings (account_id, id);

CREATE TABLE conversations (
	id                     INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id             BIGINT NOT NULL REFERENCES accounts (id),
	display_id             BIGINT NOT NULL,
	uuid                   TEXT NOT NULL,
	inbox_id               BIGINT NOT NULL REFERENCES inboxes (id),
	client_id              BIGINT REFERENCES clients (id),
	contact_source_id      TEXT NOT NULL DEFAULT '',
	hmac_verified          INTEGER NOT NULL DEFAULT 0,
	subject                TEXT NOT NULL DEFAULT '',
	default_channel        TEXT NOT NULL DEFAULT '',
	status                 TEXT NOT NULL DEFAULT 'open',
	snoozed_until          BIGINT,
	assignee_id            BIGINT REFERENCES hosts (id),
	source_id              BIGINT REFERENCES sources (id),
	priority               TEXT NOT NULL DEFAULT '',
	custom_attributes      TEXT NOT NULL DEFAULT '{}',
	additional_attributes  TEXT NOT NULL DEFAULT '{}',
	closed_at              BIGINT,
	marked_as_spam_at      BIGINT,
	deadline_response_at   BIGINT,
	last_message_at        BIGINT,
	last_activity_at       BIGINT NOT NULL,
	waiting_since          BIGINT,
	first_reply_created_at BIGINT,
	created_by_id          BIGINT,
	created_by_type        TEXT NOT NULL DEFAULT '',
	created_at             BIGINT NOT NULL,
	updated_at             BIGINT NOT NULL
);
CREATE UNIQUE INDEX conversations_account_display ON conversations (account_id, display_id);
CREATE INDEX conversations_account_id ON conversations (account_id, id);
CREATE INDEX conversations_account_updated ON conversations (account_id, updated_at);
CREATE INDEX conversations_account_status_activity ON conversations (account_id, status, last_activity_at);
CREATE INDEX conversations_account_inbox ON conversations (account_id, inbox_id, id);
CREATE INDEX conversations_account_client ON conversations (account_id, client_id);

CREATE TABLE conversation_labels (
	account_id      BIGINT NOT NULL REFERENCES accounts (id),
	conversation_id BIGINT NOT NULL REFERENCES conversations (id),
	position        INTEGER NOT NULL,
	label           TEXT NOT NULL,
	PRIMARY KEY (account_id, conversation_id, label)
);
CREATE INDEX conversation_labels_account_label ON conversation_labels (account_id, label, conversation_id);

CREATE TABLE conversation_bookings (
	account_id      BIGINT NOT NULL REFERENCES accounts (id),
	conversation_id BIGINT NOT NULL REFERENCES conversations (id),
	booking_id      BIGINT NOT NULL REFERENCES bookings (id),
	PRIMARY KEY (account_id, conversation_id, booking_id)
);
CREATE INDEX conversation_bookings_account_booking ON conversation_bookings (account_id, booking_id);

CREATE TABLE inquiries (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id      BIGINT NOT NULL REFERENCES accounts (id),
	firstname       TEXT NOT NULL DEFAULT '',
	lastname        TEXT NOT NULL DEFAULT '',
	email           TEXT NOT NULL DEFAULT '',
	phone           TEXT NOT NULL DEFAULT '',
	country_code    TEXT NOT NULL DEFAULT '',
	adults          INTEGER NOT NULL DEFAULT 0,
	children        INTEGER NOT NULL DEFAULT 0,
	message         TEXT NOT NULL DEFAULT '',
	locked          INTEGER NOT NULL DEFAULT 0,
	start_at        BIGINT,
	end_at          BIGINT,
	rental_id       BIGINT,
	source_id       BIGINT REFERENCES sources (id),
	booking_id      BIGINT REFERENCES bookings (id),
	conversation_id BIGINT REFERENCES conversations (id),
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL
);
CREATE INDEX inquiries_account_id ON inquiries (account_id, id);
CREATE INDEX inquiries_account_conversation ON inquiries (account_id, conversation_id);

CREATE TABLE participants (
	id                   INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id           BIGINT NOT NULL REFERENCES accounts (id),
	conversation_id      BIGINT NOT NULL REFERENCES conversations (id),
	member_type          TEXT NOT NULL,
	member_id            BIGINT NOT NULL,
	read_at              BIGINT,
	last_message_sent_at BIGINT,
	created_at           BIGINT NOT NULL,
	updated_at           BIGINT NOT NULL
);
CREATE INDEX participants_account_id ON participants (account_id, id);
CREATE INDEX participants_account_conversation ON participants (account_id, conversation_id, member_type, member_id);
CREATE INDEX participants_account_updated ON participants (account_id, updated_at);

CREATE TABLE messages (
	id                    INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id            BIGINT NOT NULL REFERENCES accounts (id),
	conversation_id       BIGINT NOT NULL REFERENCES conversations (id),
	sender_id             BIGINT REFERENCES participants (id),
	kind                  TEXT NOT NULL,
	content               TEXT,
	content_type          TEXT NOT NULL DEFAULT 'text',
	content_attributes    TEXT NOT NULL DEFAULT '{}',
	additional_attributes TEXT NOT NULL DEFAULT '{}',
	origin                TEXT NOT NULL DEFAULT '',
	channel               TEXT NOT NULL DEFAULT '',
	visibility            TEXT NOT NULL,
	status                TEXT NOT NULL DEFAULT 'sent',
	source_id             TEXT NOT NULL DEFAULT '',
	echo_id               TEXT NOT NULL DEFAULT '',
	sent_at               BIGINT,
	created_by_id         BIGINT,
	created_by_type       TEXT NOT NULL DEFAULT '',
	created_at            BIGINT NOT NULL,
	updated_at            BIGINT NOT NULL
);
CREATE INDEX messages_account_id ON messages (account_id, id);
CREATE INDEX messages_account_conversation ON messages (account_id, conversation_id, id);
CREATE INDEX messages_account_updated ON messages (account_id, updated_at);

CREATE TABLE attachments (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id   BIGINT NOT NULL REFERENCES accounts (id),
	name         TEXT NOT NULL DEFAULT '',
	file_key     TEXT NOT NULL,
	file_size    BIGINT NOT NULL,
	content_type TEXT NOT NULL,
	image_width  INTEGER,
	image_height INTEGER,
	created_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL
);
CREATE INDEX attachments_account_id ON attachments (account_id, id);

CREATE TABLE message_attachments (
	account_id    BIGINT NOT NULL REFERENCES accounts (id),
	message_id    BIGINT NOT NULL REFERENCES messages (id),
	attachment_id BIGINT NOT NULL REFERENCES attachments (id),
	position      INTEGER NOT NULL,
	PRIMARY KEY (account_id, message_id, attachment_id)
);
CREATE INDEX message_attachments_account_attachment ON message_attachments (account_id, attachment_id);

CREATE TABLE applications (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id   BIGINT NOT NULL REFERENCES accounts (id),
	name         TEXT NOT NULL,
	client_id    TEXT NOT NULL,
	secret_hash  BLOB NOT NULL,
	scopes       TEXT NOT NULL,
	redirect_uri TEXT NOT NULL DEFAULT '',
	created_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX applications_client_id ON applications (client_id);

CREATE TABLE access_tokens (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id     BIGINT NOT NULL REFERENCES accounts (id),
	kind           TEXT NOT NULL,
	application_id BIGINT REFERENCES applications (id),
	host_id        BIGINT REFERENCES hosts (id),
	token_hash     BLOB NOT NULL,
	refresh_hash   BLOB,
	scopes         TEXT NOT NULL,
	expires_at     BIGINT,
	revoked_at     BIGINT,
	created_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX access_tokens_token_hash ON access_tokens (token_hash);
CREATE UNIQUE INDEX access_tokens_refresh_hash ON access_tokens (refresh_hash);
CREATE INDEX access_tokens_account ON access_tokens (account_id, id);

CREATE TABLE events (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id      BIGINT NOT NULL REFERENCES accounts (id),
	type            TEXT NOT NULL,
	conversation_id BIGINT,
	message_id      BIGINT,
	subject_id      BIGINT NOT NULL,
	actor_type      TEXT NOT NULL DEFAULT '',
	actor_id        BIGINT,
	changes         TEXT NOT NULL DEFAULT '{}',
	created_at      BIGINT NOT NULL
);
CREATE INDEX events_account_id ON events (account_id, id);

CREATE TABLE tombstones (
	account_id BIGINT NOT NULL REFERENCES accounts (id),
	resource   TEXT NOT NULL,
	record_id  BIGINT NOT NULL,
	deleted_at BIGINT NOT NULL,
	PRIMARY KEY (account_id, resource, record_id)
);
CREATE INDEX tombstones_account_resource_deleted ON tombstones (account_id, resource, deleted_at);

CREATE TABLE idempotency_keys (
	account_id   BIGINT NOT NULL REFERENCES accounts (id),
	key          TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	status       INTEGER NOT NULL,
	header       TEXT NOT NULL DEFAULT '',
	body         BLOB NOT NULL,
	created_at   BIGINT NOT NULL,
	PRIMARY KEY (account_id, key)
);

-- Rate limit counters are keyed by a string that starts with the account id.
CREATE TABLE rate_limits (
	key          TEXT NOT NULL,
	window_start BIGINT NOT NULL,
	hits         INTEGER NOT NULL,
	PRIMARY KEY (key, window_start)
);
