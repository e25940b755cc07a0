package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"time"
)

// Retention removes old rows in small batches, each its own short
// transaction, so that writes go on meanwhile (app.System.Prune).

// PruneEvents removes the oldest events created before before, up to limit,
// never past the position the webhook fan-out has reached (so no event is
// removed before its deliveries exist), and records the last position
// removed ('events.pruned'): a reader behind it has missed events.
func (tx *Tx) PruneEvents(ctx context.Context, before time.Time, limit int) (int, error) {
	seq := dialectEventSeq(tx.engine)
	var pruned, fanout int64
	if err := tx.queryRow(ctx, `SELECT position FROM cursors WHERE name = 'events.pruned'`).Scan(&pruned); err != nil {
		return 0, err
	}
	if err := tx.queryRow(ctx, `SELECT position FROM cursors WHERE name = 'webhooks.fanout'`).Scan(&fanout); err != nil {
		return 0, err
	}
	// Only a prefix of the outbox is removed, so that everything at or
	// below 'events.pruned' is gone and everything above it is kept.
	rows, err := tx.query(ctx, `
		SELECT `+seq+`, created_at
		FROM events
		WHERE `+seq+` > ?
		ORDER BY `+seq+`
		LIMIT `+strconv.Itoa(max(limit, 1)), pruned)
	if err != nil {
		return 0, err
	}
	last := pruned
	for rows.Next() {
		var pos, created int64
		if err := rows.Scan(&pos, &created); err != nil {
			rows.Close()
			return 0, err
		}
		if created >= ts(before) || pos > fanout {
			break
		}
		last = pos
	}
	rows.Close()
	if err := rows.Err(); err != nil || last == pruned {
		return 0, err
	}
	res, err := tx.exec(ctx, `DELETE FROM events WHERE `+seq+` > ? AND `+seq+` <= ?`, pruned, last)
	if err != nil {
		return 0, err
	}
	if _, err := tx.exec(ctx, `UPDATE cursors SET position = ? WHERE name = 'events.pruned'`, last); err != nil {
		return 0, err
	}
	return rowsAffected(res)
}

// PruneIdempotencyKeys removes keys created before before.
func (tx *Tx) PruneIdempotencyKeys(ctx context.Context, before time.Time, limit int) (int, error) {
	res, err := tx.exec(ctx, `
		DELETE FROM idempotency_keys
		WHERE (account_id, key) IN (
			SELECT account_id, key
			FROM idempotency_keys
			WHERE created_at < ?
			LIMIT `+strconv.Itoa(max(limit, 1))+`
		)`, ts(before))
	if err != nil {
		return 0, err
	}
	return rowsAffected(res)
}

// PruneDeliveries removes finished deliveries not changed since before
// (their attempts go with them), then attempts older than before of
// deliveries still pending.
func (tx *Tx) PruneDeliveries(ctx context.Context, before time.Time, limit int) (int, error) {
	res, err := tx.exec(ctx, `
		DELETE FROM webhook_deliveries
		WHERE id IN (
			SELECT id
			FROM webhook_deliveries
			WHERE state <> 'pending' AND updated_at < ?
			LIMIT `+strconv.Itoa(max(limit, 1))+`
		)`, ts(before))
	if err != nil {
		return 0, err
	}
	n, err := rowsAffected(res)
	if err != nil || n > 0 {
		return n, err
	}
	res, err = tx.exec(ctx, `
		DELETE FROM webhook_attempts
		WHERE id IN (
			SELECT id
			FROM webhook_attempts
			WHERE at < ?
			LIMIT `+strconv.Itoa(max(limit, 1))+`
		)`, ts(before))
	if err != nil {
		return 0, err
	}
	return rowsAffected(res)
}

// PruneTombstones removes tombstones of records deleted before before.
func (tx *Tx) PruneTombstones(ctx context.Context, before time.Time, limit int) (int, error) {
	res, err := tx.exec(ctx, `
		DELETE FROM tombstones
		WHERE (account_id, resource, record_id) IN (
			SELECT account_id, resource, record_id
			FROM tombstones
			WHERE deleted_at < ?
			LIMIT `+strconv.Itoa(max(limit, 1))+`
		)`, ts(before))
	if err != nil {
		return 0, err
	}
	return rowsAffected(res)
}

func rowsAffected(res sql.Result) (int, error) {
	n, err := res.RowsAffected()
	return int(n), err
}
