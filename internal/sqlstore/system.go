package sqlstore

import "context"

// systemConns is the size of the PostgreSQL pool kept for System contexts:
// the outbox tail, the webhook fan-out (four rendering transactions at
// once) and dispatcher, the realtime hub and retention. It is taken from
// the node's 32 connections.
const systemConns = 6

type systemKey struct{}

// System marks ctx as the context of the node's background loops (outbox
// tail, webhook delivery, realtime, retention). On PostgreSQL their
// transactions run on a pool of their own, so they never queue behind
// requests for a connection: with 50 clients writing, the requests held
// every connection of the shared pool and every step of a webhook's way
// (reading the outbox, rendering, storing the deliveries, recording the
// attempts) waited behind a queue of writes, so deliveries fell far behind
// the writes (docs/benchmarks.md, Webhooks). SQLite needs no such pool:
// writes queue for its one writer whatever the pool, and reads have a pool
// of their own.
func System(ctx context.Context) context.Context {
	return context.WithValue(ctx, systemKey{}, true)
}

func isSystem(ctx context.Context) bool {
	v, _ := ctx.Value(systemKey{}).(bool)
	return v
}
