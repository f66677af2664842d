package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/sqlite"
	"github.com/usher-id/usher/internal/store/sqlstore"
	"github.com/usher-id/usher/internal/store/storetest"
)

func TestConformance(t *testing.T) { storetest.Run(t, storetest.OpenSQLite) }

func TestConcurrency(t *testing.T) { storetest.RunConcurrency(t, storetest.OpenSQLite) }

func TestInMemory(t *testing.T) {
	storetest.Run(t, func(t testing.TB) store.Store {
		db, err := sqlite.Open(context.Background(), ":memory:")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func TestConcurrentMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "usher.db")
	a := storetest.OpenSQLiteUnmigrated(t, path)
	b := storetest.OpenSQLiteUnmigrated(t, path)
	storetest.RunConcurrentMigrate(t, a, b)
}

func TestSchemaTooNew(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLiteUnmigrated(t, filepath.Join(t.TempDir(), "usher.db"))
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_, latest, _ := db.SchemaVersion(ctx)
	if _, err := db.Writer().Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, 'x')", latest+5); err != nil {
		t.Fatal(err)
	}
	err := db.Migrate(ctx)
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("Migrate on a newer schema = %v, want ErrSchemaTooNew", err)
	}
	for _, want := range []string{"version " + itoa(latest+5), itoa(latest), "upgrade usher"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if cur, l, err := db.SchemaVersion(ctx); err != nil || cur != latest+5 || l != latest {
		t.Errorf("SchemaVersion = %d, %d, %v", cur, l, err)
	}
}

func TestOpenFailsClearly(t *testing.T) {
	_, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "missing-dir", "usher.db"))
	if err == nil || !strings.Contains(err.Error(), "missing-dir") {
		t.Fatalf("Open in a missing directory = %v; want an error naming the path", err)
	}
	if _, err := sqlite.Open(context.Background(), ""); err == nil {
		t.Fatal("Open with an empty path succeeded")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestMigrationGaps: migrations numbered with gaps (branches given their
// own numbers) apply in order, a database that has a later one gets an
// earlier one merged afterwards, and it counts as outdated until then.
func TestMigrationGaps(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLiteUnmigrated(t, filepath.Join(t.TempDir(), "usher.db"))
	w := db.Writer()
	first := fstest.MapFS{
		"0001_a.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")},
		"0009_c.sql": {Data: []byte("CREATE TABLE c (x INTEGER);")},
	}
	if err := sqlstore.New(w, w, sqlite.Dialect, first).Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	merged := fstest.MapFS{"0006_b.sql": {Data: []byte("CREATE TABLE b (x INTEGER);")}}
	for k, v := range first {
		merged[k] = v
	}
	later := sqlstore.New(w, w, sqlite.Dialect, merged)
	if cur, latest, err := later.SchemaVersion(ctx); err != nil || cur != 1 || latest != 9 {
		t.Errorf("before the gap is filled: SchemaVersion = %d, %d, %v; want 1, 9", cur, latest, err)
	}
	if err := later.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exec("INSERT INTO b (x) VALUES (1)"); err != nil {
		t.Errorf("0006 was not applied after 0009: %v", err)
	}
	if cur, latest, err := later.SchemaVersion(ctx); err != nil || cur != 9 || latest != 9 {
		t.Errorf("after: SchemaVersion = %d, %d, %v; want 9, 9", cur, latest, err)
	}
	dup := fstest.MapFS{"0002_x.sql": {Data: []byte("")}, "0002_y.sql": {Data: []byte("")}}
	if _, err := sqlstore.ParseMigrations(dup); err == nil {
		t.Error("two migrations with one version were accepted")
	}
}
