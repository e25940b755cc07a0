package events_test

import (
	"context"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/events"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/sqlstore"
)

// node is one inboxd process's view of the database: a store and a tail.
type node struct {
	store *sqlstore.Store
	tail  *events.Tail
}

// startNode opens dsn and runs a tail on it until the test ends.
func startNode(t *testing.T, dsn string, d events.Deps) *node {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.Source = app.NewSystem(app.New(app.Deps{Store: s}))
	d.Sequence = s.Engine() == "postgres"
	if d.Wake == nil {
		d.Wake = s.Changes(ctx)
	}
	tail := events.New(d)
	done := make(chan struct{})
	go func() { defer close(done); tail.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		s.Close()
	})
	select {
	case <-tail.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("tail not ready")
	}
	return &node{store: s, tail: tail}
}

// emit commits one transaction writing an event per subject id.
func emit(t *testing.T, s inbox.Store, accountID int64, subjects ...int64) {
	t.Helper()
	err := s.Update(context.Background(), func(tx inbox.Tx) error {
		for _, id := range subjects {
			if err := tx.CreateEvent(context.Background(), &inbox.Event{AccountID: accountID, Type: inbox.EventClientUpdated, SubjectID: id}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// collect reads from sub until it has n events or the deadline passes.
func collect(t *testing.T, sub *events.Subscription, n int) []*inbox.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []*inbox.Event
	for len(out) < n {
		evs, err := sub.Next(ctx, n-len(out))
		if err != nil {
			t.Fatalf("Next after %d of %d events: %v", len(out), n, err)
		}
		out = append(out, evs...)
	}
	return out
}

func subjects(evs []*inbox.Event) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.SubjectID
	}
	return out
}

// checkOrdered fails unless positions strictly increase.
func checkOrdered(t *testing.T, evs []*inbox.Event) {
	t.Helper()
	for i := 1; i < len(evs); i++ {
		if evs[i].Seq <= evs[i-1].Seq {
			t.Fatalf("positions %d then %d: not increasing", evs[i-1].Seq, evs[i].Seq)
		}
	}
}

func TestTail(t *testing.T) {
	t.Parallel()

	t.Run("InOrder", func(t *testing.T) {
		t.Parallel()
		n := startNode(t, inboxtest.MustNewDSN(t), events.Deps{})
		acc := inboxtest.MustCreateAccount(t, n.store)
		sub := n.tail.Subscribe(n.tail.Head(), events.Filter{})
		emit(t, n.store, acc.ID, 1, 2)
		emit(t, n.store, acc.ID, 3)
		got := collect(t, sub, 3)
		checkOrdered(t, got)
		if s := subjects(got); s[0] != 1 || s[1] != 2 || s[2] != 3 {
			t.Fatalf("subjects=%v, want [1 2 3]", s)
		}
		if sub.Position() != got[2].Seq || n.tail.Head() != got[2].Seq {
			t.Fatalf("Position=%d Head=%d, want %d", sub.Position(), n.tail.Head(), got[2].Seq)
		}
	})

	// A subscription far behind the in-memory window pages from the
	// database; one that never reads blocks nobody.
	t.Run("SlowConsumer", func(t *testing.T) {
		t.Parallel()
		n := startNode(t, inboxtest.MustNewDSN(t), events.Deps{Window: 8})
		acc := inboxtest.MustCreateAccount(t, n.store)
		start := n.tail.Head()
		stuck := n.tail.Subscribe(start, events.Filter{}) // never reads
		live := n.tail.Subscribe(start, events.Filter{})
		var want []int64
		for i := int64(1); i <= 40; i++ {
			emit(t, n.store, acc.ID, i, i+1000)
			want = append(want, i, i+1000)
		}
		got := collect(t, live, len(want))
		checkOrdered(t, got)
		if s := subjects(got); !equal(s, want) {
			t.Fatalf("live subjects=%v, want %v", s, want)
		}
		// The one that lagged the whole time catches up from the database
		// (the window holds 8 of the 80 events).
		late := collect(t, stuck, len(want))
		if s := subjects(late); !equal(s, want) {
			t.Fatalf("late subjects=%v, want %v", s, want)
		}
	})

	t.Run("Filter", func(t *testing.T) {
		t.Parallel()
		n := startNode(t, inboxtest.MustNewDSN(t), events.Deps{Window: 4})
		a := inboxtest.MustCreateAccount(t, n.store)
		b := inboxtest.MustCreateAccount(t, n.store)
		start := n.tail.Head()
		for i := int64(1); i <= 10; i++ {
			emit(t, n.store, a.ID, i)
			emit(t, n.store, b.ID, 100+i)
		}
		got := collect(t, n.tail.Subscribe(start, events.Filter{AccountID: b.ID}), 10)
		for i, e := range got {
			if e.AccountID != b.ID || e.SubjectID != int64(101+i) {
				t.Fatalf("event %d: account %d subject %d, want %d %d", i, e.AccountID, e.SubjectID, b.ID, 101+i)
			}
		}
		hist, err := n.tail.History(context.Background(), a.ID, got[4].Seq, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 5 || hist[0].SubjectID != 6 || hist[4].SubjectID != 10 {
			t.Fatalf("history subjects=%v, want [6 7 8 9 10]", subjects(hist))
		}
	})

	// Without notifications the tail still sees every event, by polling.
	t.Run("PollOnly", func(t *testing.T) {
		t.Parallel()
		never := make(chan struct{})
		n := startNode(t, inboxtest.MustNewDSN(t), events.Deps{Wake: never, Poll: 20 * time.Millisecond})
		acc := inboxtest.MustCreateAccount(t, n.store)
		sub := n.tail.Subscribe(n.tail.Head(), events.Filter{})
		emit(t, n.store, acc.ID, 7)
		if got := collect(t, sub, 1); got[0].SubjectID != 7 {
			t.Fatalf("subject=%d, want 7", got[0].SubjectID)
		}
	})
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestTailPruned: a subscriber whose position lies before what retention
// removed is told so, never silently given what is left.
func TestTailPruned(t *testing.T) {
	t.Parallel()
	dsn := inboxtest.MustNewDSN(t)
	n := startNode(t, dsn, events.Deps{Window: 4})
	acc := inboxtest.MustCreateAccount(t, n.store)
	// Another process's store, ten days ago.
	past, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer past.Close()
	past.Now = func() time.Time { return time.Now().Add(-10 * 24 * time.Hour) }
	start := n.tail.Head()
	for i := int64(1); i <= 10; i++ {
		emit(t, past, acc.ID, i)
	}
	got := collect(t, n.tail.Subscribe(start, events.Filter{}), 10)

	// The webhook fan-out has passed them all; retention may go.
	sys := app.NewSystem(app.New(app.Deps{Store: n.store}))
	ctx := context.Background()
	pos, ok, err := sys.TakeFanOut(ctx, "test", time.Minute)
	if err != nil || !ok {
		t.Fatalf("TakeFanOut: %v %v", ok, err)
	}
	if ok, err := sys.CommitFanOut(ctx, "test", pos, got[9].Seq, nil, 0); err != nil || !ok {
		t.Fatalf("CommitFanOut: %v %v", ok, err)
	}
	r := app.DefaultRetention()
	p, err := sys.Prune(ctx, r, 3)
	if err != nil || p.Events != 3 {
		t.Fatalf("Prune: %+v %v, want 3 events", p, err)
	}
	if _, err := n.tail.Subscribe(start, events.Filter{}).Next(ctx, 10); err != events.ErrPruned {
		t.Fatalf("Next from before the pruned events: %v, want ErrPruned", err)
	}
	if _, err := n.tail.History(ctx, acc.ID, start, 10); err != events.ErrPruned {
		t.Fatalf("History from before the pruned events: %v, want ErrPruned", err)
	}
	// From the last pruned position on, everything is there.
	rest := collect(t, n.tail.Subscribe(got[2].Seq, events.Filter{AccountID: acc.ID}), 7)
	if rest[0].SubjectID != 4 || rest[6].SubjectID != 10 {
		t.Fatalf("subjects after the pruned ones: %v", subjects(rest))
	}
}
