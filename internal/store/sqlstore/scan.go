package sqlstore

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/usher-id/usher/internal/fieldrule"
)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// timeCol scans a time stored as TIMESTAMPTZ (PostgreSQL) or as TEXT in
// TimeFormat (SQLite); NULL leaves Valid false.
type timeCol struct {
	T     time.Time
	Valid bool
}

func (c *timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		c.T, c.Valid = time.Time{}, false
		return nil
	case time.Time:
		// PostgreSQL keeps years past 9999 (its timestamptz reaches
		// 294276): clamp them like parse does, so the API's RFC 3339
		// output stays valid.
		c.T, c.Valid = fieldrule.ClampTime(v), true
		return nil
	case string:
		return c.parse(v)
	case []byte:
		return c.parse(string(v))
	}
	return fmt.Errorf("cannot scan %T into a time", src)
}

func (c *timeCol) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		// A year outside 1-9999 (written before fieldrule.Time was
		// enforced everywhere, or by hand) is formatted by Go as
		// "10000-..." or "-0001-...", which RFC 3339 cannot read. Failing
		// here made every list, page and link touching such a row answer
		// 500, leaving raw SQL as the only way to remove it: read it as
		// the nearest representable time instead, and log it once per read.
		if ct, ok := clampOutOfRange(s); ok {
			if _, seen := clampedLogged.LoadOrStore(s, true); !seen {
				slog.Warn("stored time outside years 1-9999, read as the nearest valid time",
					"stored", s, "read_as", ct.Format(time.RFC3339))
			}
			c.T, c.Valid = ct, true
			return nil
		}
		return fmt.Errorf("bad stored time %q: %w", s, err)
	}
	c.T, c.Valid = fieldrule.ClampTime(t), true
	return nil
}

// clampedLogged holds the out-of-range values already logged, so a list
// read on every page view logs each once per process.
var clampedLogged sync.Map

// outOfRangeRE matches a stored time whose year has more than four digits
// or a sign, as Go's time.Format writes it.
var outOfRangeRE = regexp.MustCompile(`^([-+]?)([0-9]+)(-[0-9]{2}-[0-9]{2}T.*)$`)

// clampOutOfRange reads s, a time with a year outside 0-9999, as MinTime
// or MaxTime; ok is false for anything else that is not a time.
func clampOutOfRange(s string) (time.Time, bool) {
	m := outOfRangeRE.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	// The rest must be a valid time too: check it under a leap year.
	if _, err := time.Parse(time.RFC3339Nano, "2000"+m[3]); err != nil {
		return time.Time{}, false
	}
	if m[1] == "-" || strings.TrimLeft(m[2], "0") == "" {
		return fieldrule.MinTime, true
	}
	return fieldrule.MaxTime, true
}

// ptr returns the time or nil for NULL.
func (c timeCol) ptr() *time.Time {
	if !c.Valid {
		return nil
	}
	t := c.T
	return &t
}

// jsonCol scans a JSON column (TEXT or JSONB) into Dst; NULL or empty
// leaves Dst as it is.
type jsonCol struct{ Dst any }

func (c jsonCol) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("cannot scan %T as JSON", src)
	}
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, c.Dst)
}

// jsonObject encodes a map for a JSON column; nil becomes {}.
func jsonObject(m map[string]any) (string, error) {
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	return string(b), err
}

// jsonList encodes a string list for a JSON column; nil becomes [].
func jsonList(l []string) (string, error) {
	if l == nil {
		return "[]", nil
	}
	b, err := json.Marshal(l)
	return string(b), err
}

// obj returns m or an empty map, so decoded objects are never nil.
func obj(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// nullStr/nullInt convert sql.Null* to pointers.
func nullStr(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	s := n.String
	return &s
}

func nullInt64(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

func nullInt(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

// newUUID returns a random (version 4) UUID, lower case with dashes.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("sqlstore: no randomness: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ensureUUID fills *id with a new UUID when empty, and lower-cases it.
func ensureUUID(id *string) {
	if *id == "" {
		*id = newUUID()
		return
	}
	*id = strings.ToLower(*id)
}

// likeContains returns a LIKE pattern matching s anywhere, with LIKE's
// wildcards in s escaped (use with ESCAPE '\').
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// orderBy resolves a "field" / "-field" ordering against a whitelist of
// SQL expressions; unknown fields give the default. tie is appended so
// paging is stable.
func orderBy(ordering string, allowed map[string]string, def, tie string) string {
	field, desc := strings.CutPrefix(strings.TrimSpace(ordering), "-")
	expr, ok := allowed[field]
	if !ok {
		return "ORDER BY " + def + ", " + tie
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	return "ORDER BY " + expr + dir + " NULLS LAST, " + tie
}

// page returns the LIMIT/OFFSET clause; limit 0 means no limit.
func page(limit, offset int) string {
	var s string
	if limit > 0 {
		s = fmt.Sprintf(" LIMIT %d", limit)
		if offset > 0 {
			s += fmt.Sprintf(" OFFSET %d", offset)
		}
	} else if offset > 0 {
		// Both databases accept a huge LIMIT to mean "all".
		s = fmt.Sprintf(" LIMIT %d OFFSET %d", int64(1)<<62, offset)
	}
	return s
}
