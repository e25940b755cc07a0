// Package events is the outbox tail: every node reads the events outbox
// itself, in commit order, and hands each event to the consumers in its
// process (the webhook fan-out, the realtime hub, caches). There is no
// broker: the database is the log, PostgreSQL's NOTIFY the doorbell.
//
// # Order and positions
//
// Every event has a position, inbox.Event.Seq, given once it committed. It
// increases in the order events become visible, without gaps across the
// whole outbox (so strictly, though with gaps, within one account), and it
// is the only number a consumer needs: "everything after position p".
//
//   - SQLite has one writer and commits each transaction, or a shared batch
//     of them, at once; ids come from AUTOINCREMENT, which never reuses
//     one. An event's id is its position.
//   - On PostgreSQL an id is taken from a sequence before the transaction
//     commits, so ids become visible out of order: a reader that remembers
//     "the last id seen" skips an event whose transaction commits late.
//     Positions are therefore given after commit, by a sequencing
//     transaction that only one node runs at a time (it holds a row lock
//     until it commits). It numbers the committed, unnumbered events after
//     the last number given. A sequencing transaction starts only after
//     the previous one committed, so a reader that sees position n also
//     sees every position below it: reading "position > last seen" never
//     skips. Every node tries to sequence each time it wakes; whoever
//     holds the lock does it, the others return at once. The test
//     TestTailLateCommit holds one writing transaction open while later
//     ones commit, and shows nothing is skipped.
//
// Consumers treat a position as an opaque, increasing number: the webhook
// header X-Inboxd-Event-Id, an SSE `id:`, an AnyCable stream offset. A
// receiver drops what it has seen (duplicates come from retries) and orders
// by it.
//
// # Waking up
//
// A node wakes when a transaction that wrote events commits in its own
// process, and on PostgreSQL when any node's does: the writer's node wakes
// at once, numbers the new events, and its sequencing transaction sends
// NOTIFY inboxd_events (payload "seq"), which wakes every other node. The
// writing transaction itself does not notify: a notifying transaction holds
// a cluster-wide lock while it commits, which made concurrent writers
// commit one at a time (32 writers: 1,547–1,983 commits a second without,
// 161–403 with; migration 0007c). A node also polls (Deps.Poll, 250 ms by default), so a
// lost notification, or a writer's node dying before it numbered its
// events, costs latency, never an event.
//
// # Consuming
//
// A consumer subscribes with the position to resume from and pulls:
//
//	sub := tail.Subscribe(from, events.Filter{AccountID: 0})
//	for {
//		batch, err := sub.Next(ctx, 100) // blocks until ≥ 1 event
//		if err != nil { ... }             // ctx ended, or ErrPruned
//		for _, e := range batch { handle(e) }
//		saveSomewhere(sub.Position())     // resume from here next time
//	}
//
// The tail keeps a window of recent events in memory (Deps.Window, 4,096
// by default) shared by every subscription; a subscription is nothing but
// a position and a filter. A consumer that is behind the window, because
// it is slow or because it resumes from an old position, pages from the
// database instead (500 events a query) until it is back in the window.
// So a slow consumer never blocks the tail or any other consumer, costs no
// memory while it lags, and never loses an event silently: if the events
// after its position were removed by retention (INBOXD_EVENT_RETENTION,
// 7 days by default), Next answers ErrPruned and the consumer must start
// over from a fresh state (Tail.Head).
//
// Events handed out are shared between consumers: never modify one.
//
// Subscribe once per consumer, not once per client connection: every
// waiting subscription wakes on every new event. The realtime hub holds one
// subscription and routes each event to its connections itself.
//
// # Catching up a client (history)
//
// A realtime client that reconnects sends the last position it saw (SSE
// Last-Event-ID; AnyCable's history command with a stream offset). The
// server answers from Tail.History(ctx, accountID, after, limit), which
// reads the account's events after that position from the database, and
// then carries on from the hub's live feed. To join without a gap or a
// duplicate: register the connection with the hub first (it buffers what
// arrives), read the history, send it, then send the buffered events whose
// position is above the last one sent. History answers ErrPruned when the
// position lies before the retention window (AnyCable's reject_history).
//
// Tail.Head is the newest position this node has read; a new client with
// no position starts there.
package events
