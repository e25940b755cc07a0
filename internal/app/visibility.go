package app

import (
	"context"
	"slices"

	inbox "github.com/inboxd/inbox"
)

// Visibility is what one reader may see of one account. Loaders take it
// explicitly instead of reading an HTTP principal, so that a reader that is
// not an HTTP caller (a webhook subscription, a realtime subscriber, a page
// of the web inbox) sees exactly what its owner would see through the API.
//
// The zero InboxIDs (nil) and Scopes (nil) see everything of the account:
// that is the system's view, and an administrator's or an application's for
// inboxes. Build a caller's visibility with VisibilityOf; build a
// subscriber's from what it stored (its account, its host's inboxes).
type Visibility struct {
	// AccountID is the tenant. Every record a loader returns belongs to it;
	// a record of another account is reported as missing (ENOTFOUND).
	AccountID int64
	// InboxIDs lists the inboxes whose conversations (with their
	// participants and messages) the reader sees. nil means every inbox of
	// the account; an empty, non-nil slice means none.
	InboxIDs []int64
	// Host is the host the reader acts as: an agent or administrator. It
	// decides Chatwoot's "mine" counter and the "participating" filter. nil
	// for an application or the system.
	Host *inbox.Host
	// Scopes are the OAuth scopes of an application reader; loaders of
	// records outside the inbox (clients, bookings, embedded records) check
	// them. nil means every scope (a host's role decides what a host sees,
	// and the system sees everything).
	Scopes inbox.Scopes
}

// AllInboxes reports whether the reader sees every inbox of the account.
func (v Visibility) AllInboxes() bool { return v.InboxIDs == nil }

// CanSeeInbox reports whether the reader sees the conversations of an inbox.
func (v Visibility) CanSeeInbox(inboxID int64) bool {
	return v.InboxIDs == nil || slices.Contains(v.InboxIDs, inboxID)
}

// Has reports whether the reader holds a scope.
func (v Visibility) Has(s inbox.Scope) bool { return v.Scopes == nil || v.Scopes.Has(s) }

// VisibilityOf returns what a caller sees: an agent the inboxes it is a
// member of, administrators and applications every inbox; an application
// its token's scopes.
func VisibilityOf(ctx context.Context, tx inbox.Tx, p *inbox.Principal) (Visibility, error) {
	v := Visibility{AccountID: p.AccountID, Host: p.Host}
	if p.Host == nil {
		v.Scopes = append(inbox.Scopes{}, p.Scopes...) // never nil: nil would mean every scope
	}
	if !p.IsAdmin() {
		ids, err := tx.FindMemberInboxIDs(ctx, p.AccountID, p.Host.ID)
		if err != nil {
			return v, err
		}
		if ids == nil {
			ids = []int64{}
		}
		v.InboxIDs = ids
	}
	return v, nil
}

// Request is what an HTTP request addresses before any use case runs: the
// scope its route declares and, for a dialect whose path names the account
// (Chatwoot), that account. A dialect's middleware attaches it with
// WithRequest; every use case then checks it inside its own transaction, so
// the account check costs no transaction of its own.
type Request struct {
	// Scope is the scope the route declares. A use case that requires
	// another scope fails with EINTERNAL: the route table and the use case
	// disagree, which is a programming error the route tests catch.
	Scope inbox.Scope
	// AccountID is the account the path names; 0 means the caller's own.
	// It must exist (ENOTFOUND on field account_id), be active and be the
	// caller's (EUNAUTHORIZED on field account_id).
	AccountID int64
}

type requestKey struct{}

// WithRequest returns a context carrying what the request addresses.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

func requestFrom(ctx context.Context) (Request, bool) {
	r, ok := ctx.Value(requestKey{}).(Request)
	return r, ok
}

// principal returns the caller or EUNAUTHORIZED.
func principal(ctx context.Context) (*inbox.Principal, error) {
	p := inbox.PrincipalFromContext(ctx)
	if p == nil {
		return nil, inbox.Errorf(inbox.EUNAUTHORIZED, "Authentication required.")
	}
	return p, nil
}

// require checks the caller holds a scope, and that the scope is the one the
// request's route declares. Personal tokens act as their host and carry every
// inbox scope their role allows.
func require(ctx context.Context, s inbox.Scope) (*inbox.Principal, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if req, ok := requestFrom(ctx); ok && req.Scope != "" && req.Scope != s {
		return nil, inbox.Errorf(inbox.EINTERNAL, "route declares scope %s but its use case requires %s", req.Scope, s)
	}
	if !p.Allows(s) {
		return nil, inbox.Errorf(inbox.EFORBIDDEN, "The access token lacks the %s scope.", s)
	}
	return p, nil
}

// checkRequest checks, inside tx, the account the request's path names
// (Chatwoot's order: exists, then active, then the caller's).
func checkRequest(ctx context.Context, tx inbox.Tx, p *inbox.Principal) error {
	req, ok := requestFrom(ctx)
	if !ok || req.AccountID == 0 {
		return nil
	}
	acc, err := tx.FindAccountByID(ctx, req.AccountID)
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return &inbox.Error{Code: inbox.ENOTFOUND, Field: "account_id", Message: "Account not found"}
	} else if err != nil {
		return err
	}
	if acc.Status == inbox.AccountSuspended {
		return &inbox.Error{Code: inbox.EUNAUTHORIZED, Field: "account_id", Message: "Account is suspended"}
	}
	if p.AccountID != req.AccountID {
		return &inbox.Error{Code: inbox.EUNAUTHORIZED, Field: "account_id",
			Message: "You are not authorized to access this account"}
	}
	return nil
}

// errNotPermitted is the answer when an agent reaches outside its inboxes.
func errNotPermitted() error {
	return inbox.Errorf(inbox.EFORBIDDEN, "You are not authorized to do this action")
}
