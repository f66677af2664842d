package sqlstore

import "context"

// ConfigVersion reads the counter the 0004_config_version triggers raise.
func (c *conn) ConfigVersion(ctx context.Context) (int64, error) {
	var n int64
	err := c.queryRow(ctx, "SELECT n FROM config_version").Scan(&n)
	return n, c.wrap("read config version", err)
}
