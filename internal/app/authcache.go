package app

import (
	"sync"
	"time"

	inbox "github.com/inboxd/inbox"
)

// authCacheTTL is how long a resolved token is reused without reading the
// store. A token revoked on this node stops working at once (the entry is
// dropped); one revoked on another node stops within this time.
const authCacheTTL = 2 * time.Second

// authCacheMax bounds the cache; when full it starts over.
const authCacheMax = 10000

// authCache remembers principals by token hash for a short time: resolving a
// token costs a read transaction, which would otherwise be a large share of
// every API request.
type authCache struct {
	mu      sync.Mutex
	byHash  map[string]authEntry
	byToken map[int64]string
}

type authEntry struct {
	p       *inbox.Principal
	expires *time.Time // the token's own expiry
	until   time.Time  // when the entry must be re-read
}

func (c *authCache) get(hash []byte, now time.Time) *inbox.Principal {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byHash[string(hash)]
	if !ok || now.After(e.until) || (e.expires != nil && !now.Before(*e.expires)) {
		return nil
	}
	return e.p
}

func (c *authCache) put(hash []byte, p *inbox.Principal, expires *time.Time, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byHash == nil || len(c.byHash) >= authCacheMax {
		c.byHash, c.byToken = map[string]authEntry{}, map[int64]string{}
	}
	c.byHash[string(hash)] = authEntry{p: p, expires: expires, until: now.Add(authCacheTTL)}
	c.byToken[p.TokenID] = string(hash)
}

// forget drops a token (after it was revoked or rotated away).
func (c *authCache) forget(tokenID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.byToken[tokenID]; ok {
		delete(c.byHash, h)
		delete(c.byToken, tokenID)
	}
}
