package app

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	inbox "github.com/inboxd/inbox"
)

// IdempotencyWindow is how long a key's first response is replayed.
const IdempotencyWindow = 24 * time.Hour

// Idempotency-Key, exactly once.
//
// A write that carries an Idempotency-Key (inbox.IdempotencyClaim in its
// context) records the key in the SAME transaction as the write:
//
//  1. it looks the key up: a finished response for the same request is
//     replayed (*inbox.Replay) and nothing runs; the same key with another
//     request is a 422 on Idempotency-Key;
//  2. it inserts the key's row first, before any other write, so a
//     concurrent duplicate conflicts on it: on PostgreSQL the duplicate's
//     insert waits for the first transaction and then fails; on SQLite it
//     fails inside the shared group commit. The duplicate then waits briefly
//     and starts over, and finds either the stored response (replayed) or,
//     when the first rolled back, nothing (it runs);
//  3. it runs the use case;
//  4. it renders the response with the dialect's renderer and stores status,
//     headers and body in the key's row, before the commit.
//
// The client sees the response only after the commit, so an acknowledged
// write always has its stored response, and a write whose response was lost
// (crash, dropped connection) either committed with its response or left no
// trace: a retry with the key never stores twice and never waits for a
// dead process. A request that fails (4xx) rolls back and stores nothing: a
// retry runs it again.

// errKeyBusy reports that a concurrent request holds the key.
var errKeyBusy = errors.New("idempotency key in use by a concurrent request")

// updateAs runs fn in a write transaction for a caller holding scope s: the
// account the request addresses is checked first, fn gets a Loader for the
// caller's visibility, the request's Idempotency-Key, if any, is honoured
// in the same transaction (see above), and so is the request's
// precondition (WithPrecondition) before fn acts.
func updateAs[T any](ctx context.Context, a *App, s inbox.Scope, fn func(*Loader, *inbox.Principal) (T, error)) (T, error) {
	var out T
	p, err := require(ctx, s)
	if err != nil {
		return out, err
	}
	claim := inbox.IdempotencyFromContext(ctx)
	var hash string
	if claim != nil {
		if hash, err = claimHash(p, claim); err != nil {
			return out, err
		}
	}
	for wait := time.Millisecond; ; wait = min(wait*2, 50*time.Millisecond) {
		var replay, stored *inbox.IdempotencyRecord
		err = a.store.Update(ctx, func(tx inbox.Tx) error {
			replay, stored = nil, nil
			l, err := callerLoader(ctx, tx, p)
			if err != nil {
				return err
			}
			if claim != nil {
				if replay, err = claimKey(ctx, tx, p.AccountID, claim.Key, hash); err != nil || replay != nil {
					return err
				}
			}
			if check := preconditionFrom(ctx); check != nil {
				if err := check(l); err != nil {
					return err
				}
			}
			if out, err = fn(l, p); err != nil {
				return err
			}
			if claim != nil {
				stored, err = storeResponse(ctx, tx, p.AccountID, claim, out)
			}
			return err
		})
		switch {
		case errors.Is(err, errKeyBusy):
			select { // the first request is still running: wait, then look again
			case <-ctx.Done():
				return out, ctx.Err()
			case <-time.After(wait):
			}
			continue
		case err != nil:
			return out, err
		case replay != nil:
			return out, &inbox.Replay{Response: replay}
		}
		if claim != nil {
			claim.Response = stored
		}
		return out, nil
	}
}

// claimHash validates the key and ties the request hash to the caller: the
// stored response belongs to whoever made the request, so another token of
// the account reusing the key gets a 422, never that response.
func claimHash(p *inbox.Principal, c *inbox.IdempotencyClaim) (string, error) {
	if utf8.RuneCountInString(c.Key) > 255 {
		return "", inbox.FieldError("Idempotency-Key", "is too long (maximum is 255 characters)")
	}
	// A header may carry any byte above 0x7f; the key is stored as text.
	if !utf8.ValidString(c.Key) {
		return "", inbox.FieldError("Idempotency-Key", inbox.MsgInvalid)
	}
	return fmt.Sprintf("token:%d;%s", p.TokenID, c.RequestHash), nil
}

// claimKey looks the key up and, when it is free, inserts its row. It returns
// the stored response to replay, or nil when the request should run.
func claimKey(ctx context.Context, tx inbox.Tx, accountID int64, key, hash string) (*inbox.IdempotencyRecord, error) {
	old, err := tx.FindIdempotencyKey(ctx, accountID, key)
	switch {
	case inbox.ErrorCode(err) == inbox.ENOTFOUND:
	case err != nil:
		return nil, err
	case tx.Now().Sub(old.CreatedAt) > IdempotencyWindow || old.Status == 0:
		// Expired, or a claim left by an older inboxd that stored the key
		// before the write (status 0): neither holds a response.
		if err := tx.DeleteIdempotencyKey(ctx, accountID, key); err != nil {
			return nil, err
		}
	case old.RequestHash != hash:
		return nil, inbox.FieldError("Idempotency-Key",
			"was already used with a different request; use a new key for a new request")
	default:
		return old, nil
	}
	err = tx.CreateIdempotencyKey(ctx, &inbox.IdempotencyRecord{AccountID: accountID, Key: key, RequestHash: hash})
	if inbox.ErrorCode(err) == inbox.ECONFLICT {
		return nil, errKeyBusy
	}
	return nil, err
}

// storeResponse renders the result with the dialect's renderer and stores it
// in the key's row.
func storeResponse(ctx context.Context, tx inbox.Tx, accountID int64, c *inbox.IdempotencyClaim, result any) (*inbox.IdempotencyRecord, error) {
	if c.Render == nil {
		return nil, inbox.Errorf(inbox.EINTERNAL, "the handler gave no renderer for its Idempotency-Key response")
	}
	rec, err := c.Render(result)
	if err != nil {
		return nil, err
	}
	rec.AccountID, rec.Key = accountID, c.Key
	if err := tx.CompleteIdempotencyKey(ctx, rec); err != nil {
		return nil, err
	}
	return rec, nil
}
