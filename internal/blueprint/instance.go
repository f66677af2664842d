package blueprint

import (
	"context"
	"errors"
	"io/fs"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/store"
)

// Instance statuses.
const (
	StatusSuccessful = "successful"
	StatusWarning    = "warning"
	StatusError      = "error"
	StatusOrphaned   = "orphaned"
	StatusUnknown    = "unknown"
)

// ApplyInstance applies a blueprint instance (its content, else its file)
// with its context and records the outcome on it: status, last_applied and
// last_applied_hash (only on success, so a failed file is tried again when
// it changes), metadata and managed models. The API's `<pk>/apply/` and
// the watcher call it.
//
// A disabled instance is left alone, as authentik's apply_blueprint task
// returns at once for one (authentik/blueprints/v1/tasks.py): the Result
// says so and nothing is recorded.
func ApplyInstance(ctx context.Context, a *app.App, inst *store.BlueprintInstance) (Result, error) {
	if !inst.Enabled {
		imp := &importer{a: a}
		return Result{Success: true, Logs: []LogEntry{imp.line("info", "Blueprint instance "+inst.Name+" is disabled: not applied", nil)},
			Changes: []Change{}}, nil
	}
	data, err := instanceContent(a, "", *inst)
	if err != nil {
		inst.Status = StatusError
		if errors.Is(err, fs.ErrNotExist) {
			inst.Status = StatusOrphaned
		}
		return failedResult(a, err), saveInstance(ctx, a, inst, err)
	}
	name := inst.Path
	if name == "" {
		name = inst.Name
	}
	bp, err := Parse(data, name)
	if err != nil {
		inst.Status = StatusError
		return failedResult(a, err), saveInstance(ctx, a, inst, err)
	}
	if bp.Metadata != nil {
		inst.Metadata = map[string]any{"name": bp.Metadata.Name, "labels": labelsAny(bp.Metadata.Labels)}
	}
	inst.ManagedModels = bp.Models()
	res, err := Apply(ctx, a, bp, Options{Context: inst.Context, Trusted: instanceTrusted(*inst)})
	if err != nil {
		inst.Status = StatusError
		return res, saveInstance(ctx, a, inst, err)
	}
	inst.Status = StatusSuccessful
	inst.LastApplied = a.Clock()
	inst.LastAppliedHash = Hash(data)
	return res, saveInstance(ctx, a, inst, nil)
}

func saveInstance(ctx context.Context, a *app.App, inst *store.BlueprintInstance, applyErr error) error {
	if err := a.Store.UpdateBlueprintInstance(ctx, inst); err != nil {
		return errors.Join(applyErr, err)
	}
	return applyErr
}

func failedResult(a *app.App, err error) Result {
	imp := &importer{a: a}
	return Result{Success: false, Logs: []LogEntry{imp.line("error", err.Error(), nil)}, Changes: []Change{}}
}

func labelsAny(l map[string]string) map[string]any {
	out := make(map[string]any, len(l))
	for k, v := range l {
		out[k] = v
	}
	return out
}
