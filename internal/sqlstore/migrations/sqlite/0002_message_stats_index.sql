-- Read state and unread counts look at a conversation's incoming messages by
-- kind and time; with this index they are answered from the index alone,
-- without fetching message rows (profiles of a single conversation showed
-- a third of the CPU in those row reads).
CREATE INDEX messages_account_conversation_kind ON messages (account_id, conversation_id, kind, created_at);

-- Chatwoot finds a contact's conversations by its channel identity.
CREATE INDEX conversations_account_contact_source ON conversations (account_id, contact_source_id, created_at);

-- A host participant may be removed only if it sent no message.
CREATE INDEX messages_account_sender ON messages (account_id, sender_id);
