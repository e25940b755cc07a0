package sqlstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Changes returns a channel that receives a value soon after a transaction
// that wrote events commits, so that an outbox reader (internal/events)
// wakes at once instead of waiting for its next poll. Values are coalesced:
// one value may stand for many commits, and a reader reads everything new
// each time it wakes.
//
// Commits of this process are signalled directly. On PostgreSQL the channel
// also receives every notification on the inboxd_events channel, from any
// node, through a dedicated LISTEN connection: the transaction that
// sequences new events sends one, so a commit on one node wakes the others
// as soon as its own node has numbered it (writers do not notify: see
// migration 0007c). That connection is re-established when it drops, with
// one value sent after it is back, since notifications sent meanwhile were
// lost; a reader must also poll, so that a lost notification costs
// latency, never an event.
//
// The channel stops receiving when ctx ends.
func (s *Store) Changes(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	s.listenersMu.Lock()
	if s.listeners == nil {
		s.listeners = map[chan struct{}]struct{}{}
	}
	s.listeners[ch] = struct{}{}
	s.listenersMu.Unlock()
	go func() {
		<-ctx.Done()
		s.listenersMu.Lock()
		delete(s.listeners, ch)
		s.listenersMu.Unlock()
	}()
	if s.engine == enginePostgres {
		go s.listen(ctx, ch)
	}
	return ch
}

// changed wakes this process's outbox readers after a commit that wrote
// events.
func (s *Store) changed() {
	s.listenersMu.Lock()
	defer s.listenersMu.Unlock()
	for ch := range s.listeners {
		wake(ch)
	}
}

func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default: // a wake is already pending
	}
}

// listen relays PostgreSQL notifications to ch until ctx ends.
func (s *Store) listen(ctx context.Context, ch chan struct{}) {
	const maxBackoff = 5 * time.Second
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		conn, err := pgx.Connect(ctx, s.dsn)
		if err == nil {
			if _, err = conn.Exec(ctx, "LISTEN inboxd_events"); err == nil {
				backoff = 100 * time.Millisecond
				wake(ch) // whatever was notified while not listening
				for err == nil {
					if _, err = conn.WaitForNotification(ctx); err == nil {
						wake(ch)
					}
				}
			}
			conn.Close(context.Background())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}
