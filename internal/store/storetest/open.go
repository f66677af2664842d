// Package storetest is the conformance suite every store backend passes,
// and the helpers other packages' tests use to get a fresh database on
// each backend:
//
//	for _, b := range storetest.Backends(t) {
//		t.Run(b.Name, func(t *testing.T) {
//			s := b.Open(t) // migrated, empty, closed at the end of the test
//			...
//		})
//	}
//
// PostgreSQL runs when USHER_TEST_POSTGRES_DSN is set (scripts/pg.sh start
// prints it); otherwise its tests skip, except with CI=true, where they
// fail.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/postgres"
	"github.com/usher-id/usher/internal/store/sqlite"
	"github.com/usher-id/usher/internal/store/sqlstore"
)

// DSNEnv names the variable holding the PostgreSQL server for tests.
const DSNEnv = "USHER_TEST_POSTGRES_DSN"

// Opener returns a fresh, migrated, empty store that is closed when the
// test ends.
type Opener func(t testing.TB) store.Store

// Backend is a named Opener.
type Backend struct {
	Name string
	Open Opener
}

// Backends returns SQLite and PostgreSQL; PostgreSQL's Open skips (or
// fails under CI=true) when no server is configured.
func Backends(t testing.TB) []Backend {
	t.Helper()
	return []Backend{{"sqlite", OpenSQLite}, {"postgres", OpenPostgres}}
}

// OpenSQLite returns a migrated store in a fresh file under t.TempDir().
func OpenSQLite(t testing.TB) store.Store {
	t.Helper()
	db := OpenSQLiteUnmigrated(t, filepath.Join(t.TempDir(), "usher.db"))
	migrate(t, db)
	return db
}

// OpenSQLiteUnmigrated opens the SQLite file at path without migrating;
// it is closed when the test ends.
func OpenSQLiteUnmigrated(t testing.TB, path string) *sqlstore.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// OpenPostgres returns a migrated store on a new database of the test
// server, dropped when the test ends. The database is copied from a
// migrated template, so each test skips running the migrations.
func OpenPostgres(t testing.TB) store.Store {
	t.Helper()
	dsn := PostgresDSN(t)
	tmpl := postgresTemplate(t, dsn)
	return OpenPostgresUnmigrated(t, newPostgresDatabase(t, dsn, tmpl))
}

// OpenPostgresUnmigrated opens dsn without migrating; it is closed when the
// test ends.
func OpenPostgresUnmigrated(t testing.TB, dsn string) *sqlstore.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresDSN returns the test server's DSN, skipping the test when it is
// not set (failing under CI=true).
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(DSNEnv)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set but CI=true: PostgreSQL tests must run in CI (start one with scripts/pg.sh start)", DSNEnv)
		}
		t.Skipf("%s not set; skipping PostgreSQL (scripts/pg.sh start prints it)", DSNEnv)
	}
	return dsn
}

// NewPostgresDatabase creates an empty database usher_test_<random> on the
// test server and returns its DSN; it is dropped when the test ends (after
// the test's own cleanups closed their connections).
func NewPostgresDatabase(t testing.TB) string {
	t.Helper()
	return newPostgresDatabase(t, PostgresDSN(t), "")
}

func newPostgresDatabase(t testing.TB, dsn, template string) string {
	t.Helper()
	admin, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", DSNEnv, err)
	}
	name := "usher_test_" + randomHex()
	create := "CREATE DATABASE " + name
	if template != "" {
		create += " TEMPLATE " + template
	}
	if _, err := admin.Writer().Exec(create); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.Writer().ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
		admin.Close()
	})
	return withDatabase(t, dsn, name)
}

func randomHex() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

var templates struct {
	sync.Mutex
	names map[string]string // by server DSN
}

// postgresTemplate returns the name of a migrated database to copy test
// databases from. It is named after the migrations' content and shared by
// test processes; it is built under a temporary name and renamed when
// complete, so no process copies a half-migrated template. It stays on the
// server (scripts/pg.sh stop removes the whole cluster).
func postgresTemplate(t testing.TB, dsn string) string {
	t.Helper()
	templates.Lock()
	defer templates.Unlock()
	if name, ok := templates.names[dsn]; ok {
		return name
	}
	migs, err := sqlstore.ParseMigrations(postgres.Migrations)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, m := range migs {
		h.Write([]byte(m.Name + "\x00" + m.SQL + "\x00"))
	}
	name := "usher_tmpl_" + hex.EncodeToString(h.Sum(nil))[:16]
	ctx := context.Background()
	admin, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", DSNEnv, err)
	}
	defer admin.Close()
	if !templateExists(t, admin, name) {
		building := name + "_" + randomHex()
		if _, err := admin.Writer().Exec("CREATE DATABASE " + building); err != nil {
			t.Fatalf("create template database: %v", err)
		}
		db, err := postgres.Open(ctx, withDatabase(t, dsn, building))
		if err != nil {
			t.Fatalf("open template database: %v", err)
		}
		err = db.Migrate(ctx)
		db.Close()
		if err != nil {
			t.Fatalf("migrate template database: %v", err)
		}
		// The server may take a moment to end the closed connections.
		for attempt := 0; ; attempt++ {
			_, err := admin.Writer().Exec("ALTER DATABASE " + building + " RENAME TO " + name)
			if err == nil {
				break
			}
			if templateExists(t, admin, name) {
				// Another process finished first: use theirs.
				_, _ = admin.Writer().Exec("DROP DATABASE IF EXISTS " + building + " WITH (FORCE)")
				break
			}
			if attempt == 50 {
				t.Fatalf("rename template database: %v", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if templates.names == nil {
		templates.names = map[string]string{}
	}
	templates.names[dsn] = name
	return name
}

func templateExists(t testing.TB, admin *sqlstore.DB, name string) bool {
	var exists bool
	if err := admin.Writer().QueryRow("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatalf("look for template database: %v", err)
	}
	return exists
}

// withDatabase points dsn (URL or key=value form) at database name.
func withDatabase(t testing.TB, dsn, name string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("%s is not a valid URL: %v", DSNEnv, err)
		}
		u.Path = "/" + name
		return u.String()
	}
	return dsn + " dbname=" + name
}

func migrate(t testing.TB, m store.Migrator) {
	t.Helper()
	if err := m.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
}
