package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/metrics"
)

// Group commit for SQLite.
//
// SQLite has one writer and every durable commit waits for an fsync, which on
// this class of disk allows about 1.5k commits per second. Concurrent
// writers therefore share commits: one goroutine owns the write connection,
// takes every transaction that is waiting, runs each inside its own
// SAVEPOINT (so a failing one rolls back alone), and commits them all with a
// single fsync. Each caller still gets its own result, and a caller is told
// "committed" only after the shared COMMIT returned.

type writeReq struct {
	ctx  context.Context
	fn   func(inbox.Tx) error
	done chan error
	// wroteEvents is set when fn succeeded and wrote to the outbox.
	wroteEvents bool
}

// maxBatch bounds how many transactions share one commit, so one slow batch
// cannot hold many callers for long.
const maxBatch = 128

func (s *Store) startWriter() {
	s.writes = make(chan *writeReq, 1024)
	s.writerDone = make(chan struct{})
	go func() {
		defer close(s.writerDone)
		for req := range s.writes {
			batch := []*writeReq{req}
		drain:
			for len(batch) < maxBatch {
				select {
				case r, ok := <-s.writes:
					if !ok {
						break drain
					}
					batch = append(batch, r)
				default:
					break drain
				}
			}
			s.commitBatch(batch)
		}
	}()
}

// updateBatched queues fn for the writer goroutine and waits for its result.
func (s *Store) updateBatched(ctx context.Context, fn func(inbox.Tx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	s.writesMu.RLock()
	if s.writesClosed {
		s.writesMu.RUnlock()
		return errStoreClosed
	}
	select {
	case s.writes <- req:
		s.writesMu.RUnlock()
	case <-ctx.Done():
		s.writesMu.RUnlock()
		return ctx.Err()
	}
	// Once queued the request is always answered: the writer never drops one.
	err := <-req.done
	if p, ok := err.(panicError); ok {
		panic(p.value) // re-raise in the caller, as an unbatched Update would
	}
	return err
}

// panicError carries a panic of a caller's function back to its goroutine.
type panicError struct{ value any }

func (p panicError) Error() string { return fmt.Sprintf("panic in transaction: %v", p.value) }

func (s *Store) commitBatch(batch []*writeReq) {
	metrics.ObserveBatch(len(batch))
	results := make([]error, len(batch))
	sqlTx, err := s.write.BeginTx(context.Background(), nil)
	if err != nil {
		for _, r := range batch {
			r.done <- normalize(err)
		}
		return
	}
	ok := 0
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		var broken bool
		results[i], broken = s.runSavepoint(sqlTx, r)
		if broken {
			// The savepoint could not be undone (SQLite rolled back the
			// whole transaction, e.g. on an I/O error): nobody in the batch
			// may be told "committed". Those not at fault are rerun.
			sqlTx.Rollback()
			for j := range batch {
				if j != i && (results[j] == nil || j > i) {
					results[j] = errBatchAborted
				}
			}
			for j, r := range batch {
				r.done <- results[j]
			}
			return
		}
		if results[i] == nil {
			ok++
		}
	}
	if ok == 0 {
		sqlTx.Rollback()
	} else if err := sqlTx.Commit(); err != nil {
		err = normalize(err)
		for i := range results {
			if results[i] == nil {
				results[i] = err
			}
		}
	} else {
		for i, r := range batch {
			if results[i] == nil && r.wroteEvents {
				s.changed()
				break
			}
		}
	}
	for i, r := range batch {
		r.done <- results[i]
	}
}

// runSavepoint runs one caller's function inside a savepoint of the shared
// transaction, rolling back to it on error or panic.
func (s *Store) runSavepoint(sqlTx *sql.Tx, r *writeReq) (err error, broken bool) {
	// Statements of a shared transaction ignore the caller's cancellation
	// (see Tx.shared); so do the savepoint's own.
	bg := context.Background()
	if _, err := sqlTx.ExecContext(bg, "SAVEPOINT w"); err != nil {
		return normalize(err), true
	}
	tx := &Tx{tx: sqlTx, engine: s.engine, now: inbox.Truncate(s.Now()), writable: true, shared: true, stmts: s.writeStmts}
	defer func() {
		if p := recover(); p != nil {
			err = panicError{p}
		}
		if err != nil {
			// Undo this caller's writes only; the others in the batch stay.
			if _, rerr := sqlTx.ExecContext(bg, "ROLLBACK TO w"); rerr != nil {
				broken = true
				return
			}
		}
		if _, rerr := sqlTx.ExecContext(bg, "RELEASE w"); rerr != nil {
			broken = true
		}
	}()
	err = normalize(r.fn(tx))
	r.wroteEvents = err == nil && tx.wroteEvents
	return err, false
}

// errBatchAborted tells a caller that its transaction was rolled back
// through no fault of its own; Update reruns it.
var errBatchAborted = errors.New("shared transaction aborted; retrying")

// errStoreClosed answers writes after Close.
var errStoreClosed = errors.New("store is closed")

// stopWriter drains the queue and stops the writer goroutine.
func (s *Store) stopWriter() {
	if s.writes == nil {
		return
	}
	s.writesMu.Lock()
	if s.writesClosed {
		s.writesMu.Unlock()
		return
	}
	s.writesClosed = true
	close(s.writes)
	s.writesMu.Unlock()
	select {
	case <-s.writerDone:
	case <-time.After(30 * time.Second):
	}
}
