package sqlstore

import "testing"

func TestCacheable(t *testing.T) {
	for _, c := range []struct {
		sql  string
		want bool
	}{
		{"SELECT uuid FROM flows WHERE slug = ?", true},
		{"  select 1", true},
		{"INSERT INTO sessions (id) VALUES (?)", true},
		{"UPDATE sessions SET data = ? WHERE id = ?", true},
		{"DELETE FROM sessions WHERE id = ?", true},
		{"SELECT 1;", true},
		{"CREATE TABLE t (a INTEGER)", false},
		{"ALTER TABLE t ADD COLUMN b TEXT", false},
		{"CREATE TABLE a (x INTEGER);\nCREATE TABLE b (y INTEGER);", false}, // a migration script
		{"UPDATE a SET x = 1; DELETE FROM b", false},
		{"SELECT uuid FROM users ORDER BY username LIMIT 20 OFFSET 40", false}, // varies with the page
		{"WITH x AS (SELECT 1) SELECT * FROM x", false},
		{"", false},
	} {
		if got := cacheable(c.sql); got != c.want {
			t.Errorf("cacheable(%q) = %v, want %v", c.sql, got, c.want)
		}
	}
}
