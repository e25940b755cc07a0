package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements of one pool, keyed by query text.
//
// The SQLite driver parses every statement it is handed; on the hot paths
// parsing cost more than running the query. database/sql prepares a cached
// statement once per connection and reuses it inside transactions
// (Tx.StmtContext). PostgreSQL needs none of this: pgx caches prepared
// statements itself.
//
// A statement is prepared in the background the first time its text is seen
// and used from the next call on. Preparing inline would deadlock: the
// caller already holds a connection for its transaction, and with every
// connection of the pool held that way none would be left to prepare on.
type stmtCache struct {
	db      *sql.DB
	mu      sync.RWMutex
	m       map[string]*sql.Stmt
	pending map[string]bool
	closed  bool
	// preparing counts background prepares, so close can wait for them:
	// one still running after Close would open a connection (and recreate
	// SQLite's -wal and -shm files) behind the caller's back.
	preparing sync.WaitGroup
}

// maxCachedStmts bounds the cache. Queries with IN lists come in one text per
// list length, so the set is finite but can be large; past the bound new
// texts simply run unprepared.
const maxCachedStmts = 4096

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// get returns the prepared statement for q, or nil while it is not prepared
// yet (the caller then runs q as is; errors surface there).
func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	s, ok := c.m[q]
	c.mu.RUnlock()
	if ok {
		return s
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[q]; ok {
		return s
	}
	if c.closed || c.pending[q] || len(c.m)+len(c.pending) >= maxCachedStmts {
		return nil
	}
	c.pending[q] = true
	c.preparing.Add(1)
	go c.prepare(q)
	return nil
}

func (c *stmtCache) prepare(q string) {
	defer c.preparing.Done()
	s, err := c.db.PrepareContext(context.Background(), q)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, q)
	if err != nil {
		return // a bad query keeps failing where it runs, with its error
	}
	if c.closed {
		s.Close()
		return
	}
	c.m[q] = s
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.preparing.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		s.Close()
	}
	c.m = map[string]*sql.Stmt{}
}
