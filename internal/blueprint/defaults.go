package blueprint

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"

	"github.com/usher-id/usher/internal/app"
)

// defaultsFS holds the blueprints every install gets: usher's own login,
// logout and authenticator setup flows and default brand, and authentik's
// two provider authorization flows (explicit and implicit consent), copied
// unchanged from authentik's blueprints/default.
//
//go:embed defaults/*.yaml
var defaultsFS embed.FS

// Defaults returns the embedded default blueprints by file name, in the
// order they apply.
func Defaults() ([]*Blueprint, error) {
	names, err := fs.Glob(defaultsFS, "defaults/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]*Blueprint, 0, len(names))
	for _, n := range names {
		data, err := defaultsFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		bp, err := Parse(data, "embedded "+n)
		if err != nil {
			return nil, err
		}
		out = append(out, bp)
	}
	return out, nil
}

// ApplyDefaults applies the embedded default blueprints. It runs on every
// start and is idempotent. usher's own files use state "created", so
// objects an administrator changed stay as they are; authentik's
// authorization flow files use its default state "present", so, as in
// authentik (which re-applies them), their few attributes are restored.
func ApplyDefaults(ctx context.Context, a *app.App) error {
	bps, err := Defaults()
	if err != nil {
		return err
	}
	for _, bp := range bps {
		// Two processes starting together may both try to create; Apply
		// starts over after losing such a race (store.ErrConflict).
		_, err = Apply(ctx, a, bp, Options{Trusted: true}) // usher's own files
		if err != nil {
			return fmt.Errorf("default blueprint %s: %w", bp.Name, err)
		}
	}
	return nil
}
