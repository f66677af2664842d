package resource

import (
	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/store"
)

// BlueprintCheck, when set (by the blueprint package), validates an
// instance's path and content the way authentik's serializer does:
// "Blueprint file does not exist", "Failed to validate blueprint" plus the
// log lines. It returns nil when both are acceptable.
var BlueprintCheck func(c *Ctx, path, content string) *ValidationError

// BlueprintStatuses are the instance status values.
var BlueprintStatuses = []string{"successful", "warning", "error", "orphaned", "unknown"}

// BlueprintInstances is authentik's blueprints.BlueprintInstance.
var BlueprintInstances = &Model[store.BlueprintInstance]{
	Name: store.ModelBlueprintInstance, VerboseName: "Blueprint Instance",
	VerboseNamePlural: "Blueprint Instances",
	Fields: []string{"pk", "name", "path", "context", "last_applied", "last_applied_hash", "status", "enabled",
		"managed_models", "metadata", "content"},
	pk:    func(o store.BlueprintInstance) any { return o.UUID },
	title: func(o store.BlueprintInstance) string { return o.Name },
	list:  func(c *Ctx) ([]store.BlueprintInstance, error) { return c.Q.ListBlueprintInstances(c.ctx()) },
	del: func(c *Ctx, o store.BlueprintInstance) error {
		return c.Q.DeleteBlueprintInstance(c.ctx(), o.UUID)
	},
}

func init() {
	BlueprintInstances.save, BlueprintInstances.serialize = saveBlueprint, serializeBlueprint
	define(BlueprintInstances, finder[store.BlueprintInstance]{
		byPK: uuidPK(func(c *Ctx, id string) (store.BlueprintInstance, error) { return c.Q.GetBlueprintInstance(c.ctx(), id) }),
		unique: map[string]func(c *Ctx, v string) (store.BlueprintInstance, error){
			"name": func(c *Ctx, v string) (store.BlueprintInstance, error) {
				return c.Q.GetBlueprintInstanceByName(c.ctx(), v)
			},
		},
	})
}

func saveBlueprint(c *Ctx, existing *store.BlueprintInstance, data map[string]any) (store.BlueprintInstance, error) {
	b := store.BlueprintInstance{Enabled: true, Status: "unknown", Context: map[string]any{},
		Metadata: map[string]any{}, ManagedModels: []string{}}
	if existing != nil {
		b = *existing
	}
	in := newInput(c, store.ModelBlueprintInstance, existing == nil, data)
	setPK(c, in, &b.UUID)
	in.readOnly("last_applied", "last_applied_hash", "status", "managed_models", "metadata")
	if in.str("name", &b.Name, strOpt{required: true}) && (existing == nil || b.Name != existing.Name) {
		if other, err := c.Q.GetBlueprintInstanceByName(c.ctx(), b.Name); err == nil && other.UUID != b.UUID {
			in.taken("name", uniqueMsg("Blueprint Instance", "name"))
		}
	}
	in.str("path", &b.Path, strOpt{blank: true})
	in.dict("context", &b.Context)
	in.boolean("enabled", &b.Enabled)
	in.str("content", &b.Content, strOpt{blank: true})
	if in.ok() {
		if b.Path == "" && b.Content == "" {
			in.fail("non_field_errors", "Either path or content must be set.")
		} else if BlueprintCheck != nil {
			if v := BlueprintCheck(c, b.Path, b.Content); !v.Empty() {
				for f, msgs := range v.Fields {
					for _, m := range msgs {
						in.fail(f, m)
					}
				}
			}
		}
	}
	if err := in.err(); err != nil {
		return store.BlueprintInstance{}, err
	}
	var err error
	if existing == nil {
		err = c.Q.CreateBlueprintInstance(c.ctx(), &b)
	} else {
		err = c.Q.UpdateBlueprintInstance(c.ctx(), &b)
	}
	c.forget()
	if err != nil {
		return store.BlueprintInstance{}, conflict(err, "name", uniqueMsg("Blueprint Instance", "name"))
	}
	return b, nil
}

func serializeBlueprint(c *Ctx, b store.BlueprintInstance) (map[string]any, error) {
	return map[string]any{
		"pk": b.UUID, "name": b.Name, "path": b.Path, "context": nonNilMap(b.Context),
		"last_applied": fieldrule.FormatTime(b.LastApplied), "last_applied_hash": b.LastAppliedHash, "status": statusOr(b.Status),
		"enabled": b.Enabled, "managed_models": nonNil(b.ManagedModels), "metadata": nonNilMap(b.Metadata),
		"content": b.Content,
	}, nil
}

func statusOr(s string) string {
	if contains(BlueprintStatuses, s) {
		return s
	}
	return "unknown"
}
