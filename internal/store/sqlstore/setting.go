package sqlstore

import "context"

func (c *conn) GetSetting(ctx context.Context, key string) (string, error) {
	var v string
	err := c.queryRow(ctx, "SELECT value FROM settings WHERE name = ?", key).Scan(&v)
	return v, c.wrap("get setting "+key, err)
}

// SetSettingIfAbsent relies on the insert being a no-op for an existing
// key; a concurrent inserter waits for ours (PostgreSQL) or runs after it
// (SQLite), so both then read the same stored value.
func (c *conn) SetSettingIfAbsent(ctx context.Context, key, value string) (string, bool, error) {
	var stored string
	var created bool
	err := c.inTx(ctx, func(c *conn) error {
		n, err := c.execCount(ctx, "set setting "+key, "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", key, value)
		if err != nil {
			return err
		}
		created = n == 1
		return c.wrap("get setting "+key, c.execRow(ctx, "SELECT value FROM settings WHERE name = ?", key).Scan(&stored))
	})
	return stored, created, err
}

func (c *conn) SetSetting(ctx context.Context, key, value string) error {
	_, err := c.exec(ctx, "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", key, value)
	return c.wrap("set setting "+key, err)
}
