package console_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	msqlite "modernc.org/sqlite"

	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/sqlite"
	"github.com/usher-id/usher/internal/store/sqlstore"
)

// tracer records the SELECTs the console runs, so their plans can be
// checked with EXPLAIN QUERY PLAN.
type tracer struct {
	mu      sync.Mutex
	on      bool
	queries []tracedQuery
}

type tracedQuery struct {
	sql  string
	args []any
}

func (tr *tracer) start() {
	tr.mu.Lock()
	tr.on, tr.queries = true, nil
	tr.mu.Unlock()
}

func (tr *tracer) stop() []tracedQuery {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.on = false
	return tr.queries
}

func (tr *tracer) add(q string, args []driver.NamedValue) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if !tr.on {
		return
	}
	vals := make([]any, len(args))
	for i, a := range args {
		vals[i] = a.Value
	}
	tr.queries = append(tr.queries, tracedQuery{q, vals})
}

type fullConn interface {
	driver.Conn
	driver.QueryerContext
	driver.ExecerContext
	driver.ConnBeginTx
	driver.ConnPrepareContext
}

type tracedDriver struct{ tr *tracer }

func (d tracedDriver) Open(name string) (driver.Conn, error) {
	c, err := (&msqlite.Driver{}).Open(name)
	if err != nil {
		return nil, err
	}
	return tracedConn{c.(fullConn), d.tr}, nil
}

type tracedConn struct {
	fullConn
	tr *tracer
}

func (c tracedConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.tr.add(q, args)
	return c.fullConn.QueryContext(ctx, q, args)
}

// The store prepares and caches statements: trace their queries too.
func (c tracedConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	st, err := c.fullConn.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return tracedStmt{st.(fullStmt), q, c.tr}, nil
}

type fullStmt interface {
	driver.Stmt
	driver.StmtQueryContext
	driver.StmtExecContext
}

type tracedStmt struct {
	fullStmt
	sql string
	tr  *tracer
}

func (s tracedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.tr.add(s.sql, args)
	return s.fullStmt.QueryContext(ctx, args)
}

var (
	benchTracer     = &tracer{}
	registerTracing sync.Once
)

