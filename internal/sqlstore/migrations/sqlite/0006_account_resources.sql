-- Chatwoot account resources (contact inboxes, labels, canned responses,
-- agents, API inbox webhooks), full-text search, and BookingSync fixes.

-- A client's identity in an inbox (Chatwoot contact_inbox). Until now it
-- lived only on conversations; the existing pairs become records.
CREATE TABLE contact_inboxes (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id    BIGINT NOT NULL REFERENCES accounts (id),
	client_id     BIGINT NOT NULL REFERENCES clients (id),
	inbox_id      BIGINT NOT NULL REFERENCES inboxes (id),
	source_id     TEXT NOT NULL,
	hmac_verified INTEGER NOT NULL DEFAULT 0,
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX contact_inboxes_account_inbox_source ON contact_inboxes (account_id, inbox_id, source_id);
CREATE INDEX contact_inboxes_account_client ON contact_inboxes (account_id, client_id, id);
CREATE INDEX contact_inboxes_account_source ON contact_inboxes (account_id, source_id);
INSERT INTO contact_inboxes (account_id, client_id, inbox_id, source_id, hmac_verified, created_at, updated_at)
SELECT account_id, MIN(client_id), inbox_id, contact_source_id, MAX(hmac_verified), MIN(created_at), MAX(created_at)
FROM conversations
WHERE client_id IS NOT NULL AND contact_source_id <> ''
GROUP BY account_id, inbox_id, contact_source_id;

CREATE TABLE labels (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id      BIGINT NOT NULL REFERENCES accounts (id),
	title           TEXT NOT NULL,
	description     TEXT NOT NULL DEFAULT '',
	color           TEXT NOT NULL DEFAULT '#1f93ff',
	show_on_sidebar INTEGER NOT NULL DEFAULT 0,
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX labels_account_title ON labels (account_id, title);

CREATE TABLE canned_responses (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id BIGINT NOT NULL REFERENCES accounts (id),
	short_code TEXT NOT NULL,
	content    TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX canned_responses_account_short_code ON canned_responses (account_id, short_code);

ALTER TABLE inboxes ADD COLUMN webhook_url TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN auto_offline INTEGER NOT NULL DEFAULT 1;
ALTER TABLE hosts ADD COLUMN deleted_at BIGINT;
-- A removed host frees its e-mail for a new one.
DROP INDEX hosts_account_email;
CREATE UNIQUE INDEX hosts_account_email ON hosts (account_id, lower(email)) WHERE email <> '' AND deleted_at IS NULL;
CREATE INDEX inbox_members_account_inbox ON inbox_members (account_id, inbox_id, host_id);

-- BookingSync's inquiries.locked is a string or null; the integer column of
-- 0001 is no longer read.
ALTER TABLE inquiries ADD COLUMN locked_reason TEXT;

-- Messages created through Chatwoot had no origin: give them the one their
-- inbox implies (as new ones get).
UPDATE messages SET origin = COALESCE((
	SELECT CASE i.channel
		WHEN 'airbnb' THEN 'airbnb_message'
		WHEN 'booking-com' THEN 'booking-com'
		WHEN 'homeaway' THEN 'homeaway'
		WHEN 'email' THEN 'email'
		WHEN 'vrbo' THEN 'vrbo'
		WHEN 'expedia' THEN 'expedia'
		WHEN 'sms' THEN 'sms'
		WHEN 'whatsapp' THEN 'whatsapp'
		ELSE 'bookingsync_inbox' END
	FROM conversations c JOIN inboxes i ON i.id = c.inbox_id
	WHERE c.id = messages.conversation_id), 'bookingsync_inbox')
WHERE origin = '' AND kind <> 'activity';

-- Tokens issued without an application belong to the account's application
-- when it has exactly one; records created with such a token name it.
-- Records whose creator cannot be known get no creator type either.
UPDATE access_tokens SET application_id = (SELECT MIN(a.id) FROM applications a WHERE a.account_id = access_tokens.account_id)
WHERE kind = 'oauth' AND application_id IS NULL
	AND (SELECT COUNT(*) FROM applications a WHERE a.account_id = access_tokens.account_id) = 1;
UPDATE messages SET created_by_id = (SELECT MIN(a.id) FROM applications a WHERE a.account_id = messages.account_id)
WHERE created_by_type = 'Doorkeeper::Application' AND created_by_id IS NULL
	AND (SELECT COUNT(*) FROM applications a WHERE a.account_id = messages.account_id) = 1;
UPDATE messages SET created_by_type = '' WHERE created_by_type <> '' AND created_by_id IS NULL;
UPDATE conversations SET created_by_id = (SELECT MIN(a.id) FROM applications a WHERE a.account_id = conversations.account_id)
WHERE created_by_type = 'Doorkeeper::Application' AND created_by_id IS NULL
	AND (SELECT COUNT(*) FROM applications a WHERE a.account_id = conversations.account_id) = 1;
UPDATE conversations SET created_by_type = '' WHERE created_by_type <> '' AND created_by_id IS NULL;

-- Full-text search. FTS5 tables over views that add the account as a term of
-- its own column, so a query is matched inside one account by the index
-- itself. Triggers keep the indexes in the writing transaction. Tokens are
-- runs of letters and digits, case-folded, accents kept (as on PostgreSQL).
CREATE VIEW messages_search AS SELECT id, content, 'a' || account_id AS acct FROM messages;
CREATE VIRTUAL TABLE messages_fts USING fts5(content, acct, content = 'messages_search', content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3');
-- rank is BM25 over the text only: the account column matches every row of
-- the account and says nothing about relevance.
INSERT INTO messages_fts (messages_fts, rank) VALUES ('rank', 'bm25(1.0, 0.0)');
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
	INSERT INTO messages_fts (rowid, content, acct) VALUES (new.id, new.content, 'a' || new.account_id);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
	INSERT INTO messages_fts (messages_fts, rowid, content, acct) VALUES ('delete', old.id, old.content, 'a' || old.account_id);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
	INSERT INTO messages_fts (messages_fts, rowid, content, acct) VALUES ('delete', old.id, old.content, 'a' || old.account_id);
	INSERT INTO messages_fts (rowid, content, acct) VALUES (new.id, new.content, 'a' || new.account_id);
END;

-- A client is found by its names, e-mail, phone (also as digits only, so
-- "+1 (555) 123-4567" matches 15551234567) and identifier.
CREATE VIEW clients_search AS SELECT
	id,
	fullname || ' ' || firstname || ' ' || lastname AS name,
	email,
	phone || ' ' || replace(replace(replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', ''), '/', '') AS phone,
	identifier,
	'a' || account_id AS acct
FROM clients;
CREATE VIRTUAL TABLE clients_fts USING fts5(name, email, phone, identifier, acct, content = 'clients_search', content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3');
INSERT INTO clients_fts (clients_fts, rank) VALUES ('rank', 'bm25(2.0, 1.0, 1.0, 1.0, 0.0)');
INSERT INTO clients_fts (clients_fts) VALUES ('rebuild');
CREATE TRIGGER clients_fts_insert AFTER INSERT ON clients BEGIN
	INSERT INTO clients_fts (rowid, name, email, phone, identifier, acct)
	SELECT id, name, email, phone, identifier, acct FROM clients_search WHERE id = new.id;
END;
CREATE TRIGGER clients_fts_delete BEFORE DELETE ON clients BEGIN
	INSERT INTO clients_fts (clients_fts, rowid, name, email, phone, identifier, acct)
	SELECT 'delete', id, name, email, phone, identifier, acct FROM clients_search WHERE id = old.id;
END;
CREATE TRIGGER clients_fts_update_before BEFORE UPDATE OF fullname, firstname, lastname, email, phone, identifier ON clients BEGIN
	INSERT INTO clients_fts (clients_fts, rowid, name, email, phone, identifier, acct)
	SELECT 'delete', id, name, email, phone, identifier, acct FROM clients_search WHERE id = old.id;
END;
CREATE TRIGGER clients_fts_update_after AFTER UPDATE OF fullname, firstname, lastname, email, phone, identifier ON clients BEGIN
	INSERT INTO clients_fts (rowid, name, email, phone, identifier, acct)
	SELECT id, name, email, phone, identifier, acct FROM clients_search WHERE id = new.id;
END;
