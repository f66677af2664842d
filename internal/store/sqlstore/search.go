package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
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
	if unmatchable(search) {
		return ""
	}
	// An FTS5 string: double quotes doubled, everything else literal.
	return `"` + strings.ReplaceAll(search, `"`, `""`) + `"`
}

// unmatchable reports whether a search term holds a NUL or bytes that are
// not UTF-8. Stored text holds neither (the model registry and the flow
// refuse them), so such a term matches nothing, and it must not reach the
// database: FTS5 cannot quote a NUL (the query ends there: "unterminated
// string"), SQLite's LIKE stops the pattern at it (matching too much), and
// PostgreSQL refuses the parameter.
func unmatchable(search string) bool {
	return strings.IndexByte(search, 0) >= 0 || !utf8.ValidString(search)
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

// trgmInvitationCandidates is, when both trigram indexes exist, a JSON
// array of at most ftsSortCap+1 uuids of invitations whose name, creator
// username or flow slug matches the ILIKE pattern (bound three times),
// with repeats; NULL without the indexes. UNION ALL under a LIMIT stops
// early on a broad term, and the CASE skips the lookups entirely when an
// index is missing.
var trgmInvitationCandidates = `SELECT CASE WHEN to_regclass('invitations_name_trgm') IS NOT NULL
	AND to_regclass('users_username_trgm') IS NOT NULL THEN (
	SELECT COALESCE(json_agg(invite_uuid), '[]') FROM (
		SELECT invite_uuid FROM invitations WHERE name ILIKE ? ESCAPE '\'
		UNION ALL SELECT invite_uuid FROM invitations
			WHERE created_by IN (SELECT pk FROM users WHERE username ILIKE ? ESCAPE '\')
		UNION ALL SELECT invite_uuid FROM invitations
			WHERE flow IN (SELECT uuid FROM flows WHERE slug ILIKE ? ESCAPE '\')
		LIMIT ` + strconv.Itoa(ftsSortCap+1) + `) c) END`

// trgmInvitations returns the uuids of the invitations a PostgreSQL
// search of 3+ characters can match (a superset; the search condition
// still decides), looked up through the trigram indexes. ok is false when
// the indexes are missing or the term matches more than ftsSortCap rows:
// then the plain query, whose scan the planner would pick anyway, serves
// it. The uuids are passed to the list as an array rather than as a
// subquery because the planner cannot tell a specific term from a broad
// one and plans for the broad one, reading the whole table.
func (c *conn) trgmInvitations(ctx context.Context, search string) (ids []string, ok bool, err error) {
	if !c.db.dialect.TrigramIndex || utf8.RuneCountInString(search) < 3 {
		return nil, false, nil
	}
	p := likeContains(search)
	var js sql.NullString
	if err := c.queryRow(ctx, trgmInvitationCandidates, p, p, p).Scan(&js); err != nil {
		return nil, false, c.wrap("search", err)
	}
	if !js.Valid {
		return nil, false, nil
	}
	var all []string
	if err := json.Unmarshal([]byte(js.String), &all); err != nil {
		return nil, false, c.wrap("search", err)
	}
	if len(all) > ftsSortCap {
		return nil, false, nil
	}
	seen := make(map[string]bool, len(all))
	ids = make([]string, 0, len(all))
	for _, id := range all {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, true, nil
}
