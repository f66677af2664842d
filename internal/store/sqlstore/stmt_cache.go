package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// stmtCacheMax bounds the statements kept per pool; SQL past it runs
// unprepared. usher's fixed queries number in the low hundreds.
const stmtCacheMax = 1000

// stmtCache keeps one prepared statement per SQL text for a pool, so a
// query is parsed once per connection instead of on every call (on SQLite,
// parsing was about a quarter of a flow request's CPU time). database/sql
// prepares a statement on each connection it runs on, lazily. No lock is
// held while preparing: preparing needs a connection, and on SQLite's
// single writer that connection may be inside a transaction that itself
// looks statements up.
type stmtCache struct {
	pool      *sql.DB
	mu        sync.RWMutex
	stmts     map[string]*sql.Stmt
	preparing map[string]bool
	closed    bool
	later     sync.WaitGroup // background prepares (prepareLater), for tests
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, stmts: map[string]*sql.Stmt{}, preparing: map[string]bool{}}
}

// cacheable keeps single data statements. It leaves out DDL and
// multi-statement scripts (migrations: a prepared statement runs only the
// first statement of a script) and paged listings, whose text varies with
// the page.
func cacheable(q string) bool {
	q = strings.TrimSpace(q)
	if len(q) < 7 || strings.Contains(strings.TrimRight(q, "; \n\t"), ";") || strings.Contains(q, " OFFSET ") {
		return false
	}
	switch strings.ToUpper(q[:6]) {
	case "SELECT", "INSERT", "UPDATE", "DELETE":
		return true
	}
	return false
}

// lookup returns the statement for q when it is prepared already.
func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.RLock()
	st := c.stmts[q]
	c.mu.RUnlock()
	return st
}

// get returns the statement for q, preparing it on first use; nil means
// run q unprepared (the cache is full, q is not cacheable, or preparing
// failed: the unprepared run then reports the error).
func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	if st := c.lookup(q); st != nil || !cacheable(q) {
		return st
	}
	return c.prepare(ctx, q)
}

// prepareLater prepares q in the background, for a transaction that holds
// the connection preparing would need.
func (c *stmtCache) prepareLater(q string) {
	if !cacheable(q) {
		return
	}
	c.mu.RLock()
	busy := c.preparing[q] || c.stmts[q] != nil
	c.mu.RUnlock()
	if !busy {
		c.later.Add(1)
		go func() {
			defer c.later.Done()
			c.prepare(context.Background(), q)
		}()
	}
}

func (c *stmtCache) prepare(ctx context.Context, q string) *sql.Stmt {
	c.mu.Lock()
	if st := c.stmts[q]; st != nil || c.preparing[q] || c.closed || len(c.stmts) >= stmtCacheMax {
		c.mu.Unlock()
		return st
	}
	c.preparing[q] = true
	c.mu.Unlock()

	st, err := c.pool.PrepareContext(ctx, q)

	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.preparing, q)
	if err != nil {
		return nil
	}
	if c.closed {
		st.Close()
		return nil
	}
	c.stmts[q] = st
	return st
}

// close releases every statement; later lookups find none.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}
