package blueprint

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"

	"github.com/usher-id/usher/internal/app"
)

// defaultsFS holds usher's own blueprints: the login flow, the logout flow
// and the default brand, in authentik's format.
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
// start and is idempotent; their entries use state "created", so objects
// an administrator changed stay as they are.
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
