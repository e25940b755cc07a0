-- An attachment whose every message was deleted is deleted with them: it is
-- no longer listed, found or downloadable. The row stays (with its file key)
-- for other attachments that share the same stored content.
ALTER TABLE attachments ADD COLUMN deleted_at BIGINT;
