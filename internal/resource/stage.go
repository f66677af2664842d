package resource

import (
	"github.com/usher-id/usher/internal/store"
)

// stageSpec describes one stage type; stageKind turns it into a Kind with
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

var stageKinds = map[store.StageKind]*Kind{}

// StageKind returns the Kind of a stage type (for /stages/all/).
func StageKind(k store.StageKind) (*Kind, bool) {
	kind, ok := stageKinds[k]
	return kind, ok
}

func stageKind(spec stageSpec) *Kind {
	k := &Kind{
		Model: spec.model, VerboseName: spec.verbose, VerboseNamePlural: spec.plural,
		Fields: append([]string{"pk", "name", "component", "verbose_name", "verbose_name_plural", "meta_model_name", "flow_set"}, spec.fields...),
		PK:     func(o Object) any { return o.(store.Stage).UUID },
		Name:   func(o Object) string { return o.(store.Stage).Name },
		List: func(c *Ctx) ([]Object, error) {
			all, err := c.Q.ListStages(c.ctx())
			if err != nil {
				return nil, err
			}
			var out []Object
			for _, s := range all {
				if s.Kind == spec.kind {
					out = append(out, s)
				}
			}
			return out, nil
		},
		Delete: func(c *Ctx, o Object) error { return c.Q.DeleteStage(c.ctx(), o.(store.Stage).UUID) },
	}
	ofKind := func(s store.Stage, err error) (Object, error) {
		if err != nil {
			return nil, err
		}
		if s.Kind != spec.kind {
			return nil, store.ErrNotFound
		}
		return s, nil
	}
	k.Serialize = func(c *Ctx, o Object) (map[string]any, error) {
		s := o.(store.Stage)
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
	}
	k.Save = func(c *Ctx, existing Object, data map[string]any) (Object, error) {
		var s store.Stage
		if existing != nil {
			s = existing.(store.Stage)
			if err := s.DecodeSettings(mustSettings(s)); err != nil { // fill a nil settings pointer with defaults
				return nil, err
			}
		} else {
			s, _ = store.NewStage(spec.kind, "")
		}
		in := newInput(c, spec.model, existing == nil, data)
		setPK(c, in, &s.UUID)
		in.readOnly("component", "verbose_name", "verbose_name_plural", "meta_model_name", "flow_set")
		if in.str("name", &s.Name, strOpt{required: true}) && (existing == nil || s.Name != existing.(store.Stage).Name) {
			if other, err := c.Q.GetStageByName(c.ctx(), s.Name); err == nil && other.UUID != s.UUID {
				in.taken("name", uniqueMsg("stage", "name"))
			}
		}
		spec.read(in, &s)
		if spec.validate != nil && in.ok() {
			spec.validate(in, &s)
		}
		if err := in.err(); err != nil {
			return nil, err
		}
		var err error
		if existing == nil {
			err = c.Q.CreateStage(c.ctx(), &s)
		} else {
			err = c.Q.UpdateStage(c.ctx(), &s)
		}
		c.forget()
		if err != nil {
			return nil, conflict(err, "name", uniqueMsg("stage", "name"))
		}
		return s, nil
	}
	register(k, finder{
		byPK: uuidPK(func(c *Ctx, id string) (Object, error) { return ofKind(c.Q.GetStage(c.ctx(), id)) }),
		unique: map[string]func(c *Ctx, v string) (Object, error){
			"name": func(c *Ctx, v string) (Object, error) { return ofKind(c.Q.GetStageByName(c.ctx(), v)) },
		},
	})
	stageKinds[spec.kind] = k
	return k
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
