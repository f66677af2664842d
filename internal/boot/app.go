package boot

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/config"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
)

// NewApp assembles the application container on an opened store.
func NewApp(ctx context.Context, cfg *config.Config, st store.Store, log *slog.Logger, version string) (*app.App, error) {
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
		Limiter:               limiter,
		Store:                 st,
		Log:                   log,
		Sessions:              &auth.Manager{Store: st, TTL: cfg.SessionTTL, Secure: httpx.Secure},
		Passwords:             pw,
		Events:                events,
		Secret:                secret,
		BlueprintsDir:         cfg.BlueprintsDir,
		DataDir:               cfg.DataDir,
		TemplatesDir:          cfg.TemplatesDir,
		BreachedPasswordsFile: cfg.BreachedPasswordsFile,
		MaxBodyBytes:          cfg.MaxBodyBytes,
		MaxBlueprintBytes:     cfg.BlueprintMaxBytes,
		Version:               version,
		EmailNotConfigured:    !cfg.EmailConfigured(),
	}, nil
}
