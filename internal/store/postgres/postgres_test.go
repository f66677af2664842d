package postgres_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/postgres"
	"github.com/usher-id/usher/internal/store/storetest"
)

// These run when USHER_TEST_POSTGRES_DSN is set (scripts/pg.sh start);
// they skip otherwise, and fail under CI=true.

func TestConformance(t *testing.T) {
	storetest.PostgresDSN(t)
	storetest.Run(t, storetest.OpenPostgres)
}

func TestConcurrency(t *testing.T) {
	storetest.PostgresDSN(t)
	storetest.RunConcurrency(t, storetest.OpenPostgres)
}

func TestConcurrentMigrate(t *testing.T) {
	dsn := storetest.NewPostgresDatabase(t)
	a := storetest.OpenPostgresUnmigrated(t, dsn)
	b := storetest.OpenPostgresUnmigrated(t, dsn)
	storetest.RunConcurrentMigrate(t, a, b)
}

func TestSchemaTooNew(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenPostgresUnmigrated(t, storetest.NewPostgresDatabase(t))
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_, latest, _ := db.SchemaVersion(ctx)
	if _, err := db.Writer().Exec("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 'x')", latest+5); err != nil {
		t.Fatal(err)
	}
	err := db.Migrate(ctx)
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("Migrate on a newer schema = %v, want ErrSchemaTooNew", err)
	}
	for _, want := range []string{"version " + strconv.Itoa(latest+5), strconv.Itoa(latest), "upgrade usher"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestOpenUnreachable(t *testing.T) {
	start := time.Now()
	_, err := postgres.Open(context.Background(), "postgres://usher:secret-pw@127.0.0.1:1/usher?sslmode=disable&connect_timeout=2")
	if err == nil {
		t.Fatal("Open of an unreachable server succeeded")
	}
	if !strings.Contains(err.Error(), "cannot reach database") || strings.Contains(err.Error(), "secret-pw") {
		t.Errorf("error = %q; want a clear message without the password", err)
	}
	if time.Since(start) > 15*time.Second {
		t.Errorf("Open took %v to fail", time.Since(start))
	}
	if _, err := postgres.Open(context.Background(), "postgres://%zz"); err == nil {
		t.Error("Open of a malformed DSN succeeded")
	}
}
