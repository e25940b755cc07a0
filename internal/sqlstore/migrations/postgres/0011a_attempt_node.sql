-- Which node made each webhook attempt (the owner name it leases under),
-- so that an operator, and the two-node test, can see that every node of a
-- cluster delivers. Attempts made before this read ''.
ALTER TABLE webhook_attempts ADD COLUMN node TEXT NOT NULL DEFAULT '';
