package boot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/usher-id/usher/internal/config"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/postgres"
	"github.com/usher-id/usher/internal/store/sqlite"
)

// OpenStore opens the configured database (not migrated): PostgreSQL when
// USHER_DATABASE_URL is set, else SQLite in the data directory.
func OpenStore(ctx context.Context, cfg *config.Config) (store.Store, error) {
	if cfg.Postgres() {
		st, err := postgres.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("open database (USHER_DATABASE_URL): %w", err)
		}
		return st, nil
	}
	if err := ensureDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, cfg.DatabasePath())
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return st, nil
}

// Migrate applies pending migrations.
func Migrate(ctx context.Context, st store.Store) error {
	m, ok := st.(store.Migrator)
	if !ok {
		return nil
	}
	if err := m.Migrate(ctx); err != nil {
		if errors.Is(err, store.ErrSchemaTooNew) {
			return err // its message names both versions and says to upgrade
		}
		return fmt.Errorf("migrate database: %w", err)
	}
	return nil
}

// CheckSchema refuses a database that is not at this binary's version
// (serve --migrate=false).
func CheckSchema(ctx context.Context, st store.Store) error {
	m, ok := st.(store.Migrator)
	if !ok {
		return nil
	}
	cur, latest, err := m.SchemaVersion(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("read schema version: %w", err)
	case cur > latest:
		return fmt.Errorf("%w: the database is at schema version %d but this usher knows versions up to %d; upgrade usher", store.ErrSchemaTooNew, cur, latest)
	case cur < latest:
		return fmt.Errorf("the database schema is at version %d, this usher needs %d: run 'usher migrate' first (or serve without --migrate=false)", cur, latest)
	}
	return nil
}

// ensureDataDir creates the data directory and proves it is writable, so
// a read-only or misnamed directory gives one clear line instead of a
// database error.
func ensureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("data directory %s cannot be created: %v (set USHER_DATA_DIR to a writable directory)", dir, Cause(err))
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable: %v (set USHER_DATA_DIR to a writable directory)", dir, Cause(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(filepath.Clean(name))
}

// Cause strips the path wrapper from file system errors, for messages
// that already name the file.
func Cause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
