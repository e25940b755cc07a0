package sqlstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/sqlstore"
	"github.com/jackc/pgx/v5/pgconn"
)

// ctx is the context of every store call in these tests.
var ctx = context.Background()

// t0 is the base time the tests set their clocks to.
var t0 = time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)

func TestOpen(t *testing.T) {
	t.Parallel()

	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		s := inboxtest.MustOpenStore(t)
		if got, want := s.Engine(), inboxtest.Engine(); got != want {
			t.Fatalf("Engine=%v, want %v", got, want)
		}
		if err := s.Ping(ctx); err != nil {
			t.Fatalf("Ping=%v, want nil", err)
		}
	})

	// Opening an existing database applies no migration twice and keeps data.
	t.Run("Idempotent", func(t *testing.T) {
		t.Parallel()
		dsn := inboxtest.MustNewDSN(t)
		s1, err := sqlstore.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		a := inboxtest.MustCreateAccount(t, s1)
		if err := s1.Close(); err != nil {
			t.Fatal(err)
		}

		s2, err := sqlstore.Open(ctx, dsn)
		if err != nil {
			t.Fatalf("second Open=%v, want nil", err)
		}
		defer s2.Close()
		got := mustFind(t, s2, func(tx inbox.Tx) (*inbox.Account, error) { return tx.FindAccountByID(ctx, a.ID) })
		if got.Name != a.Name {
			t.Fatalf("Name=%v, want %v", got.Name, a.Name)
		}
		// The schema is still usable after the second open.
		inboxtest.MustCreateAccount(t, s2)
	})

	t.Run("CreatesDirectory", func(t *testing.T) {
		t.Parallel()
		if inboxtest.Engine() != "sqlite" {
			t.Skip("SQLite only")
		}
		s, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "a", "b", "inbox.db"))
		if err != nil {
			t.Fatalf("Open=%v, want nil", err)
		}
		s.Close()
	})

	t.Run("ErrEmptyPath", func(t *testing.T) {
		t.Parallel()
		if _, err := sqlstore.Open(ctx, ""); err == nil {
			t.Fatal("Open(\"\")=nil, want error")
		}
	})
}

func TestMigrationNames(t *testing.T) {
	t.Parallel()

	t.Run("SameInBothEngines", func(t *testing.T) {
		sqlite, err := sqlstore.MigrationNames("sqlite")
		if err != nil {
			t.Fatal(err)
		}
		postgres, err := sqlstore.MigrationNames("postgres")
		if err != nil {
			t.Fatal(err)
		}
		if len(sqlite) == 0 {
			t.Fatal("no sqlite migrations")
		}
		if !slices.Equal(sqlite, postgres) {
			t.Fatalf("sqlite migrations=%v, want the postgres ones %v", sqlite, postgres)
		}
		if !slices.IsSorted(sqlite) {
			t.Fatalf("names=%v, want lexical order", sqlite)
		}
	})

	t.Run("ErrUnknownEngine", func(t *testing.T) {
		if _, err := sqlstore.MigrationNames("mysql"); err == nil {
			t.Fatal("MigrationNames(mysql)=nil error, want error")
		}
	})
}

