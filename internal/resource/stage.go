package resource

import (
	"github.com/usher-id/usher/internal/store"
)

// stageSpec describes one stage type; stageModel turns it into a Model with
// the fields every stage shares (pk, name unique across all stage types,
// component, verbose names, flow_set).
type stageSpec struct {
	kind             store.StageKind
	model, component string
	verbose, plural  string
	fields           []string
	read             func(in *input, s *store.Stage)               // kind settings from data
	render           func(c *Ctx, s store.Stage, m map[string]any) // kind settings into m
	validate         func(in *input, s *store.Stage)               // cross-field checks, optional
}

var (
	stageModels     = map[store.StageKind]*Model[store.Stage]{}
	stageComponents = map[store.StageKind]string{}
)

// StageModel returns the model of a stage type (for /stages/all/).
func StageModel(k store.StageKind) (*Model[store.Stage], bool) {
	m, ok := stageModels[k]
	return m, ok
}

func stageModel(spec stageSpec) *Model[store.Stage] {
	ofKind := func(s store.Stage, err error) (store.Stage, error) {
		if err == nil && s.Kind != spec.kind {
			err = store.ErrNotFound
		}
		if err != nil {
			return store.Stage{}, err
		}
		return s, nil
	}
	m := &Model[store.Stage]{
		Name: spec.model, VerboseName: spec.verbose, VerboseNamePlural: spec.plural,
		Fields: append([]string{"pk", "name", "component", "verbose_name", "verbose_name_plural", "meta_model_name", "flow_set"}, spec.fields...),
		pk:     func(s store.Stage) any { return s.UUID },
		title:  func(s store.Stage) string { return s.Name },
		list: func(c *Ctx) ([]store.Stage, error) {
			all, err := c.Q.ListStages(c.ctx())
			if err != nil {
				return nil, err
			}
			var out []store.Stage
			for _, s := range all {
				if s.Kind == spec.kind {
					out = append(out, s)
				}
			}
			return out, nil
		},
		del: func(c *Ctx, s store.Stage) error { return c.Q.DeleteStage(c.ctx(), s.UUID) },
		serialize: func(c *Ctx, s store.Stage) (map[string]any, error) {
			fs, err := flowSet(c, s.UUID)
			if err != nil {
				return nil, err
			}
			if err := s.DecodeSettings(mustSettings(s)); err != nil {
				return nil, err
			}
			m := map[string]any{"pk": s.UUID, "name": s.Name, "component": spec.component, "verbose_name": spec.verbose,
				"verbose_name_plural": spec.plural, "meta_model_name": spec.model, "flow_set": fs}
			spec.render(c, s, m)
			return m, nil
		},
		save: func(c *Ctx, existing *store.Stage, data map[string]any) (store.Stage, error) {
			var s store.Stage
			if existing != nil {
				s = *existing
				if err := s.DecodeSettings(mustSettings(s)); err != nil { // fill a nil settings pointer with defaults
					return store.Stage{}, err
				}
			} else {
				s, _ = store.NewStage(spec.kind, "")
			}
			in := newInput(c, spec.model, existing == nil, data)
			setPK(c, in, &s.UUID)
			in.readOnly("component", "verbose_name", "verbose_name_plural", "meta_model_name", "flow_set")
			if in.str("name", &s.Name, strOpt{required: true}) && (existing == nil || s.Name != existing.Name) {
				if other, err := c.Q.GetStageByName(c.ctx(), s.Name); err == nil && other.UUID != s.UUID {
					in.taken("name", uniqueMsg("stage", "name"))
				}
			}
			spec.read(in, &s)
			if spec.validate != nil && in.ok() {
				spec.validate(in, &s)
			}
			if err := in.err(); err != nil {
				return store.Stage{}, err
			}
			var err error
			if existing == nil {
				err = c.Q.CreateStage(c.ctx(), &s)
			} else {
				err = c.Q.UpdateStage(c.ctx(), &s)
			}
			c.forget()
			if err != nil {
				return store.Stage{}, conflict(err, "name", uniqueMsg("stage", "name"))
			}
			return s, nil
		},
	}
	define(m, finder[store.Stage]{
		byPK: uuidPK(func(c *Ctx, id string) (store.Stage, error) { return ofKind(c.Q.GetStage(c.ctx(), id)) }),
		unique: map[string]func(c *Ctx, v string) (store.Stage, error){
			"name": func(c *Ctx, v string) (store.Stage, error) { return ofKind(c.Q.GetStageByName(c.ctx(), v)) },
		},
	})
	stageModels[spec.kind] = m
	stageComponents[spec.kind] = spec.component
	return m
}

// mustSettings re-encodes a stage's settings so DecodeSettings fills any
// missing pointer with the kind's defaults.
func mustSettings(s store.Stage) []byte {
	b, err := s.SettingsJSON()
	if err != nil {
		return nil
	}
	return b
}

// stageOfKind checks a stage reference points at a stage of one of kinds.
func stageOfKind(c *Ctx, kinds ...store.StageKind) func(string) bool {
	return func(id string) bool {
		s, err := c.Q.GetStage(c.ctx(), id)
		if err != nil {
			return false
		}
		for _, k := range kinds {
			if s.Kind == k {
				return true
			}
		}
		return len(kinds) == 0
	}
}
