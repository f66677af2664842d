package sqlstore

import (
	"context"
	"strings"
	"unicode/utf8"
)

// ftsTerm returns search as an FTS5 trigram query matching it as a
// substring, or "" when the dialect has no trigram index or the term is
// shorter than one trigram (then only LIKE can find it). The query
// narrows the rows; the LIKE condition beside it still decides, since
// trigram matching folds case more widely than SQLite's LIKE.
func (d Dialect) ftsTerm(search string) string {
	if !d.TrigramFTS || utf8.RuneCountInString(search) < 3 {
		return ""
	}
	// An FTS5 string: double quotes doubled, everything else literal.
	return `"` + strings.ReplaceAll(search, `"`, `""`) + `"`
}

// ftsSortCap is how many candidate rows a search looks up and sorts at
// most. A broader search (one matching most rows, like the creator of
// every invitation) is served better the old way: its page comes from
// walking the list's index until the page is full, and its count reads
// the table, which it must mostly visit anyway.
const ftsSortCap = 5000

// ftsNarrows reports whether the trigram candidates of a search, selected
// by from (a FROM ... WHERE clause), are few enough to look up and sort.
// It stops counting at the cap, so it is cheap either way.
func (c *conn) ftsNarrows(ctx context.Context, from string, args ...any) (bool, error) {
	var n int
	err := c.queryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 "+from+" LIMIT ?)", append(args, ftsSortCap+1)...).Scan(&n)
	return n <= ftsSortCap, c.wrap("search", err)
}
