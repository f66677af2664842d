package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/sqlite"
	"github.com/usher-id/usher/internal/store/sqlstore"
)

func openSQLite(t *testing.T) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "usher.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestStatementCache: reads outside a transaction are prepared once; a
// statement first met inside a transaction runs unprepared there and is
// prepared once the transaction has let go of SQLite's one writer.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	sqlstore.SettleStatements(db) // the migrations' transactions leave some
	base := sqlstore.CachedStatements(db)
	if _, err := db.GetSetting(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetSetting: %v", err)
	}
	after := sqlstore.CachedStatements(db)
	if after != base+1 {
		t.Fatalf("cached statements after one read: %d, want %d", after, base+1)
	}
	if _, err := db.GetSetting(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	if n := sqlstore.CachedStatements(db); n != after {
		t.Fatalf("the same read prepared again: %d statements, want %d", n, after)
	}

	if err := db.Tx(ctx, func(q store.Queries) error { return q.SetSetting(ctx, "k", "v1") }); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for sqlstore.CachedStatements(db) == after {
		if time.Now().After(deadline) {
			t.Fatal("the statement written in a transaction was never prepared")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The prepared statement now runs inside transactions, and writes land.
	if err := db.Tx(ctx, func(q store.Queries) error { return q.SetSetting(ctx, "k", "v2") }); err != nil {
		t.Fatal(err)
	}
	if v, err := db.GetSetting(ctx, "k"); err != nil || v != "v2" {
		t.Fatalf("GetSetting after the cached write = %q, %v; want v2", v, err)
	}
}

// TestStatementCacheConcurrent mixes transactions, plain writes and reads
// on new and cached statements; it must neither deadlock on the single
// writer nor lose a write.
func TestStatementCacheConcurrent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := openSQLite(t)
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				key := fmt.Sprintf("w%d-%d", w, i)
				var err error
				switch i % 3 {
				case 0:
					err = db.Tx(ctx, func(q store.Queries) error {
						if err := q.SetSetting(ctx, key, "tx"); err != nil {
							return err
						}
						_, err := q.GetSetting(ctx, key)
						return err
					})
				case 1:
					err = db.SetSetting(ctx, key, "plain")
				default:
					_, _, err = db.SetSettingIfAbsent(ctx, key, "absent")
				}
				if err == nil {
					_, err = db.GetSetting(ctx, key)
				}
				if err != nil {
					errc <- fmt.Errorf("%s: %w", key, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}
