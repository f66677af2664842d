package cli

import (
	"context"
	"fmt"

	"github.com/usher-id/usher/internal/config"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/postgres"
	"github.com/usher-id/usher/internal/store/sqlite"
)

// openStore opens the configured database (not migrated): PostgreSQL when
// USHER_DATABASE_URL is set, else SQLite in the data directory.
func openStore(ctx context.Context, cfg *config.Config) (store.Store, error) {
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
