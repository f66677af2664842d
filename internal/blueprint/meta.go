package blueprint

import (
	"context"
	"fmt"
	"slices"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// maxMetaDepth bounds blueprints applying blueprints.
const maxMetaDepth = 8

// meta applies the blueprint instance an authentik_blueprints.metaapplyblueprint
// entry names, inline and in the same transaction. attrs: identifiers
// (selects the instance), required (default true).
func (imp *importer) meta(ctx context.Context, q store.Queries, e *Entry) error {
	fail := func(err error) error { return imp.entryErr(e, MetaApplyModel, err) }
	av, err := imp.r.value(e.attrs)
	if err != nil {
		return fail(err)
	}
	attrs, _ := av.(*omap)
	if attrs == nil {
		return fail(resource.NewValidationError("identifiers", "This field is required."))
	}
	required := true
	if rv, ok := attrs.get("required"); ok {
		b, isBool := rv.(bool)
		if !isBool {
			return fail(resource.NewValidationError("required", "Must be a valid boolean."))
		}
		required = b
	}
	idv, _ := attrs.get("identifiers")
	ids, ok := idv.(*omap)
	if !ok {
		return fail(resource.NewValidationError("identifiers", "This field must be a mapping."))
	}
	inst, found, err := findInstance(ctx, q, ids)
	if err != nil {
		return fail(err)
	}
	if !found {
		if required {
			return fail(resource.NewValidationError("identifiers", "Required blueprint does not exist"))
		}
		imp.record(e, MetaApplyModel, ActionSkipped, nil, "Blueprint does not exist, but not required")
		return nil
	}
	if !inst.Enabled {
		// authentik's apply_blueprint task returns at once for a disabled
		// instance, also when a metaapplyblueprint entry asks for it.
		imp.record(e, MetaApplyModel, ActionSkipped, inst.UUID, "blueprint "+inst.Name+" is disabled")
		return nil
	}
	if slices.Contains(imp.metaStack, inst.Name) || len(imp.metaStack) >= maxMetaDepth {
		return fail(fmt.Errorf("blueprint %q applies itself through metaapplyblueprint (%v)", inst.Name, append(imp.metaStack, inst.Name)))
	}
	data, err := instanceContent(imp.a, imp.opts.Dir, inst)
	if err != nil {
		return fail(fmt.Errorf("blueprint %q: %w", inst.Name, err))
	}
	name := inst.Path
	if name == "" {
		name = inst.Name
	}
	bp, err := Parse(data, name)
	if err != nil {
		return fail(fmt.Errorf("blueprint %q: %w", inst.Name, err))
	}
	opts := imp.opts
	opts.Context = inst.Context
	// The instance's own source decides, not the blueprint applying it.
	opts.Trusted = instanceTrusted(inst)
	if err := bp.CheckTrust(opts.Trusted); err != nil {
		return fail(fmt.Errorf("blueprint %q: %w", inst.Name, err))
	}
	sub := newImporter(ctx, imp.a, bp, opts)
	sub.metaStack = append(slices.Clone(imp.metaStack), inst.Name)
	sub.collect = imp.collect
	sub.r.steps = imp.r.steps
	err = sub.applyAll(ctx, q)
	imp.r.steps = sub.r.steps
	// The other blueprint's lines name it; its errors are told once, in
	// this entry's error below.
	for _, l := range sub.res.Logs {
		if l.LogLevel == "error" {
			continue
		}
		if _, ok := l.Attributes["blueprint"]; !ok {
			l.Attributes["blueprint"] = inst.Name
		}
		imp.res.Logs = append(imp.res.Logs, l)
	}
	imp.res.Changes = append(imp.res.Changes, sub.res.Changes...)
	if err != nil {
		// Not through entryErr, which would keep only the inner entry's
		// error: the message names the chain, this entry, the blueprint
		// it applies, and that blueprint's bad entries.
		return &EntryError{Index: e.Index, ID: e.ID, Model: MetaApplyModel, Err: fmt.Errorf("blueprint %q: %w", inst.Name, err)}
	}
	imp.record(e, MetaApplyModel, ActionUnchanged, inst.UUID, "applied blueprint "+inst.Name)
	return nil
}

// findInstance selects a blueprint instance by pk/uuid, name, path or
// enabled (ANDed).
func findInstance(ctx context.Context, q store.Queries, ids *omap) (store.BlueprintInstance, bool, error) {
	all, err := q.ListBlueprintInstances(ctx)
	if err != nil {
		return store.BlueprintInstance{}, false, err
	}
	for _, k := range ids.keys {
		switch k {
		case "pk", "uuid", "name", "path", "enabled":
		default:
			return store.BlueprintInstance{}, false, resource.NewValidationError("identifiers",
				fmt.Sprintf("Invalid identifier field: %q (use pk, name or path)", k))
		}
	}
next:
	for _, inst := range all {
		for _, k := range ids.keys {
			v := ids.m[k]
			var ok bool
			switch k {
			case "pk", "uuid":
				ok = v == inst.UUID
			case "name":
				ok = v == inst.Name
			case "path":
				ok = v == inst.Path
			case "enabled":
				ok = v == inst.Enabled
			}
			if !ok {
				continue next
			}
		}
		return inst, true, nil
	}
	return store.BlueprintInstance{}, false, nil
}

// instanceTrusted reports whether an instance's blueprint comes from the
// blueprints directory (its file) rather than content stored through the API.
func instanceTrusted(inst store.BlueprintInstance) bool { return inst.Content == "" }

// instanceContent is an instance's blueprint: its content, else its file.
func instanceContent(a *app.App, dir string, inst store.BlueprintInstance) ([]byte, error) {
	if inst.Content != "" {
		return []byte(inst.Content), nil
	}
	if dir == "" {
		dir = a.BlueprintsDir
	}
	return readFileIn(dir, inst.Path, MaxBytes(a))
}
