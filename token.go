package inbox

import (
	"strings"
	"time"
)

// Scope is an OAuth scope. Write scopes include their read scope.
type Scope string

// Scopes known to inboxd (BookingSync's names).
const (
	ScopePublic              Scope = "public"
	ScopeInboxRead           Scope = "inbox_read"
	ScopeInboxWrite          Scope = "inbox_write"
	ScopeClientsRead         Scope = "clients_read"
	ScopeClientsWrite        Scope = "clients_write"
	ScopeBookingsRead        Scope = "bookings_read"
	ScopeBookingsWrite       Scope = "bookings_write"
	ScopeBookingsWriteOwned  Scope = "bookings_write_owned"
	ScopeInquiriesRead       Scope = "inquiries_read"
	ScopeInquiriesWrite      Scope = "inquiries_write"
	ScopeInquiriesWriteOwned Scope = "inquiries_write_owned"
	ScopeWebhooksRead        Scope = "webhooks_read"
	ScopeWebhooksWrite       Scope = "webhooks_write"
)

// KnownScopes lists every scope a token may be granted.
var KnownScopes = []Scope{ScopePublic, ScopeInboxRead, ScopeInboxWrite, ScopeClientsRead, ScopeClientsWrite,
	ScopeBookingsRead, ScopeBookingsWrite, ScopeBookingsWriteOwned, ScopeInquiriesRead, ScopeInquiriesWrite,
	ScopeInquiriesWriteOwned, ScopeWebhooksRead, ScopeWebhooksWrite}

// implies lists, for each scope, the scopes it also grants.
var implies = map[Scope][]Scope{
	ScopeInboxWrite:          {ScopeInboxRead},
	ScopeClientsWrite:        {ScopeClientsRead},
	ScopeBookingsWrite:       {ScopeBookingsRead, ScopeBookingsWriteOwned},
	ScopeBookingsWriteOwned:  {ScopeBookingsRead},
	ScopeInquiriesWrite:      {ScopeInquiriesRead, ScopeInquiriesWriteOwned},
	ScopeInquiriesWriteOwned: {ScopeInquiriesRead},
	ScopeWebhooksWrite:       {ScopeWebhooksRead},
}

// Scopes is a set of granted scopes.
type Scopes []Scope

// Has reports whether the set grants s, directly or through a wider scope.
// "public" is always granted.
func (ss Scopes) Has(s Scope) bool {
	if s == ScopePublic {
		return true
	}
	for _, g := range ss {
		if g == s {
			return true
		}
		for _, i := range implies[g] {
			if i == s {
				return true
			}
		}
	}
	return false
}

// String renders the set space-separated, always starting with public.
func (ss Scopes) String() string {
	parts := []string{string(ScopePublic)}
	for _, s := range ss {
		if s != ScopePublic {
			parts = append(parts, string(s))
		}
	}
	return strings.Join(parts, " ")
}

// ParseScopes parses a space- or comma-separated scope list and rejects
// unknown names.
func ParseScopes(s string) (Scopes, error) {
	var out Scopes
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' }) {
		ok := false
		for _, k := range KnownScopes {
			if string(k) == f {
				ok = true
				break
			}
		}
		if !ok {
			return nil, FieldError("scopes", "unknown scope "+f)
		}
		dup := false
		for _, o := range out {
			dup = dup || string(o) == f
		}
		if !dup {
			out = append(out, Scope(f))
		}
	}
	return out, nil
}

// Application is an OAuth client installed in one account. Its secret is
// stored as a hash (to authenticate the client) and sealed under the server
// key (to sign its webhooks); never in clear.
type Application struct {
	ID         int64
	AccountID  int64
	Name       string
	ClientID   string
	SecretHash []byte
	// SecretSealed is the client secret sealed under the server key; nil for
	// applications created before inboxd kept it, until it is rotated.
	SecretSealed []byte
	Scopes       Scopes
	// RedirectURI holds the registered redirect URIs, one a line (as
	// Doorkeeper stores them); RedirectURIs splits them.
	RedirectURI string
	// Public marks a client that cannot keep a secret (a native or browser
	// application): it authenticates with its client_id alone, may use only
	// the authorization-code grant, and must use PKCE.
	Public    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// RedirectURIs returns the application's registered redirect URIs.
func (a *Application) RedirectURIs() []string { return strings.Fields(a.RedirectURI) }

// Token kinds.
const (
	TokenOAuth    = "oauth"    // BookingSync bearer token of an application
	TokenPersonal = "personal" // a host's personal API token (Chatwoot api_access_token)
)

// AccessToken is a bearer credential. Only hashes of the token and of its
// refresh token are stored.
type AccessToken struct {
	ID            int64
	AccountID     int64
	Kind          string
	ApplicationID *int64
	HostID        *int64
	TokenHash     []byte
	RefreshHash   []byte
	Scopes        Scopes
	ExpiresAt     *time.Time
	RevokedAt     *time.Time
	CreatedAt     time.Time
}

// Active reports whether the token may be used at now.
func (t *AccessToken) Active(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// Principal is who makes a request: the resolved access token. It travels in
// the request context.
type Principal struct {
	AccountID     int64
	TokenID       int64
	Kind          string // TokenOAuth or TokenPersonal
	ApplicationID *int64
	Host          *Host // set for personal tokens
	Scopes        Scopes
	// Name is how activity lines name the actor: the host's name or the
	// application's name.
	Name string
}

// ActorType returns the creator type recorded on records this principal
// writes; "" when the creator has no id to name (a token made before tokens
// belonged to applications), so a type never comes without an id.
func (p *Principal) ActorType() string {
	if p.Host != nil {
		return CreatorUser
	} else if p.ApplicationID != nil {
		return CreatorApplication
	}
	return ""
}

// ActorID returns the creator id recorded on records this principal writes.
func (p *Principal) ActorID() *int64 {
	if p.Host != nil {
		id := p.Host.ID
		return &id
	}
	return p.ApplicationID
}

// IsAdmin reports whether the principal sees the whole account: applications
// and administrators do, agents see only their inboxes.
func (p *Principal) IsAdmin() bool { return p.Host == nil || p.Host.Role == RoleAdministrator }

// Allows reports whether the principal may act with scope s: an application
// by its token's scopes; a host (personal token) by its role, which allows
// every inbox scope.
func (p *Principal) Allows(s Scope) bool { return p.Host != nil || p.Scopes.Has(s) }
