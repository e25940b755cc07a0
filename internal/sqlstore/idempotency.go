package sqlstore

import (
	"context"

	inbox "github.com/inboxd/inbox"
)

// CompleteIdempotencyKey records the response of a pending key.
func (tx *Tx) CompleteIdempotencyKey(ctx context.Context, r *inbox.IdempotencyRecord) error {
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	res, err := tx.exec(ctx, `
		UPDATE idempotency_keys
		SET status = ?, header = ?, body = ?
		WHERE account_id = ? AND key = ?`, r.Status, r.Header, body, r.AccountID, r.Key)
	return affected(res, err, "Idempotency key")
}

// DeleteIdempotencyKey forgets a key.
func (tx *Tx) DeleteIdempotencyKey(ctx context.Context, accountID int64, key string) error {
	_, err := tx.exec(ctx, `DELETE FROM idempotency_keys WHERE account_id = ? AND key = ?`, accountID, key)
	return err
}