// openTraced opens a SQLite store like sqlite.Open (one writer, a pool of
// query-only readers) through the tracing driver.
func openTraced(t testing.TB, path string) *sqlstore.DB {
	registerTracing.Do(func() { sql.Register("sqlite-traced", tracedDriver{benchTracer}) })
	base := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(ON)&_pragma=synchronous(OFF)"
	write, err := sql.Open("sqlite-traced", base+"&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	write.SetMaxOpenConns(1)
	if err := write.Ping(); err != nil {
		t.Fatal(err)
	}
	read, err := sql.Open("sqlite-traced", base+"&_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	read.SetMaxOpenConns(4)
	db := sqlstore.New(read, write, sqlite.Dialect, sqlite.Migrations)
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

const benchRows = 100_000

// bigFixture is a console on a database with benchRows users and
// invitations, filled in one transaction.
func bigFixture(t testing.TB) (*fixture, *browser, *sqlstore.DB) {
	t.Helper()
	db := openTraced(t, filepath.Join(t.TempDir(), "big.db"))
	f := fixtureOn(t, db, server.Options{})
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	flow := invitableFlow(t, f, "enroll", true)
	// Issue 18's fields: every invitation names a group, every tenth a
	// redirect too.
	var groups [2]store.Group
	for i, name := range []string{"staff", "vpn"} {
		groups[i] = store.Group{Name: name}
		if err := db.CreateGroup(context.Background(), &groups[i]); err != nil {
			t.Fatal(err)
		}
	}
	// Recursive CTEs insert each table in one statement: seconds become
	// milliseconds. Columns follow migrations/0001_init.sql.
	start := time.Now()
	tx, err := db.Writer().Begin()
	if err != nil {
		t.Fatal(err)
	}
	const series = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
	const at = "strftime('%Y-%m-%dT%H:%M:%S.000000Z', '2024-01-01', '+' || i || ' minutes')"
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{series + `INSERT INTO users (uuid, username, name, email, is_active, type, path, attributes, date_joined, last_updated)
			SELECT printf('%08x-0000-4000-8000-%012x', i, i), printf('user-%06d', i), 'User ' || i, printf('user-%06d@example.com', i),
				1, 'external', CASE i % 4 WHEN 0 THEN 'users' WHEN 1 THEN 'users/staff' WHEN 2 THEN 'users/external/partners'
				ELSE 'users/external/customers' END, '{}', ` + at + `, ` + at + ` FROM n`, []any{benchRows - 1}},
		{series + `INSERT INTO invitations (invite_uuid, name, expires, expiring, flow, max_uses, uses, fixed_data, created_by, email, created)
			SELECT printf('%08x-1111-4000-8000-%012x', i, i), printf('inv-%06d', i), ` + at + `, 1, ?, CASE WHEN i % 3 = 0 THEN 1 END, 0,
				json_object('email', 'invitee-' || i || '@example.com'), ?, '', ` + at + ` FROM n`, []any{benchRows - 1, flow.UUID, admin.PK}},
		{series + `INSERT INTO invitation_groups (invitation, group_uuid)
			SELECT printf('%08x-1111-4000-8000-%012x', i, i), CASE i % 2 WHEN 0 THEN ? ELSE ? END FROM n`,
			[]any{benchRows - 1, groups[0].UUID, groups[1].UUID}},
		{series + `INSERT INTO invitation_redirects (invitation, redirect)
			SELECT printf('%08x-1111-4000-8000-%012x', i, i), '/application/launch/wiki/' FROM n WHERE i % 10 = 0`,
			[]any{benchRows - 1}},
	} {
		if _, err := tx.Exec(q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	t.Logf("filled %d users and %d invitations in %s", benchRows, benchRows, time.Since(start).Round(time.Millisecond))
	return f, f.browser(t, &admin), db
}

// adminPages are the pages measured, with a text each must show.
var adminPages = []struct {
	name, path, want string
	search           bool // a contains-search: its matches are sorted, not read in index order
	broad            bool // a search matching most rows: counting them reads the table
}{
	{"users-list", "/if/admin/users/", "user-000000", false, false},
	{"users-search", "/if/admin/users/?search=user-054321", "user-054321@example.com", true, false},
	{"invitations-first-page", "/if/admin/invitations/", "inv-099999", false, false},
	{"invitations-middle-page", "/if/admin/invitations/?page=2500", "inv-050019", false, false},
	{"invitations-search", "/if/admin/invitations/?search=inv-042424", "inv-042424", true, false},
	// Matches every invitation through its creator: the page comes from
	// the list's index (sqlstore.ftsSortCap), the count from every row.
	{"invitations-search-creator", "/if/admin/invitations/?search=admin", "inv-099999", true, true},
	// An expanded row reads its history from the events (issue 18).
	{"invitations-row-history", "/if/admin/invitations/?search=inv-042424&open=0000a5b8-1111-4000-8000-00000000a5b8", "<h3>History</h3>", true, false},
}

// fullScans runs EXPLAIN QUERY PLAN on the queries and returns the steps
// that read or sort a big table row by row.
func fullScans(t testing.TB, db *sqlstore.DB, queries []tracedQuery) []string {
	t.Helper()
	var out []string
	for _, q := range queries {
		if !strings.HasPrefix(strings.TrimSpace(strings.ToUpper(q.sql)), "SELECT") {
			continue
		}
		rows, err := db.Writer().Query("EXPLAIN QUERY PLAN "+q.sql, q.args...)
		if err != nil {
			t.Fatalf("explain %s: %v", q.sql, err)
		}
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			// "SCAN t" reads every row; "SCAN t USING INDEX" walks an index in
			// order (bounded by LIMIT) and "SEARCH" seeks.
			// A temporary B-tree sorts what the index order did not give:
			// on a big table, every row of it.
			scan := strings.HasPrefix(detail, "SCAN ") && !strings.Contains(detail, "USING") && bigTable(q.sql, strings.Fields(detail)[1])
			sort := strings.HasPrefix(detail, "USE TEMP B-TREE") && listsBigTable(q.sql)
			if scan || sort {
				out = append(out, detail+"  <=  "+strings.Join(strings.Fields(q.sql), " "))
			}
		}
		rows.Close()
	}
	return out
}

// bigTable reports whether name (a table or its alias in q) is one of the
// tables that grow with the directory; configuration tables (flows,
// stages, brands, ...) hold tens of rows and may be read whole.
func bigTable(q, name string) bool {
	for _, t := range []string{"users", "invitations", "invitation_uses", "invitation_outbox", "outbox", "events", "sessions", "group_members"} {
		if name == t || strings.Contains(q, t+" "+name+" ") {
			return true
		}
	}
	return false
}

// listsBigTable reports whether q lists users or invitations (rather
// than the few rows of one page, looked up by key).
func listsBigTable(q string) bool {
	q = strings.Join(strings.Fields(q), " ")
	return strings.Contains(q, " FROM users") || strings.Contains(q, " FROM invitations ")
}

// The list pages of a big directory must not read tables row by row.
// Searches (contains, like authentik's) find their rows through the
// trigram indexes (migration 0005) and sort those few rows.
func TestAdminPagesUseIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 200,000 rows")
	}
	_, b, db := bigFixture(t)
	for _, p := range adminPages {
		t.Run(p.name, func(t *testing.T) {
			benchTracer.start()
			r := b.get(t, p.path)
			queries := benchTracer.stop()
			r.expect(t, 200, "", p.want)
			scans := fullScans(t, db, queries)
			t.Logf("%d queries", len(queries))
			for _, s := range scans {
				if p.search && strings.HasPrefix(s, "USE TEMP B-TREE") {
					t.Logf("sorting a search's matches: %s", s)
					continue
				}
				if p.broad && strings.Contains(s, "SELECT COUNT(*)") {
					t.Logf("counting a broad search's matches: %s", s)
					continue
				}
				t.Errorf("full scan: %s", s)
			}
		})
	}
}

// BenchmarkAdminPages measures whole page requests (HTTP, session, queries,
// template) on a database with 100,000 users and 100,000 invitations.
func BenchmarkAdminPages(b *testing.B) {
	_, br, _ := bigFixture(b)
	for _, p := range adminPages {
		b.Run(p.name, func(b *testing.B) {
			br.get(b, p.path).expect(b, 200, "", p.want)
			b.ResetTimer()
			for b.Loop() {
				if r := br.get(b, p.path); r.status != 200 {
					b.Fatalf("status %d", r.status)
				}
			}
		})
	}
}
