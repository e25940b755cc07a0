package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/jackc/pgx/v5/pgconn"
)

// A write that answers 5xx stored nothing, or answers what it stored.
//
// On PostgreSQL the connection can drop while a COMMIT is on its way: the
// server may have committed or not, and the client cannot tell. Answering
// "500" then would be "500 but committed", and a retry would store twice.
// So every write transaction reads its id (txid_current) before its COMMIT,
// and when the COMMIT's answer is lost, resolveCommit asks the server, on
// another connection, what became of that id (txid_status): committed means
// the write succeeded; aborted means nothing was stored and the request may
// be retried; when the server cannot tell yet (it is down, or restarting) the
// answer is EUNAVAILABLE, and the Idempotency-Key row written in the same
// transaction makes the client's retry safe either way.
//
// A transaction whose connection failed BEFORE its COMMIT was rolled back by
// the server: Update and View rerun it (errRolledBack), as a fresh
// connection, or the restarted server, may serve it.

// resolveTimeout bounds how long a request waits to learn its COMMIT's fate.
const resolveTimeout = 2 * time.Second

// errRolledBack marks a transaction that failed on an unreachable database
// before committing: nothing was stored.
var errRolledBack = errors.New("transaction rolled back: the database was unreachable")

// rolledBack wraps an EUNAVAILABLE error met before COMMIT, so that Update
// and View know the transaction can be rerun.
func rolledBack(err error) error {
	if inbox.ErrorCode(err) == inbox.EUNAVAILABLE {
		return &rolledBackError{err}
	}
	return err
}

type rolledBackError struct{ err error }

func (e *rolledBackError) Error() string        { return e.err.Error() }
func (e *rolledBackError) Unwrap() []error      { return []error{e.err, errRolledBack} }
func (e *rolledBackError) As(target any) bool   { return errors.As(e.err, target) }
func (e *rolledBackError) Is(target error) bool { return target == errRolledBack }

// commitUnknown reports a COMMIT error after which the transaction may have
// committed: the server did not answer (an answer, even an error, means it
// did not commit), and the COMMIT was not refused for a finished transaction
// or an ended context. pgx reports a connection that died under the COMMIT
// as "conn closed" whether or not the COMMIT left, so that case is resolved
// too: asking costs one query on a rare path.
func commitUnknown(err error) bool {
	var pe *pgconn.PgError
	return !errors.As(err, &pe) && !errors.Is(err, sql.ErrTxDone) && !errors.Is(err, context.Canceled) &&
		!errors.Is(err, context.DeadlineExceeded)
}

// resolveCommit learns what became of transaction xid, whose COMMIT failed
// with cause (see above).
func (s *Store) resolveCommit(ctx context.Context, xid int64, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), resolveTimeout)
	defer cancel()
	for wait := 5 * time.Millisecond; ; wait = min(wait*2, 200*time.Millisecond) {
		var status sql.NullString
		err := s.write.QueryRowContext(ctx, `SELECT txid_status($1)`, xid).Scan(&status)
		if err == nil {
			switch status.String {
			case "committed":
				return nil
			case "aborted":
				return &wrapped{code: inbox.EUNAVAILABLE, err: fmt.Errorf("commit of transaction %d failed (%w): it was rolled back", xid, cause)}
			}
			// "in progress": the old session is still committing.
		}
		select {
		case <-ctx.Done():
			return &wrapped{code: inbox.EUNAVAILABLE,
				err: fmt.Errorf("commit of transaction %d failed (%w) and its outcome is unknown", xid, cause)}
		case <-time.After(wait):
		}
	}
}
