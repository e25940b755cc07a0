package sqlstore

import inbox "github.com/inboxd/inbox"

// Domain values that queries compare with, spelled from the domain's
// constants so that SQL and Go cannot drift apart. They are SQL literals, not
// bound arguments: the planner sees the value (as it sees a LIMIT, see
// pageQuery), and the statement text stays fixed for the statement cache.
var (
	sqlMemberHost         = quote(inbox.MemberHost)
	sqlMemberClient       = quote(inbox.MemberClient)
	sqlKindActivity       = quote(inbox.KindActivity)
	sqlKindIncoming       = quote(inbox.KindIncoming)
	sqlKindOutgoing       = quote(inbox.KindOutgoing)
	sqlVisibilityInternal = quote(inbox.VisibilityInternal)
)

// quote renders a constant as an SQL string literal. Only constants of the
// domain go through it, never client input.
func quote(s string) string { return "'" + s + "'" }
