package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/usher-id/usher/internal/blueprint"
	"github.com/usher-id/usher/internal/store"
)

func init() {
	register(&Command{
		Name:    "blueprint export",
		Summary: "Print a flow as a blueprint (authentik format)",
		Usage:   "usher blueprint export SLUG",
		Description: `Writes the flow with its stages, prompts, stage bindings, policies and policy
bindings to standard output as a blueprint, the same file as the API's
/api/v3/flows/instances/SLUG/export/. Applying it elsewhere recreates the
objects with the same UUIDs; objects outside the flow (groups, users, other
flows) are looked up there by name, username or slug.`,
		Examples: `usher blueprint export default-enrollment-flow > default-enrollment-flow.yaml
usher blueprint export invitation-enrollment-flow-external`,
		Run: runBlueprintExport,
	})
}

func runBlueprintExport(ctx context.Context, env *Env, args []string) error {
	fs := env.Flags()
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := fs.Want(1, 1, "SLUG (the slug of the flow to export)"); err != nil {
		return err
	}
	st, err := env.Store(ctx)
	if err != nil {
		return err
	}
	slug := fs.Arg(0)
	data, err := blueprint.ExportFlow(ctx, st, slug)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no flow with slug %q (the slug is the last part of the flow's URL, /if/flow/SLUG/)", slug)
	}
	if err != nil {
		return err
	}
	_, err = env.Stdout.Write(data)
	return err
}
