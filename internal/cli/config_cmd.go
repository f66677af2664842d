package cli

import (
	"context"
	"fmt"

	"github.com/usher-id/usher/internal/config"
)

func init() {
	register(&Command{
		Name:    "config",
		Summary: "Print the effective configuration (secrets redacted)",
		Usage:   "usher [--config FILE] config [flags]",
		Description: `Shows every setting, its value and where it came from (default, environment or the
--config file). Secrets are shown as ********. Configuration problems are reported
all at once, one per line.`,
		Examples: `usher config
usher --config /etc/usher/usher.yaml config
usher config --markdown > table.md`,
		Run: func(ctx context.Context, env *Env, args []string) error {
			fs := env.Flags()
			md := fs.Bool("markdown", false, "print the option table as Markdown (for README.md)")
			if err := fs.Parse(args); err != nil {
				return err
			}
			if err := fs.Want(0, 0, ""); err != nil {
				return err
			}
			if *md {
				_, err := fmt.Fprint(env.Stdout, config.Markdown())
				return err
			}
			return env.Config.Print(env.Stdout)
		},
	})
}
