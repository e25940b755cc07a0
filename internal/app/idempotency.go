package app

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	inbox "github.com/inboxd/inbox"
)

// IdempotencyWindow is how long a key's first response is replayed.
const IdempotencyWindow = 24 * time.Hour

// abandonedAfter is when a claimed key whose request never finished (its
// server died mid-request) may be claimed again.
const abandonedAfter = time.Minute

// BeginIdempotent claims an Idempotency-Key for the caller's account. It
// returns (nil, nil) when the caller should run the request and then call
// FinishIdempotent or AbortIdempotent, or the stored record to replay when
// the same key and request were already answered. The same key with another
// request is EINVALID. A concurrent duplicate waits for the first to finish.
func (a *App) BeginIdempotent(ctx context.Context, key, requestHash string) (*inbox.IdempotencyRecord, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if len(key) > 255 {
		return nil, inbox.FieldError("Idempotency-Key", "is too long (maximum is 255 characters)")
	}
	// A header may carry any byte above 0x7f; the key is stored as text.
	if !utf8.ValidString(key) {
		return nil, inbox.FieldError("Idempotency-Key", inbox.MsgInvalid)
	}
	// The stored response belongs to whoever made the request: another token
	// of the account reusing the key gets a conflict, never that response.
	requestHash = fmt.Sprintf("token:%d;%s", p.TokenID, requestHash)
	for wait := time.Millisecond; ; wait = min(wait*2, 50*time.Millisecond) {
		var rec *inbox.IdempotencyRecord
		err := a.store.Update(ctx, func(tx inbox.Tx) error {
			old, err := tx.FindIdempotencyKey(ctx, p.AccountID, key)
			switch {
			case inbox.ErrorCode(err) == inbox.ENOTFOUND:
			case err != nil:
				return err
			case tx.Now().Sub(old.CreatedAt) > IdempotencyWindow,
				old.Status == 0 && tx.Now().Sub(old.CreatedAt) > abandonedAfter:
				if err := tx.DeleteIdempotencyKey(ctx, p.AccountID, key); err != nil {
					return err
				}
			default:
				rec = old
				return nil
			}
			return tx.CreateIdempotencyKey(ctx, &inbox.IdempotencyRecord{AccountID: p.AccountID, Key: key, RequestHash: requestHash})
		})
		if inbox.ErrorCode(err) == inbox.ECONFLICT {
			continue // lost a race to insert: read the winner's record
		} else if err != nil {
			return nil, err
		}
		if rec == nil {
			return nil, nil
		}
		if rec.RequestHash != requestHash {
			return nil, inbox.FieldError("Idempotency-Key",
				"was already used with a different request; use a new key for a new request")
		}
		if rec.Status != 0 {
			return rec, nil
		}
		select { // the first request is still running
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// FinishIdempotent stores the response to replay for a claimed key.
func (a *App) FinishIdempotent(ctx context.Context, key string, status int, header string, body []byte) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	return a.store.Update(ctx, func(tx inbox.Tx) error {
		return tx.CompleteIdempotencyKey(ctx, &inbox.IdempotencyRecord{AccountID: p.AccountID, Key: key,
			Status: status, Header: header, Body: body})
	})
}

// AbortIdempotent releases a claimed key without storing a response (the
// request failed in a way the client may retry: a server error).
func (a *App) AbortIdempotent(ctx context.Context, key string) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	return a.store.Update(context.WithoutCancel(ctx), func(tx inbox.Tx) error {
		return tx.DeleteIdempotencyKey(ctx, p.AccountID, key)
	})
}
