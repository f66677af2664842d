package store

import "context"

// SavepointQueries undo part of a transaction.
type SavepointQueries interface {
	// Savepoint runs fn inside a savepoint of the current transaction: when
	// fn returns an error, what fn wrote is undone and the transaction goes
	// on (on PostgreSQL a failed statement otherwise aborts the whole
	// transaction), and the error is returned. On a Store outside Tx it
	// runs fn in a transaction of its own. Savepoints nest.
	Savepoint(ctx context.Context, fn func(q Queries) error) error
}
