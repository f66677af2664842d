package sqlstore

import (
	"strconv"
	"strings"
	"time"
)

// Dialect is what differs between the SQL databases usher runs on. Queries
// are written once with ? placeholders and standard SQL; the dialect fills
// the gaps.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Dollar makes Rebind turn ? into $1, $2, ... (PostgreSQL).
	Dollar bool
	// ILike is the case-insensitive LIKE operator.
	ILike string
	// Time converts a UTC, microsecond-truncated time into a bind value.
	Time func(time.Time) any
	// JSONField returns SQL for the text value of key in JSON column col.
	JSONField func(col, key string) string
	// JSONText returns SQL for JSON column col as text (for searching).
	JSONText func(col string) string
	// SkipLocked follows the row selection of a claiming UPDATE so that
	// concurrent claimers skip each other's rows ("" when writers are
	// serialized anyway).
	SkipLocked string
	// MigrationLock, when set, runs first in every migration transaction so
	// concurrent processes migrate one at a time.
	MigrationLock string
	// TableExists is a query taking a table name and returning one boolean.
	TableExists string
	// ResetUserSeq, when set, runs after a user is inserted with an explicit
	// pk so that generated keys continue above it.
	ResetUserSeq string
	// TrigramFTS: the users_fts and invitations_fts trigram indexes exist
	// (SQLite migration 0005), so contains-searches can look rows up there.
	TrigramFTS bool
	// TrigramIndex: PostgreSQL migration 0005 may have created pg_trgm
	// indexes on invitations.name and users.username (it is skipped when
	// pg_trgm is unavailable, so each search checks they exist).
	TrigramIndex bool
	// CacheStatements keeps prepared statements by SQL text (SQLite, whose
	// driver parses every unprepared query again; pgx caches on its own).
	CacheStatements bool
	// Classify maps a driver error to store.ErrConflict (unique violation)
	// or store.ErrReferenced (foreign key violation); nil otherwise.
	Classify func(error) error
}

// Rebind rewrites ? placeholders for the dialect, leaving quoted text alone.
func (d Dialect) Rebind(q string) string {
	if !d.Dollar || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		ch := q[i]
		switch {
		case ch == '\'':
			inQuote = !inQuote
			b.WriteByte(ch)
		case ch == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// TimeFormat is how SQLite stores times: fixed width, UTC, microseconds, so
// that text order is time order.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// normTime is the precision usher stores: UTC, whole microseconds.
func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
