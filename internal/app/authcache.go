package app

import (
	"sync"
	"time"

	inbox "github.com/inboxd/inbox"
)

// authCacheTTL is how long a resolved token is reused without reading the
// store. A token revoked on this node stops working at once (the entry is
// dropped); one revoked on another node stops as soon as this node's
// outbox tail reads the revocation (App.Follow), and within this time when
// no tail is followed.
const authCacheTTL = 2 * time.Second

// authCacheMax bounds the cache; when full it starts over.
const authCacheMax = 10000

// authCache remembers principals by token hash for a short time: resolving a
// token costs a read transaction, which would otherwise be a large share of
// every API request.
type authCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	byHash  map[string]authEntry
	byToken map[int64]string
	// epoch counts invalidations: a principal read before one is not
	// cached after it (the read may predate the revocation).
	epoch uint64
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

// current returns the epoch to pass to put for a principal about to be read.
func (c *authCache) current() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// put caches a principal read after epoch was current, unless an
// invalidation came since.
func (c *authCache) put(epoch uint64, hash []byte, p *inbox.Principal, expires *time.Time, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	if c.byHash == nil || len(c.byHash) >= authCacheMax {
		c.byHash, c.byToken = map[string]authEntry{}, map[int64]string{}
	}
	c.byHash[string(hash)] = authEntry{p: p, expires: expires, until: now.Add(c.ttl)}
	c.byToken[p.TokenID] = string(hash)
}

// forget drops a token (after it was revoked or rotated away).
func (c *authCache) forget(tokenID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	if h, ok := c.byToken[tokenID]; ok {
		delete(c.byHash, h)
		delete(c.byToken, tokenID)
	}
}

// forgetAccount drops every principal of an account.
func (c *authCache) forgetAccount(accountID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for h, e := range c.byHash {
		if e.p.AccountID == accountID {
			delete(c.byHash, h)
			delete(c.byToken, e.p.TokenID)
		}
	}
}

// forgetAll empties the cache.
func (c *authCache) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.byHash, c.byToken = nil, nil
}

// forgetHost drops the tokens of a host (removed, or whose role changed).
func (c *authCache) forgetHost(hostID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for h, e := range c.byHash {
		if e.p.Host != nil && e.p.Host.ID == hostID {
			delete(c.byHash, h)
			delete(c.byToken, e.p.TokenID)
		}
	}
}
