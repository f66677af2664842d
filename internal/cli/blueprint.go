package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/usher-id/usher/internal/blueprint"
)

func init() {
	register(&Command{
		Name:    "blueprint apply",
		Summary: "Apply blueprint files (authentik format)",
		Usage:   "usher blueprint apply [flags] FILE...",
		Description: `Applies each file in one transaction: either every entry is applied or none.
Files apply in the order given; the first failing file stops the run. Prints
what each entry did (created, updated, unchanged, deleted, skipped).`,
		Examples: `usher blueprint apply flows-invitation-enrollment.yaml
usher blueprint apply --context domain=example.com my-blueprint.yaml`,
		Run: func(ctx context.Context, env *Env, args []string) error { return runBlueprint(ctx, env, args, false) },
	})
	register(&Command{
		Name:    "blueprint validate",
		Summary: "Check blueprint files without changing anything",
		Usage:   "usher blueprint validate [flags] FILE...",
		Description: `Runs the full apply inside a transaction that is always rolled back, and prints
entry by entry what would be created, updated, left unchanged or deleted.`,
		Examples: "usher blueprint validate flows-enrollment-2-stage.yaml",
		Run:      func(ctx context.Context, env *Env, args []string) error { return runBlueprint(ctx, env, args, true) },
	})
}

func runBlueprint(ctx context.Context, env *Env, args []string, dry bool) error {
	fs := env.Flags()
	bctx := map[string]any{}
	fs.Func("context", "KEY=VALUE merged over the blueprint's context (repeatable)", func(s string) error {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return errors.New("want KEY=VALUE")
		}
		bctx[k] = v
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := fs.Want(1, -1, "FILE (a blueprint file to apply)"); err != nil {
		return err
	}
	a, err := env.App(ctx)
	if err != nil {
		return err
	}
	// The command prints each file's outcome itself; the importer's own
	// log line would only repeat it between the command's lines.
	quiet := *a
	quiet.Log = slog.New(slog.DiscardHandler)
	a = &quiet
	for _, path := range fs.Args() {
		data, err := blueprint.ReadLocalFile(a, path)
		if err != nil {
			return err
		}
		bp, err := blueprint.Parse(data, path)
		if err != nil {
			return err
		}
		// A file named on the command line was placed by the operator.
		opts := blueprint.Options{Context: bctx, Trusted: true}
		var res blueprint.Result
		if dry {
			res, err = blueprint.Validate(ctx, a, bp, opts)
		} else {
			res, err = blueprint.Apply(ctx, a, bp, opts)
		}
		// A failed apply kept nothing: its entries are told as what they
		// would have done.
		printChanges(env.Stdout, res, dry || err != nil)
		printWarnings(env.Stderr, path, res)
		var bad blueprint.EntryErrors
		if errors.As(err, &bad) {
			list := &listError{head: fmt.Sprintf("%s: nothing was changed: %d entries have errors:", path, len(bad))}
			for _, e := range bad {
				list.items = append(list.items, e.Error())
			}
			return list
		}
		if err != nil {
			return fmt.Errorf("%s: %w (nothing was changed)", path, err)
		}
		c := res.Counts()
		verb := "applied"
		if dry {
			verb = "valid, would apply"
		}
		fmt.Fprintf(env.Stdout, "%s: %s: %d created, %d updated, %d unchanged, %d deleted, %d skipped\n", path, verb,
			c[blueprint.ActionCreated], c[blueprint.ActionUpdated], c[blueprint.ActionUnchanged], c[blueprint.ActionDeleted], c[blueprint.ActionSkipped])
	}
	return nil
}

// printWarnings shows what the import ignored (keys usher's models do not
// have, as authentik ignores them), one line per entry and key.
func printWarnings(w io.Writer, path string, res blueprint.Result) {
	for _, l := range res.Logs {
		if l.LogLevel != "warning" {
			continue
		}
		where := ""
		if n, ok := l.Attributes["entry"]; ok {
			where = fmt.Sprintf(" entry %v", n)
			if id, ok := l.Attributes["id"]; ok {
				where += fmt.Sprintf(" (id: %v)", id)
			}
		}
		fmt.Fprintf(w, "%s:%s: warning: %s\n", path, where, l.Event)
	}
}

func printChanges(w io.Writer, res blueprint.Result, dry bool) {
	would := map[string]string{blueprint.ActionCreated: "would create", blueprint.ActionUpdated: "would update",
		blueprint.ActionUnchanged: "unchanged", blueprint.ActionDeleted: "would delete", blueprint.ActionSkipped: "skipped"}
	for _, c := range res.Changes {
		action := c.Action
		if dry {
			action = would[c.Action]
		}
		line := fmt.Sprintf("  entry %d %s", c.Entry, c.Model)
		if c.ID != "" {
			line += " (id: " + c.ID + ")"
		}
		line += ": " + action
		if c.PK != nil {
			line += fmt.Sprintf(" pk=%v", c.PK)
		}
		if c.Reason != "" {
			line += " (" + c.Reason + ")"
		}
		fmt.Fprintln(w, line)
	}
}
