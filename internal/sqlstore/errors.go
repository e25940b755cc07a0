package sqlstore

import (
	"database/sql"
	"errors"

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
	return err
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
		if w.code == inbox.EINVALID {
			msg = "A referenced record does not exist."
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
