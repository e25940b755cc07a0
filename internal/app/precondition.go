package app

import "context"

// A precondition is a check a dialect asks a write to make on the records
// as they are, inside the write's own transaction and before it changes
// anything: BookingSync lets a client send back a record it read, and a
// read-only attribute it sends must equal the stored one (the dialect
// renders the stored record and compares its wire values; a mismatch is its
// validation error, and nothing is written).
type precondition func(*Loader) error

type preconditionKey struct{}

// WithPrecondition returns a context whose next write use case runs check
// with a Loader of its transaction before it acts.
func WithPrecondition(ctx context.Context, check func(*Loader) error) context.Context {
	return context.WithValue(ctx, preconditionKey{}, precondition(check))
}

func preconditionFrom(ctx context.Context) precondition {
	c, _ := ctx.Value(preconditionKey{}).(precondition)
	return c
}
