package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/inboxtest"
)

// BenchmarkConcurrentMessageWrites measures the write path a message
// create takes in the store: transactions from one or from 32 writers at
// once, each inserting a message (indexed for search) and its outbox
// event, sharing commits on SQLite. cpu-µs/op is this process's CPU time
// per transaction, steadier than wall time on a shared machine (on
// PostgreSQL it leaves out the server's).
func BenchmarkConcurrentMessageWrites(b *testing.B) {
	store := inboxtest.MustOpenStore(b)
	acc := inboxtest.MustCreateAccount(b, store)
	box := inboxtest.MustCreateInbox(b, store, acc.ID, inbox.ChannelAPI)
	conv := inboxtest.MustCreateConversation(b, store, acc.ID, box.ID)
	ctx := context.Background()
	write := func(i int64) error {
		return store.Update(ctx, func(tx inbox.Tx) error {
			m := &inbox.Message{AccountID: acc.ID, ConversationID: conv.ID, Kind: inbox.KindOutgoing,
				Content: fmt.Sprintf("Check-in is from 3 pm, the code is %d. Enjoy your stay!", i), HasContent: true,
				ContentType: "text", Visibility: inbox.VisibilityExternal, Status: inbox.DeliverySent}
			if err := tx.CreateMessage(ctx, m); err != nil {
				return err
			}
			return tx.CreateEvent(ctx, &inbox.Event{AccountID: acc.ID, Type: "message.created",
				ConversationID: &conv.ID, MessageID: &m.ID, SubjectID: m.ID})
		})
	}
	for _, writers := range []int{1, 32} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			var next atomic.Int64
			var wg sync.WaitGroup
			cpu0 := cpuTime()
			b.ResetTimer()
			for range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
						if err := write(i); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
