-- The outbox's order (internal/events). SQLite has one writer and commits
-- whole transactions (or shared batches of them) at once, and events' ids
-- come from AUTOINCREMENT, which never reuses an id: ids become visible in
-- commit order, so an event's id is its place in the outbox (PostgreSQL
-- needs a separate seq column for that; see its migration).

-- Positions in the outbox that the whole deployment shares (like settings,
-- they belong to no account): 'events.pruned' is the last event removed by
-- retention. owner and lease_until let one node at a time hold a cursor it
-- advances (webhook fan-out).
CREATE TABLE cursors (
	name        TEXT PRIMARY KEY,
	position    BIGINT NOT NULL DEFAULT 0,
	owner       TEXT NOT NULL DEFAULT '',
	lease_until BIGINT NOT NULL DEFAULT 0
);
INSERT INTO cursors (name) VALUES ('events.pruned');
