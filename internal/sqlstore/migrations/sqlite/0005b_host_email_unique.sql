-- A host's e-mail is unique in its account, whatever its letter case; hosts
-- without an e-mail are exempt. On a database that already holds two hosts
-- with the same e-mail in one account this migration fails (and inboxd does
-- not start) until one of them is changed: docs/deploy.md shows the query
-- that lists them.
CREATE UNIQUE INDEX hosts_account_email ON hosts (account_id, lower(email)) WHERE email <> '';