func TestStore_Update(t *testing.T) {
	t.Parallel()

	// A failed Update leaves nothing of what fn wrote.
	t.Run("RollbackOnError", func(t *testing.T) {
		t.Parallel()
		s := inboxtest.MustOpenStore(t)
		a := inboxtest.MustCreateAccount(t, s)
		i := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
		boom := errors.New("boom")
		var b inbox.Account
		var h inbox.Host
		var c inbox.Conversation
		err := s.Update(ctx, func(tx inbox.Tx) error {
			b = inbox.Account{Name: "B", Status: inbox.AccountTrial, Locale: "en"}
			if err := tx.CreateAccount(ctx, &b); err != nil {
				return err
			}
			h = inbox.Host{AccountID: a.ID, Firstname: "F", Lastname: "L", Role: inbox.RoleAgent, Availability: "online"}
			if err := tx.CreateHost(ctx, &h); err != nil {
				return err
			}
			c = inbox.Conversation{AccountID: a.ID, InboxID: i.ID, UUID: "u", Status: inbox.StatusOpen, Labels: []string{"x"}}
			if err := tx.CreateConversation(ctx, &c); err != nil {
				return err
			}
			if err := tx.AddInboxMember(ctx, a.ID, i.ID, h.ID); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Update=%v, want %v", err, boom)
		}
		if b.ID == 0 || h.ID == 0 || c.ID == 0 {
			t.Fatalf("ids=%d,%d,%d: fn did not run to the end", b.ID, h.ID, c.ID)
		}
		err = s.View(ctx, func(tx inbox.Tx) error {
			if _, err := tx.FindAccountByID(ctx, b.ID); inbox.ErrorCode(err) != inbox.ENOTFOUND {
				t.Errorf("FindAccountByID=%v, want %v", err, inbox.ENOTFOUND)
			}
			if _, err := tx.FindHostByID(ctx, a.ID, h.ID); inbox.ErrorCode(err) != inbox.ENOTFOUND {
				t.Errorf("FindHostByID=%v, want %v", err, inbox.ENOTFOUND)
			}
			if _, err := tx.FindConversationByID(ctx, a.ID, c.ID); inbox.ErrorCode(err) != inbox.ENOTFOUND {
				t.Errorf("FindConversationByID=%v, want %v", err, inbox.ENOTFOUND)
			}
			if got, err := tx.FindMemberInboxIDs(ctx, a.ID, h.ID); err != nil {
				return err
			} else if len(got) != 0 {
				t.Errorf("FindMemberInboxIDs=%v, want none", got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The display id taken by the failed transaction is given out again.
		if c := inboxtest.MustCreateConversation(t, s, a.ID, i.ID); c.DisplayID != 1 {
			t.Fatalf("DisplayID=%v, want %v", c.DisplayID, 1)
		}
	})

	t.Run("DomainErrorPassesThrough", func(t *testing.T) {
		t.Parallel()
		s := inboxtest.MustOpenStore(t)
		err := s.Update(ctx, func(tx inbox.Tx) error { return inbox.FieldError("name", inbox.MsgBlank) })
		if got, want := inbox.ErrorCode(err), inbox.EINVALID; got != want {
			t.Fatalf("ErrorCode=%v, want %v", got, want)
		} else if got, want := inbox.ErrorField(err), "name"; got != want {
			t.Fatalf("ErrorField=%v, want %v", got, want)
		}
	})

	// Update reruns fn when the engine asks for a retry, and the writes of the
	// failed attempt are gone.
	t.Run("Retry", func(t *testing.T) {
		t.Parallel()
		s := inboxtest.MustOpenStore(t)
		a := inboxtest.MustCreateAccount(t, s)
		i := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
		var calls int
		var c *inbox.Conversation
		err := s.Update(ctx, func(tx inbox.Tx) error {
			calls++
			c = &inbox.Conversation{AccountID: a.ID, InboxID: i.ID, UUID: "u", Status: inbox.StatusOpen}
			if err := tx.CreateConversation(ctx, c); err != nil {
				return err
			}
			if calls == 1 {
				return &pgconn.PgError{Code: "40001", Message: "could not serialize access"}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Update=%v, want nil", err)
		} else if calls != 2 {
			t.Fatalf("calls=%v, want %v", calls, 2)
		} else if c.DisplayID != 1 {
			t.Fatalf("DisplayID=%v, want %v", c.DisplayID, 1)
		}
		_, total := mustList(t, s, func(tx inbox.Tx) ([]*inbox.Conversation, int, error) {
			return tx.FindConversations(ctx, a.ID, inbox.ConversationFilter{})
		})
		if total != 1 {
			t.Fatalf("total=%v, want %v", total, 1)
		}
	})

	t.Run("ErrRetriesExhausted", func(t *testing.T) {
		t.Parallel()
		s := inboxtest.MustOpenStore(t)
		s.MaxRetries = 2
		var calls int
		err := s.Update(ctx, func(tx inbox.Tx) error {
			calls++
			return &pgconn.PgError{Code: "40P01", Message: "deadlock detected"}
		})
		if got, want := inbox.ErrorCode(err), inbox.ECONFLICT; got != want {
			t.Fatalf("ErrorCode=%v, want %v", got, want)
		} else if calls != 3 {
			t.Fatalf("calls=%v, want %v", calls, 3)
		}
	})

	// A panic in fn must not leave the transaction open: on SQLite it would
	// hold the only writer connection, on PostgreSQL its row locks.
	t.Run("PanicReleasesTransaction", func(t *testing.T) {
		t.Parallel()
		s := inboxtest.MustOpenStore(t)
		a := inboxtest.MustCreateAccount(t, s)
		i := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
		func() {
			defer func() {
				if r := recover(); r != nil && r != "bug in fn" {
					panic(r)
				}
			}()
			err := s.Update(ctx, func(tx inbox.Tx) error {
				c := &inbox.Conversation{AccountID: a.ID, InboxID: i.ID, UUID: "u", Status: inbox.StatusOpen}
				if err := tx.CreateConversation(ctx, c); err != nil {
					return err
				}
				panic("bug in fn")
			})
			t.Errorf("Update=%v, want a panic", err)
		}()

		tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		c := &inbox.Conversation{AccountID: a.ID, InboxID: i.ID, UUID: "u", Status: inbox.StatusOpen}
		if err := s.Update(tctx, func(tx inbox.Tx) error { return tx.CreateConversation(tctx, c) }); err != nil {
			t.Fatalf("Update after panic=%v, want nil", err)
		} else if c.DisplayID != 1 {
			t.Fatalf("DisplayID=%v, want %v", c.DisplayID, 1)
		}
	})

	// Every timestamp written in one transaction is its fixed Now.
	t.Run("FixedNow", func(t *testing.T) {
		t.Parallel()
		s := inboxtest.MustOpenStore(t)
		var calls atomic.Int64
		s.Now = func() time.Time { return t0.Add(time.Duration(calls.Add(1)) * time.Second) }
		var a inbox.Account
		var h inbox.Host
		mustUpdate(t, s, func(tx inbox.Tx) error {
			a = inbox.Account{Name: "A", Status: inbox.AccountTrial, Locale: "en"}
			if err := tx.CreateAccount(ctx, &a); err != nil {
				return err
			}
			h = inbox.Host{AccountID: a.ID, Firstname: "F", Lastname: "L", Role: inbox.RoleAgent, Availability: "online"}
			return tx.CreateHost(ctx, &h)
		})
		if !a.CreatedAt.Equal(h.CreatedAt) {
			t.Fatalf("host CreatedAt=%v, want %v", h.CreatedAt, a.CreatedAt)
		} else if !a.CreatedAt.Equal(t0.Add(time.Second)) {
			t.Fatalf("CreatedAt=%v, want %v", a.CreatedAt, t0.Add(time.Second))
		}
	})
}

func TestStore_View(t *testing.T) {
	t.Parallel()

	t.Run("ErrReadOnly", func(t *testing.T) {
		t.Parallel()
		s := inboxtest.MustOpenStore(t)
		err := s.View(ctx, func(tx inbox.Tx) error {
			return tx.CreateAccount(ctx, &inbox.Account{Name: "A", Status: inbox.AccountTrial})
		})
		if err == nil {
			t.Fatal("CreateAccount in View=nil, want error")
		}
	})

	// A reader sees what a committed writer wrote (separate pools on SQLite).
	t.Run("SeesCommittedWrites", func(t *testing.T) {
		t.Parallel()
		s := inboxtest.MustOpenStore(t)
		for range 3 {
			a := inboxtest.MustCreateAccount(t, s)
			mustFind(t, s, func(tx inbox.Tx) (*inbox.Account, error) { return tx.FindAccountByID(ctx, a.ID) })
		}
	})
}

// Timestamps come back in UTC at microsecond precision, whatever zone and
// precision went in.
func TestTimePrecision(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	zone := time.FixedZone("UTC+2", 2*60*60)
	now := time.Date(2024, 2, 29, 23, 59, 58, 123456789, zone)
	s.Now = func() time.Time { return now }
	want := time.Date(2024, 2, 29, 21, 59, 58, 123456000, time.UTC)

	a := inboxtest.MustCreateAccount(t, s)
	if a.CreatedAt != want {
		t.Fatalf("CreatedAt=%v, want %v", a.CreatedAt, want)
	}
	got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Account, error) { return tx.FindAccountByID(ctx, a.ID) })
	if got.CreatedAt != want || got.UpdatedAt != want {
		t.Fatalf("CreatedAt=%v UpdatedAt=%v, want %v", got.CreatedAt, got.UpdatedAt, want)
	} else if got.CreatedAt.Location() != time.UTC {
		t.Fatalf("Location=%v, want %v", got.CreatedAt.Location(), time.UTC)
	}

	// Caller-supplied times, including ones before 1970.
	i := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	snooze := time.Date(2031, 1, 2, 3, 4, 5, 999999999, zone)
	old := time.Date(1969, 7, 20, 20, 17, 40, 500000700, time.UTC)
	c := &inbox.Conversation{AccountID: a.ID, InboxID: i.ID, UUID: "u", Status: inbox.StatusSnoozed,
		SnoozedUntil: &snooze, DeadlineResponseAt: &old}
	mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateConversation(ctx, c) })
	gotC := mustFind(t, s, func(tx inbox.Tx) (*inbox.Conversation, error) { return tx.FindConversationByID(ctx, a.ID, c.ID) })
	if want := time.Date(2031, 1, 2, 1, 4, 5, 999999000, time.UTC); *gotC.SnoozedUntil != want {
		t.Fatalf("SnoozedUntil=%v, want %v", *gotC.SnoozedUntil, want)
	}
	if want := time.Date(1969, 7, 20, 20, 17, 40, 500000000, time.UTC); *gotC.DeadlineResponseAt != want {
		t.Fatalf("DeadlineResponseAt=%v, want %v", *gotC.DeadlineResponseAt, want)
	}
	if gotC.LastActivityAt != want {
		t.Fatalf("LastActivityAt=%v, want %v", gotC.LastActivityAt, want)
	}
}

// mustUpdate runs fn in a read-write transaction and fails the test on error.
func mustUpdate(tb testing.TB, s inbox.Store, fn func(tx inbox.Tx) error) {
	tb.Helper()
	if err := s.Update(ctx, fn); err != nil {
		tb.Fatalf("Update: %v", err)
	}
}

// mustFind runs fn in a read-only transaction and returns its record.
func mustFind[T any](tb testing.TB, s inbox.Store, fn func(tx inbox.Tx) (T, error)) T {
	tb.Helper()
	v, err := find(s, fn)
	if err != nil {
		tb.Fatalf("View: %v", err)
	}
	return v
}

// find runs fn in a read-only transaction.
func find[T any](s inbox.Store, fn func(tx inbox.Tx) (T, error)) (T, error) {
	var v T
	err := s.View(ctx, func(tx inbox.Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v, err
}

// mustChange runs fn in a read-write transaction and returns its record.
func mustChange[T any](tb testing.TB, s inbox.Store, fn func(tx inbox.Tx) (T, error)) T {
	tb.Helper()
	v, err := change(s, fn)
	if err != nil {
		tb.Fatalf("Update: %v", err)
	}
	return v
}

// change runs fn in a read-write transaction.
func change[T any](s inbox.Store, fn func(tx inbox.Tx) (T, error)) (T, error) {
	var v T
	err := s.Update(ctx, func(tx inbox.Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v, err
}

// mustList runs a listing in a read-only transaction.
func mustList[T any](tb testing.TB, s inbox.Store, fn func(tx inbox.Tx) ([]T, int, error)) ([]T, int) {
	tb.Helper()
	var out []T
	var total int
	err := s.View(ctx, func(tx inbox.Tx) error {
		var err error
		out, total, err = fn(tx)
		return err
	})
	if err != nil {
		tb.Fatalf("View: %v", err)
	}
	return out, total
}

// wantCode fails the test unless err carries the domain code.
func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := inbox.ErrorCode(err); got != code {
		tb.Fatalf("ErrorCode=%v, want %v (err=%v)", got, code, err)
	}
}

// setClock fixes the store's clock.
func setClock(s *sqlstore.Store, t time.Time) { s.Now = func() time.Time { return t } }

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// ids returns the ids of records, in order.
func ids[T any](records []T, id func(T) int64) []int64 {
	out := make([]int64, len(records))
	for i, r := range records {
		out[i] = id(r)
	}
	return out
}

// parallel runs fn n times concurrently and waits for all of them.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i)
		}()
	}
	wg.Wait()
}
