package cli

import (
	"context"
	"fmt"

	"github.com/usher-id/usher/internal/boot"
	"github.com/usher-id/usher/internal/store"
)

func init() {
	register(&Command{
		Name:    "migrate",
		Summary: "Apply pending database migrations",
		Usage:   "usher migrate [flags]",
		Description: `Brings the database schema up to this version of usher. 'usher serve' does this
by default; run it explicitly to upgrade before starting several instances, or with
--status to see the versions without changing anything.`,
		Examples: `usher migrate
usher migrate --status
USHER_DATABASE_URL=postgres://usher:secret@db/usher usher migrate`,
		Run: runMigrate,
	})
	register(&Command{
		Name:     "version",
		Summary:  "Print the usher version",
		Usage:    "usher version",
		Examples: "usher version",
		Run: func(ctx context.Context, env *Env, args []string) error {
			fs := env.Flags()
			if err := fs.Parse(args); err != nil {
				return err
			}
			if err := fs.Want(0, 0, ""); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "usher %s\n", version())
			return nil
		},
	})
}

func runMigrate(ctx context.Context, env *Env, args []string) error {
	fs := env.Flags()
	status := fs.Bool("status", false, "only print the current and latest schema versions")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := fs.Want(0, 0, ""); err != nil {
		return err
	}
	st, err := boot.OpenStore(ctx, env.Config)
	if err != nil {
		return err
	}
	env.store = st
	m, ok := st.(store.Migrator)
	if !ok {
		return fmt.Errorf("the %s store does not support migrations", st.Dialect())
	}
	before, latest, err := m.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if *status {
		fmt.Fprintf(env.Stdout, "%s schema version %d (this usher: %d)\n", st.Dialect(), before, latest)
		return nil
	}
	if err := boot.Migrate(ctx, st); err != nil {
		return err
	}
	after, _, err := m.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if after == before {
		fmt.Fprintf(env.Stdout, "%s schema is up to date at version %d\n", st.Dialect(), after)
	} else {
		fmt.Fprintf(env.Stdout, "%s schema migrated from version %d to %d\n", st.Dialect(), before, after)
	}
	return nil
}
