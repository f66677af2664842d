package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/config"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
)

// Version is set at build time with -ldflags "-X
// github.com/usher-id/usher/internal/cli.Version=v1.2.3"; otherwise it
// comes from the module build information.
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
	}
	return v
}

// buildApp assembles the application container on an opened store.
func buildApp(ctx context.Context, cfg *config.Config, st store.Store, log *slog.Logger) (*app.App, error) {
	pw, err := auth.ParsePasswordHash(cfg.PasswordHash)
	if err != nil {
		return nil, fmt.Errorf("USHER_PASSWORD_HASH: %w", err)
	}
	secret, err := auth.SecretKey(ctx, st, cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	events := &event.Recorder{Retention: cfg.EventRetention}
	// Built from the validated configuration, so limits set in the YAML
	// file apply as well as those from the environment.
	limiter := ratelimit.New(st, ratelimit.Config{
		Address: ratelimit.Rule{Limit: cfg.RateLimit.AddressLimit, Window: cfg.RateLimit.AddressWindow},
		Target:  ratelimit.Rule{Limit: cfg.RateLimit.TargetLimit, Window: cfg.RateLimit.TargetWindow},
	}, events, log)
	return &app.App{
		Limiter:           limiter,
		Store:             st,
		Log:               log,
		Sessions:          &auth.Manager{Store: st, TTL: cfg.SessionTTL, Secure: httpx.Secure},
		Passwords:         pw,
		Events:            events,
		Secret:            secret,
		BlueprintsDir:     cfg.BlueprintsDir,
		DataDir:           cfg.DataDir,
		TemplatesDir:      cfg.TemplatesDir,
		MaxBodyBytes:      cfg.MaxBodyBytes,
		MaxBlueprintBytes: cfg.BlueprintMaxBytes,
		Version:           version(),
	}, nil
}

// migrate applies pending migrations.
func migrate(ctx context.Context, st store.Store) error {
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

// checkSchema refuses a database that is not at this binary's version
// (serve --migrate=false).
func checkSchema(ctx context.Context, st store.Store) error {
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
		return fmt.Errorf("data directory %s cannot be created: %v (set USHER_DATA_DIR to a writable directory)", dir, cause(err))
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable: %v (set USHER_DATA_DIR to a writable directory)", dir, cause(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(filepath.Clean(name))
}

// cause strips the path wrapper from file system errors.
func cause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
