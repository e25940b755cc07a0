-- A host's participants (BookingSync hosts' links.participants, and the
-- participants listing filtered by member) are found by member; without this
-- index every such lookup read all of the account's participants. With
-- 300,000 participants in an account it took the lookup of ten hosts'
-- participant ids from 290 ms to 63 ms on PostgreSQL and from 293 ms to 3 ms
-- on SQLite; for hosts with few participants, from 226 ms and 159 ms to under
-- a millisecond.
CREATE INDEX participants_account_member ON participants (account_id, member_type, member_id, id);
