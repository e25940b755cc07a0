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
