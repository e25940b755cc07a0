package sqlstore

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	inbox "github.com/inboxd/inbox"
)

// CreateEvent writes an event to the outbox.
func (tx *Tx) CreateEvent(ctx context.Context, e *inbox.Event) error {
	e.CreatedAt = tx.now
	changes := "{}"
	if len(e.Changes) > 0 {
		b, err := json.Marshal(e.Changes)
		if err != nil {
			return err
		}
		changes = string(b)
	}
	id, err := tx.insert(ctx, `
		INSERT INTO events (
			account_id,
			type,
			conversation_id,
			message_id,
			subject_id,
			actor_type,
			actor_id,
			changes,
			created_at
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.AccountID, e.Type, e.ConversationID, e.MessageID, e.SubjectID, e.ActorType, e.ActorID, changes, ts(tx.now))
	e.ID = id
	return err
}

// FindEvents lists events of an account after an id, oldest first.
func (tx *Tx) FindEvents(ctx context.Context, accountID int64, afterID int64, limit int) ([]*inbox.Event, error) {
	rows, err := tx.query(ctx, `
		SELECT
			id,
			account_id,
			type,
			conversation_id,
			message_id,
			subject_id,
			actor_type,
			actor_id,
			changes,
			created_at
		FROM events
		WHERE account_id = ? AND id > ?
		ORDER BY id
		LIMIT `+strconv.Itoa(max(limit, 1)), accountID, afterID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*inbox.Event
	for rows.Next() {
		var e inbox.Event
		var changes string
		var created int64
		if err := rows.Scan(&e.ID, &e.AccountID, &e.Type, &e.ConversationID, &e.MessageID, &e.SubjectID, &e.ActorType,
			&e.ActorID, &changes, &created); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(changes), &e.Changes)
		e.CreatedAt = fromTS(created)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// FindDeletedIDs lists tombstoned ids of one resource.
func (tx *Tx) FindDeletedIDs(ctx context.Context, accountID int64, resource string, since time.Time) ([]int64, error) {
	return tx.ids(ctx, `
		SELECT record_id
		FROM tombstones
		WHERE account_id = ? AND resource = ? AND deleted_at >= ?
		ORDER BY record_id`, accountID, resource, ts(since))
}

// FindIdempotencyKey returns the stored response for a key.
func (tx *Tx) FindIdempotencyKey(ctx context.Context, accountID int64, key string) (*inbox.IdempotencyRecord, error) {
	var r inbox.IdempotencyRecord
	var created int64
	err := tx.queryRow(ctx, `
		SELECT
			account_id,
			key,
			request_hash,
			status,
			header,
			body,
			created_at
		FROM idempotency_keys
		WHERE account_id = ? AND key = ?`, accountID, key).Scan(&r.AccountID, &r.Key, &r.RequestHash, &r.Status,
		&r.Header, &r.Body, &created)
	if err != nil {
		return nil, notFound(err, "Idempotency key")
	}
	r.CreatedAt = fromTS(created)
	return &r, nil
}

// CreateIdempotencyKey stores a response for a key; ECONFLICT if it exists.
func (tx *Tx) CreateIdempotencyKey(ctx context.Context, r *inbox.IdempotencyRecord) error {
	r.CreatedAt = tx.now
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	_, err := tx.exec(ctx, `
		INSERT INTO idempotency_keys (
			account_id,
			key,
			request_hash,
			status,
			header,
			body,
			created_at
		) VALUES (?, ?, ?, ?, ?, ?, ?)`, r.AccountID, r.Key, r.RequestHash, r.Status, r.Header, body, ts(tx.now))
	return normalize(err)
}
