package inbox

import (
	"net/url"
	"strings"
	"time"
)

// TokenSession is the Principal kind of a host signed in to the web inbox
// with a session cookie.
const TokenSession = "session"

// Session is a host signed in to the web inbox. Only the hash of the
// cookie's value is stored; the record lives in the database so that every
// node of a cluster sees it (and a sign-out reaches all of them at once).
type Session struct {
	ID        int64
	AccountID int64
	HostID    int64
	TokenHash []byte
	// Address and UserAgent describe where the session was opened from.
	Address    string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	// ExpiresAt is the absolute end of the session, however active it is.
	ExpiresAt time.Time
}

// Invitation is a one-time link that lets a host set its password. Only the
// hash of its token is stored.
type Invitation struct {
	ID        int64
	AccountID int64
	HostID    int64
	TokenHash []byte
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

// AuthorizationCode is an OAuth authorization code (RFC 6749 §4.1): what a
// host's consent gives an application, exchanged once for a token. Only the
// hash of the code is stored.
type AuthorizationCode struct {
	ID            int64
	AccountID     int64
	ApplicationID int64
	// HostID is the host who consented.
	HostID   int64
	CodeHash []byte
	// RedirectURI is the redirect_uri of the authorization request ("" when
	// it named none); the token request must repeat it.
	RedirectURI string
	Scopes      Scopes
	// CodeChallenge is the PKCE S256 challenge ("" without PKCE).
	CodeChallenge string
	ExpiresAt     time.Time
	UsedAt        *time.Time
	// TokenID is the access token the code was exchanged for.
	TokenID   *int64
	CreatedAt time.Time
}

// ApplicationUpdate holds application fields to change; nil leaves a field
// unchanged.
type ApplicationUpdate struct {
	Name        *string
	Scopes      *Scopes
	RedirectURI *string
	Public      *bool
}

// ValidateRedirectURI checks a redirect URI an application registers: an
// absolute URI without a fragment (RFC 6749 §3.1.2) and without spaces
// (they separate the registered URIs), using https, http to a loopback
// address (RFC 8252 §7.3), or the private-use scheme of a native
// application, which has a dot in it (RFC 8252 §7.1).
func ValidateRedirectURI(s string) error {
	u, err := url.Parse(s)
	bad := FieldError("redirect_uri", "must be an absolute https URI without a fragment (http only to a loopback address)")
	if err != nil || !u.IsAbs() || u.Fragment != "" || strings.ContainsAny(s, " \t\r\n#") || len(s) > 2000 {
		return bad
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return bad
		}
	case "http":
		switch u.Hostname() {
		case "localhost", "127.0.0.1", "::1":
		default:
			return bad
		}
	default:
		if !strings.Contains(u.Scheme, ".") {
			return bad
		}
	}
	return nil
}
