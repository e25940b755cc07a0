package events_test

import (
	"context"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/events"
	"github.com/inboxd/inbox/internal/inboxtest"
)

// TestTailLateCommit is the outbox trap: a transaction takes its event id,
// then stays open while later transactions (higher ids) commit and are
// read. When it finally commits, its event must still reach every
// subscriber — a reader remembering "the last id seen" would skip it.
func TestTailLateCommit(t *testing.T) {
	if inboxtest.Engine() != "postgres" {
		t.Skip("SQLite has one writer: its transactions cannot commit out of id order")
	}
	t.Parallel()
	dsn := inboxtest.MustNewDSN(t)
	n := startNode(t, dsn, events.Deps{})
	acc := inboxtest.MustCreateAccount(t, n.store)
	sub := n.tail.Subscribe(n.tail.Head(), events.Filter{})

	var lateID int64
	inserted, release, committed := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		committed <- n.store.Update(context.Background(), func(tx inbox.Tx) error {
			e := &inbox.Event{AccountID: acc.ID, Type: inbox.EventClientUpdated, SubjectID: 1}
			if err := tx.CreateEvent(context.Background(), e); err != nil {
				return err
			}
			lateID = e.ID
			close(inserted)
			<-release
			return nil
		})
	}()
	<-inserted

	emit(t, n.store, acc.ID, 2)
	emit(t, n.store, acc.ID, 3)
	early := collect(t, sub, 2)
	if s := subjects(early); s[0] != 2 || s[1] != 3 {
		t.Fatalf("subjects=%v, want [2 3]", s)
	}
	for _, e := range early {
		if e.ID <= lateID {
			t.Fatalf("event id %d committed first but is not above the open transaction's %d", e.ID, lateID)
		}
	}
	// The trap: by id, nothing is left after the last id read, and yet the
	// open transaction's event (a lower id) is about to commit.
	var byID []*inbox.Event
	n.store.View(context.Background(), func(tx inbox.Tx) (err error) {
		byID, err = tx.FindEvents(context.Background(), acc.ID, early[1].ID, 10)
		return err
	})

	close(release)
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
	late := collect(t, sub, 1)
	if late[0].SubjectID != 1 || late[0].ID != lateID {
		t.Fatalf("late event: subject %d id %d, want 1 %d", late[0].SubjectID, late[0].ID, lateID)
	}
	if late[0].Seq <= early[1].Seq {
		t.Fatalf("late event's position %d is not after %d", late[0].Seq, early[1].Seq)
	}
	if len(byID) != 0 {
		t.Fatalf("events after id %d before the late commit: %d, want 0", early[1].ID, len(byID))
	}
	// And a subscriber that starts from the beginning sees all three once,
	// in the order they became visible.
	all := collect(t, n.tail.Subscribe(early[0].Seq-1, events.Filter{}), 3)
	if s := subjects(all); s[0] != 2 || s[1] != 3 || s[2] != 1 {
		t.Fatalf("replayed subjects=%v, want [2 3 1]", s)
	}
}

// TestTailAcrossNodes: an event committed through one node wakes another
// node's tail through NOTIFY, without waiting for its poll.
func TestTailAcrossNodes(t *testing.T) {
	if inboxtest.Engine() != "postgres" {
		t.Skip("one SQLite database is served by one process")
	}
	t.Parallel()
	dsn := inboxtest.MustNewDSN(t)
	a := startNode(t, dsn, events.Deps{Poll: time.Hour})
	b := startNode(t, dsn, events.Deps{Poll: time.Hour})
	acc := inboxtest.MustCreateAccount(t, a.store)
	subA := a.tail.Subscribe(a.tail.Head(), events.Filter{})
	subB := b.tail.Subscribe(b.tail.Head(), events.Filter{})
	for i := int64(1); i <= 20; i++ {
		emit(t, a.store, acc.ID, i)
		emit(t, b.store, acc.ID, 100+i)
	}
	// With an hour between polls, only notifications can have woken the
	// tails; both nodes see the same events in the same order.
	gotA, gotB := collect(t, subA, 40), collect(t, subB, 40)
	checkOrdered(t, gotA)
	for i := range gotA {
		if gotA[i].Seq != gotB[i].Seq || gotA[i].SubjectID != gotB[i].SubjectID {
			t.Fatalf("event %d: node A (%d, %d), node B (%d, %d)", i, gotA[i].Seq, gotA[i].SubjectID, gotB[i].Seq, gotB[i].SubjectID)
		}
	}
}
