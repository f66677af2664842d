package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/sqlite"
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
