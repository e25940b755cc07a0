package sqlstore

import (
	"context"
	"database/sql"
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
	if err == nil {
		tx.wroteEvents = true
		if tx.engine == engineSQLite {
			e.Seq = id // see SequenceEvents
		}
	}
	return err
}

// eventColumns are the columns scanEvent reads, in its order.
const eventColumns = `
			id,
			account_id,
			type,
			conversation_id,
			message_id,
			subject_id,
			actor_type,
			actor_id,
			changes,
			created_at`

// FindEvents lists events of an account after an id, oldest first.
func (tx *Tx) FindEvents(ctx context.Context, accountID int64, afterID int64, limit int) ([]*inbox.Event, error) {
	return tx.events(ctx, `
		SELECT`+eventColumns+`,
			`+dialectEventSeq(tx.engine)+`
		FROM events
		WHERE account_id = ? AND id > ?
		ORDER BY id
		LIMIT `+strconv.Itoa(max(limit, 1)), accountID, afterID)
}

// FindEventsAfter lists the events of every account placed after a
// position, in outbox order. It is the outbox tail's read: the one query
// not scoped by account, because the tail serves them all.
func (tx *Tx) FindEventsAfter(ctx context.Context, after int64, limit int) ([]*inbox.Event, error) {
	seq := dialectEventSeq(tx.engine)
	return tx.events(ctx, `
		SELECT`+eventColumns+`,
			`+seq+`
		FROM events
		WHERE `+seq+` > ?
		ORDER BY `+seq+`
		LIMIT `+strconv.Itoa(max(limit, 1)), after)
}

// FindAccountEventsAfter lists an account's events placed after a
// position, in outbox order.
func (tx *Tx) FindAccountEventsAfter(ctx context.Context, accountID, after int64, limit int) ([]*inbox.Event, error) {
	seq := dialectEventSeq(tx.engine)
	return tx.events(ctx, `
		SELECT`+eventColumns+`,
			`+seq+`
		FROM events
		WHERE account_id = ? AND `+seq+` > ?
		ORDER BY `+seq+`
		LIMIT `+strconv.Itoa(max(limit, 1)), accountID, after)
}

// FindAccountEventsSince lists an account's events written at or after a
// time and placed in the outbox order, in that order (index
// events_account_created, migration 0008).
func (tx *Tx) FindAccountEventsSince(ctx context.Context, accountID int64, since time.Time, limit int) ([]*inbox.Event, error) {
	seq := dialectEventSeq(tx.engine)
	return tx.events(ctx, `
		SELECT`+eventColumns+`,
			`+seq+`
		FROM events
		WHERE account_id = ? AND created_at >= ? AND `+seq+` IS NOT NULL
		ORDER BY `+seq+`
		LIMIT `+strconv.Itoa(max(limit, 1)), accountID, ts(since))
}

func (tx *Tx) events(ctx context.Context, q string, args ...any) ([]*inbox.Event, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*inbox.Event
	for rows.Next() {
		var e inbox.Event
		var changes string
		var created int64
		var seq sql.NullInt64
		if err := rows.Scan(&e.ID, &e.AccountID, &e.Type, &e.ConversationID, &e.MessageID, &e.SubjectID, &e.ActorType,
			&e.ActorID, &changes, &created, &seq); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(changes), &e.Changes)
		e.CreatedAt = fromTS(created)
		e.Seq = seq.Int64
		out = append(out, &e)
	}
	return out, rows.Err()
}

// SequenceEvents places committed events in the outbox order (see
// migration 0007a). On PostgreSQL it numbers up to limit committed,
// unnumbered events, in id order, after the last number given, and wakes the
// other nodes with NOTIFY (the only one sent: see migration 0007c); it
// returns 0 at once when another transaction holds the numbering (that one
// will wake everyone when it commits). SQLite's ids are already in commit
// order: it does nothing.
func (tx *Tx) SequenceEvents(ctx context.Context, limit int) (int, error) {
	if tx.engine != enginePostgres {
		return 0, nil
	}
	// A transaction that takes a row lock must flush the WAL when it
	// commits; most wakes find nothing to number, and learn it without one.
	var waiting bool
	if err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE seq IS NULL)`).Scan(&waiting); err != nil || !waiting {
		return 0, err
	}
	var last int64
	err := tx.queryRow(ctx, `
		SELECT position
		FROM cursors
		WHERE name = 'events.seq'
		FOR UPDATE SKIP LOCKED`).Scan(&last)
	if err == sql.ErrNoRows {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	res, err := tx.exec(ctx, `
		UPDATE events
		SET seq = ? + n.rn
		FROM (
			SELECT id, row_number() OVER (ORDER BY id) AS rn
			FROM events
			WHERE seq IS NULL
			ORDER BY id
			LIMIT `+strconv.Itoa(max(limit, 1))+`
		) n
		WHERE events.id = n.id`, last)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return 0, err
	}
	if _, err := tx.exec(ctx, `UPDATE cursors SET position = ? WHERE name = 'events.seq'`, last+n); err != nil {
		return 0, err
	}
	if _, err := tx.exec(ctx, `SELECT pg_notify('inboxd_events', 'seq')`); err != nil {
		return 0, err
	}
	return int(n), nil
}

// EventPositions returns the newest position given to an event (0 before
// the first) and the newest one removed by retention.
func (tx *Tx) EventPositions(ctx context.Context) (head, pruned int64, err error) {
	if err := tx.queryRow(ctx, `SELECT position FROM cursors WHERE name = 'events.pruned'`).Scan(&pruned); err != nil {
		return 0, 0, err
	}
	q := `SELECT position FROM cursors WHERE name = 'events.seq'`
	if tx.engine == engineSQLite {
		// AUTOINCREMENT's counter: the largest id ever given, even when
		// retention has removed that event since.
		q = `SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'events'`
	}
	if err := tx.queryRow(ctx, q).Scan(&head); err != nil {
		return 0, 0, err
	}
	return head, pruned, nil
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
