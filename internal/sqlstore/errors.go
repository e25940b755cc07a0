package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	inbox "github.com/inboxd/inbox"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// SQLite primary result codes (the low byte of extended codes).
const (
	sqliteBusy       = 5
	sqliteLocked     = 6
	sqliteConstraint = 19
)

// Extended constraint codes that mean "this key exists".
const (
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// Extended constraint code of a foreign key violation: a referenced row is
// missing (PostgreSQL's 23503).
const sqliteConstraintForeignKey = 787

// normalize turns driver errors into domain errors by error code, never by
// message text. Errors that are already *inbox.Error pass through.
func normalize(err error) error {
	if err == nil {
		return nil
	}
	var ie *inbox.Error
	if errors.As(err, &ie) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return inbox.Errorf(inbox.ENOTFOUND, "Record not found.")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqliteConstraintPrimaryKey, sqliteConstraintUnique:
			return &wrapped{code: inbox.ECONFLICT, err: err}
		case sqliteConstraintForeignKey:
			return &wrapped{code: inbox.EINVALID, err: err}
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return &wrapped{code: inbox.ECONFLICT, err: err}
		case "23503": // foreign_key_violation
			return &wrapped{code: inbox.EINVALID, err: err}
		}
	}
	if unreachable(err) {
		return &wrapped{code: inbox.EUNAVAILABLE, err: err}
	}
	return err
}

// unreachable reports a failure to reach PostgreSQL: a connection refused
// or dropped, or a server shutting down or starting up. A transaction that
// met one before its COMMIT was rolled back by the server.
func unreachable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 57P01-03: admin or crash
		// shutdown, cannot connect now (starting up).
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false // the caller gave up; the database may be fine
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ne)
}

// wrapped keeps the driver error for logs while exposing a domain code.
type wrapped struct {
	code string
	err  error
}

func (w *wrapped) Error() string { return w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

// As lets inbox.ErrorCode see the domain code without leaking driver text.
func (w *wrapped) As(target any) bool {
	if t, ok := target.(**inbox.Error); ok {
		msg := "Conflict: the record already exists."
		switch w.code {
		case inbox.EINVALID:
			msg = "A referenced record does not exist."
		case inbox.EUNAVAILABLE:
			msg = "The database is unavailable; nothing was stored. Try again."
		}
		*t = &inbox.Error{Code: w.code, Message: msg}
		return true
	}
	return false
}

// retryable reports whether the engine asked for the transaction to be rerun.
func retryable(err error) bool {
	if errors.Is(err, errBatchAborted) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqliteBusy, sqliteLocked:
			return true
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return true
		}
	}
	return false
}
