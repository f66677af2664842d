package sqlstore

// StatementKind says what a statement observed by an Observer did.
type StatementKind int

const (
	// StatementRead is a read outside a transaction, or any statement
	// inside one.
	StatementRead StatementKind = iota
	// StatementWrite is a write; outside a transaction it is a write
	// transaction of its own (autocommit).
	StatementWrite
	// StatementBegin starts a transaction on the writer.
	StatementBegin
)

// Observer sees every statement the store runs, with its SQL and whether it
// ran inside a transaction. Tests count statements and write transactions
// per request with it (see internal/flow/enroll_cost_test.go); it is called
// on the request's goroutine, so it must be cheap and safe for concurrent
// use.
type Observer func(kind StatementKind, sql string, inTx bool)

// Observe installs fn (nil removes it). Set it before the store is shared.
func (db *DB) Observe(fn Observer) {
	if fn == nil {
		db.observer.Store(nil)
		return
	}
	db.observer.Store(&fn)
}

func (c *conn) observe(kind StatementKind, q string) {
	if p := c.db.observer.Load(); p != nil {
		(*p)(kind, q, c.tx != nil)
	}
}
