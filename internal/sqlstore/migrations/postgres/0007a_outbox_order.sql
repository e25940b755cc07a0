-- The outbox's order (internal/events). A sequence id is taken before its
-- transaction commits, so ids become visible out of order and a reader that
-- remembers "the last id seen" would skip an event whose transaction commits
-- late. Events therefore get a second number, seq, after they committed:
-- one sequencing transaction at a time (it holds the row lock of the
-- cursor 'events.seq') numbers the committed, unnumbered events from
-- 'events.seq'.position + 1 on, in id order. A sequencing transaction starts
-- only after the previous one committed, so when a reader sees seq n it also
-- sees every seq below n: reading "seq > last seen" never skips.
ALTER TABLE events ADD COLUMN seq BIGINT;
CREATE UNIQUE INDEX events_seq ON events (seq);
CREATE INDEX events_account_seq ON events (account_id, seq);
CREATE INDEX events_unsequenced ON events (id) WHERE seq IS NULL;

-- Positions in the outbox that the whole deployment shares (like settings,
-- they belong to no account): 'events.seq' is the last seq given,
-- 'events.pruned' the last seq removed by retention. owner and lease_until
-- let one node at a time hold a cursor it advances (webhook fan-out).
CREATE TABLE cursors (
	name        TEXT PRIMARY KEY,
	position    BIGINT NOT NULL DEFAULT 0,
	owner       TEXT NOT NULL DEFAULT '',
	lease_until BIGINT NOT NULL DEFAULT 0
);
INSERT INTO cursors (name) VALUES ('events.seq'), ('events.pruned');

-- Every transaction that writes events wakes the nodes tailing the outbox
-- (LISTEN inboxd_events) when it commits. PostgreSQL folds identical
-- notifications of one transaction into one, and drops them on rollback.
CREATE FUNCTION inboxd_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('inboxd_events', '');
	RETURN NULL;
END
$$;
CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION inboxd_events_notify();
