package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
)

// A caller whose context ends while its statement runs must not undo, or
// half-commit, the other transactions of its batch: whatever Update tells
// each caller has to be what the database holds. (SQLite rolls back the whole
// transaction when it interrupts a write, so a cancelled statement in a
// shared transaction would take every caller's work with it.)
func TestUpdateBatched_CancelledCaller(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "inbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.writes == nil {
		t.Skip("no batched writer")
	}

	// Hold the writer so that the next three requests share one batch.
	held, release := make(chan struct{}), make(chan struct{})
	holder := make(chan error, 1)
	go func() {
		holder <- s.Update(ctx, func(inbox.Tx) error { close(held); <-release; return nil })
	}()
	<-held

	const n = 3
	ids := make([]int64, n)
	errs := make([]chan error, n)
	for k := range n {
		errs[k] = make(chan error, 1)
		reqCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			errs[k] <- s.Update(reqCtx, func(tx inbox.Tx) error {
				a := &inbox.Account{Name: fmt.Sprint("request ", k), Status: inbox.AccountTrial}
				if err := tx.CreateAccount(reqCtx, a); err != nil {
					return err
				}
				ids[k] = a.ID
				if k != 1 {
					return nil
				}
				// A write statement that runs long enough to be cancelled
				// halfway (it scans numbers and inserts none).
				time.AfterFunc(2*time.Millisecond, cancel)
				_, err := tx.(*Tx).exec(reqCtx, `
					WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
					INSERT INTO rate_limits (key, window_start, hits) SELECT 'k', i, 1 FROM n WHERE i < 0`)
				return err
			})
		}()
		for len(s.writes) < k+1 { // queue in order
			time.Sleep(time.Millisecond)
		}
	}
	close(release)
	if err := <-holder; err != nil {
		t.Fatal(err)
	}

	for k := range n {
		err := <-errs[k]
		// Ids can be handed out again after a rollback, so match the name.
		stored := false
		if ids[k] != 0 {
			s.View(ctx, func(tx inbox.Tx) error {
				a, err := tx.FindAccountByID(ctx, ids[k])
				stored = err == nil && a.Name == fmt.Sprint("request ", k)
				return nil
			})
		}
		if (err == nil) != stored {
			t.Errorf("request %d: Update=%v, but account %d stored=%v", k, err, ids[k], stored)
		}
	}
}

// Closing twice is harmless, and a write after Close is an error, not a
// panic on the closed queue.
func TestStoreClose(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "inbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	err = s.Update(context.Background(), func(tx inbox.Tx) error { return nil })
	if !errors.Is(err, errStoreClosed) {
		t.Fatalf("Update after Close: err=%v, want %v", err, errStoreClosed)
	}
}
