package sqlstore

// CachedStatements reports how many statements db keeps prepared.
func CachedStatements(db *DB) int {
	if db.writeStmts == nil {
		return 0
	}
	n := db.writeStmts.size()
	if db.readStmts != db.writeStmts {
		n += db.readStmts.size()
	}
	return n
}

func (c *stmtCache) size() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.stmts)
}

// SettleStatements waits for the statements being prepared in the
// background (after transactions) to be cached.
func SettleStatements(db *DB) {
	if db.writeStmts == nil {
		return
	}
	db.writeStmts.later.Wait()
	db.readStmts.later.Wait()
}
