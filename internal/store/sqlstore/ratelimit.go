package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// Hit counts one hit in key's window with an upsert and returns the count.
func (c *conn) Hit(ctx context.Context, key string, windowStart, expires time.Time) (int, error) {
	var n int
	err := c.execRow(ctx, `INSERT INTO rate_limit_hits (key_name, window_start, hits, expires) VALUES (?, ?, 1, ?)
		ON CONFLICT (key_name, window_start) DO UPDATE SET hits = rate_limit_hits.hits + 1
		RETURNING hits`, key, c.t(windowStart), c.t(expires)).Scan(&n)
	return n, c.wrap("count rate limit hit", err)
}

// HitCount reads the count without adding to it (0 when none).
func (c *conn) HitCount(ctx context.Context, key string, windowStart time.Time) (int, error) {
	var n int
	err := c.queryRow(ctx, "SELECT hits FROM rate_limit_hits WHERE key_name = ? AND window_start = ?",
		key, c.t(windowStart)).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, c.wrap("read rate limit hits", err)
}

// HitCounts reads the counts of several keys of one window.
func (c *conn) HitCounts(ctx context.Context, keys []string, windowStart time.Time) (map[string]int, error) {
	out := make(map[string]int, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(keys)+1)
	args = append(args, c.t(windowStart))
	q := "SELECT key_name, hits FROM rate_limit_hits WHERE window_start = ? AND key_name IN (?" + strings.Repeat(", ?", len(keys)-1) + ")"
	for _, k := range keys {
		args = append(args, k)
	}
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, c.wrap("read rate limit hits", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, c.wrap("read rate limit hits", err)
		}
		out[k] = n
	}
	return out, c.wrap("read rate limit hits", rows.Err())
}

func (c *conn) DeleteExpiredHits(ctx context.Context, at time.Time) (int, error) {
	return c.execCount(ctx, "delete expired rate limit hits", "DELETE FROM rate_limit_hits WHERE expires < ?", c.t(at))
}
