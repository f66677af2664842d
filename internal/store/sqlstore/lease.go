package sqlstore

import (
	"context"
	"time"
)

// TryLease inserts the lease, or takes it over when it expired or renews it
// when holder already has it, in one statement: the conflicting row is
// locked (PostgreSQL) or the writer is exclusive (SQLite).
func (c *conn) TryLease(ctx context.Context, name, holder string, at time.Time, ttl time.Duration) (bool, error) {
	n, err := c.execCount(ctx, "take lease "+name, `INSERT INTO leases (name, holder, expires) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
		WHERE leases.holder = excluded.holder OR leases.expires <= ?`, name, holder, c.t(at.Add(ttl)), c.t(at))
	return n == 1, err
}
