-- A realtime client that reconnects without a stream position asks for the
-- events "since" a time (AnyCable's history command): the account's events
-- by creation time.
CREATE INDEX events_account_created ON events (account_id, created_at);
