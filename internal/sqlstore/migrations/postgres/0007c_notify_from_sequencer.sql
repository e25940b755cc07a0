-- Writers no longer send NOTIFY (see migration 0007a): a transaction that
-- notifies takes a lock shared by the whole cluster while it commits, so
-- notifying writers commit one at a time and stop sharing WAL flushes: 32
-- writers of one event each committed 1,547–1,983 times a second without
-- the trigger and 161–403 with it (three alternating runs). A writer's own node
-- wakes its outbox tail when the commit returns, and that node's
-- sequencing transaction, which numbers the new events, sends the one
-- NOTIFY that wakes the other nodes.
DROP TRIGGER events_notify ON events;
DROP FUNCTION inboxd_events_notify();
