package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/usher-id/usher/internal/config"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/sqlite"
)

// openStore opens the configured database (not migrated).
func openStore(ctx context.Context, cfg *config.Config) (store.Store, error) {
	if cfg.Postgres() {
		return nil, errors.New("PostgreSQL backend not wired yet") // replaced when internal/store/postgres lands
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
