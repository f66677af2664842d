package cli

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/boot"
	"github.com/usher-id/usher/internal/config"
	"github.com/usher-id/usher/internal/store/storetest"
)

// Rate limits set in the configuration file reach the app's shared
// limiter, which the API and the flow executor use (not only USHER_*
// variables read from the environment).
func TestRateLimitsFromConfigFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "usher.yaml")
	if err := os.WriteFile(file, []byte("ratelimit_address_limit: 3\nratelimit_target_window: 2m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load([]string{"USHER_DATA_DIR=" + t.TempDir()}, file)
	if err != nil {
		t.Fatal(err)
	}
	a, err := boot.NewApp(context.Background(), cfg, storetest.OpenSQLite(t), slog.New(slog.DiscardHandler), "test")
	if err != nil {
		t.Fatal(err)
	}
	if a.Limiter == nil || a.Limiter.Config.Address.Limit != 3 || a.Limiter.Config.Target.Window != 2*time.Minute ||
		a.Limiter.Config.Address.Window != 5*time.Minute || a.Limiter.Config.Target.Limit != 20 {
		t.Fatalf("limiter = %+v", a.Limiter)
	}
}
