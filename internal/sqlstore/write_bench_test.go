package sqlstore_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/inboxtest"
)

// BenchmarkConcurrentMessageWrites measures the write path a message
// create takes in the store: concurrent transactions, each inserting a
// message (indexed for search) and its outbox event, sharing commits on
// SQLite. cpu-µs/op is this process's CPU time per transaction, steadier
// than wall time on a shared machine (on PostgreSQL it leaves out the
// server's).
func BenchmarkConcurrentMessageWrites(b *testing.B) {
	store := inboxtest.MustOpenStore(b)
	acc := inboxtest.MustCreateAccount(b, store)
	box := inboxtest.MustCreateInbox(b, store, acc.ID, inbox.ChannelAPI)
	conv := inboxtest.MustCreateConversation(b, store, acc.ID, box.ID)
	ctx := context.Background()
	b.SetParallelism(16)
	cpu0 := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			err := store.Update(ctx, func(tx inbox.Tx) error {
				m := &inbox.Message{AccountID: acc.ID, ConversationID: conv.ID, Kind: inbox.KindOutgoing,
					Content: fmt.Sprintf("Check-in is from 3 pm, the code is %d. Enjoy your stay!", i), HasContent: true,
					ContentType: "text", Visibility: inbox.VisibilityExternal, Status: inbox.DeliverySent}
				if err := tx.CreateMessage(ctx, m); err != nil {
					return err
				}
				return tx.CreateEvent(ctx, &inbox.Event{AccountID: acc.ID, Type: "message.created",
					ConversationID: &conv.ID, MessageID: &m.ID, SubjectID: m.ID})
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
