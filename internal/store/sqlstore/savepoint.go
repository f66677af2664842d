package sqlstore

import (
	"context"
	"errors"

	"github.com/usher-id/usher/internal/store"
)

// savepointName is reused by nested savepoints: in SQLite and PostgreSQL
// ROLLBACK TO and RELEASE act on the most recent savepoint of that name.
const savepointName = "usher_sp"

// Savepoint runs fn in a savepoint of the transaction (see
// store.SavepointQueries).
func (c *conn) Savepoint(ctx context.Context, fn func(q store.Queries) error) error {
	if c.tx == nil {
		return c.inTx(ctx, func(c *conn) error { return fn(c) })
	}
	if _, err := c.tx.ExecContext(ctx, "SAVEPOINT "+savepointName); err != nil {
		return c.wrap("savepoint", err)
	}
	if err := fn(c); err != nil {
		if _, rerr := c.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+savepointName); rerr != nil {
			return errors.Join(err, c.wrap("rollback to savepoint", rerr))
		}
		if _, rerr := c.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+savepointName); rerr != nil {
			return errors.Join(err, c.wrap("release savepoint", rerr))
		}
		return err
	}
	if _, err := c.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+savepointName); err != nil {
		return c.wrap("release savepoint", err)
	}
	return nil
}
