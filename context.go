package inbox

import "context"

type contextKey int

const principalKey contextKey = iota

// NewContextWithPrincipal returns a context that carries p.
func NewContextWithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// PrincipalFromContext returns the principal of the request, or nil.
func PrincipalFromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey).(*Principal)
	return p
}

// AccountIDFromContext returns the account of the request's principal, or 0.
func AccountIDFromContext(ctx context.Context) int64 {
	if p := PrincipalFromContext(ctx); p != nil {
		return p.AccountID
	}
	return 0
}

// IdempotencyClaim is a write request's Idempotency-Key on its way from the
// HTTP layer to the transaction that performs the write: the key and a hash
// of the request, and the dialect's renderer of the use case's result. The
// application layer stores the rendered response in the same transaction as
// the write, so a retry either finds the finished response or finds nothing
// and runs; it never stores twice.
type IdempotencyClaim struct {
	Key         string
	RequestHash string
	// Render turns the use case's result into the response to store
	// (Status, Header, Body). The dialect handler sets it before its app
	// call; it must be a pure function of the result.
	Render func(result any) (*IdempotencyRecord, error)
	// Response is set by the write after it committed: the response it
	// rendered and stored, which the handler sends as it is.
	Response *IdempotencyRecord
}

const idempotencyKey = principalKey + 1

// NewContextWithIdempotency returns a context that carries c.
func NewContextWithIdempotency(ctx context.Context, c *IdempotencyClaim) context.Context {
	return context.WithValue(ctx, idempotencyKey, c)
}

// IdempotencyFromContext returns the request's claim, or nil.
func IdempotencyFromContext(ctx context.Context) *IdempotencyClaim {
	c, _ := ctx.Value(idempotencyKey).(*IdempotencyClaim)
	return c
}

// Replay is the error of a write whose Idempotency-Key was already answered
// for the same request: nothing ran, and Response is the stored answer to
// send again.
type Replay struct {
	Response *IdempotencyRecord
}

func (r *Replay) Error() string { return "idempotent replay" }
