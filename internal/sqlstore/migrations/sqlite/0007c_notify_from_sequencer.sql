-- Nothing changes on SQLite: one process serves the database and wakes its
-- outbox tail itself (PostgreSQL's migration of the same name explains).
SELECT 1;
