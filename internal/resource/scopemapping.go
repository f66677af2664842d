package resource

import (
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/store"
)

// ScopeMappings is authentik's providers.oauth2.ScopeMapping: the claims a
// scope adds, computed by an expression in the policy sandbox.
var ScopeMappings = &Model[store.ScopeMapping]{
	Name: store.ModelScopeMapping, VerboseName: "Scope Mapping", VerboseNamePlural: "Scope Mappings",
	Fields: []string{"pk", "managed", "name", "expression", "component", "verbose_name", "verbose_name_plural",
		"meta_model_name", "scope_name", "description"},
	pk:    func(o store.ScopeMapping) any { return o.UUID },
	title: func(o store.ScopeMapping) string { return o.Name },
	list:  func(c *Ctx) ([]store.ScopeMapping, error) { return c.Q.ListScopeMappings(c.ctx()) },
	del:   func(c *Ctx, o store.ScopeMapping) error { return c.Q.DeleteScopeMapping(c.ctx(), o.UUID) },
}

func init() {
	ScopeMappings.save, ScopeMappings.serialize = saveScopeMapping, serializeScopeMapping
	define(ScopeMappings, finder[store.ScopeMapping]{
		byPK: uuidPK(func(c *Ctx, id string) (store.ScopeMapping, error) { return c.Q.GetScopeMapping(c.ctx(), id) }),
		unique: map[string]func(c *Ctx, v string) (store.ScopeMapping, error){
			"name":    func(c *Ctx, v string) (store.ScopeMapping, error) { return c.Q.GetScopeMappingByName(c.ctx(), v) },
			"managed": func(c *Ctx, v string) (store.ScopeMapping, error) { return c.Q.GetScopeMappingByManaged(c.ctx(), v) },
		},
	})
}

func saveScopeMapping(c *Ctx, existing *store.ScopeMapping, data map[string]any) (store.ScopeMapping, error) {
	var m store.ScopeMapping
	if existing != nil {
		m = *existing
	}
	in := newInput(c, store.ModelScopeMapping, existing == nil, data)
	setPK(c, in, &m.UUID)
	in.readOnly("component", "verbose_name", "verbose_name_plural", "meta_model_name")
	in.str("name", &m.Name, strOpt{required: true})
	in.str("scope_name", &m.ScopeName, strOpt{required: true})
	in.str("description", &m.Description, strOpt{blank: true})
	if raw, ok := in.get("managed"); ok {
		if raw == nil {
			m.Managed = nil
		} else if s, good := asString(raw); good && s != "" {
			m.Managed = &s
		} else if !good {
			in.fail("managed", msgString)
		}
	}
	if in.str("expression", &m.Expression, strOpt{required: true}) {
		if err := policy.Compile(m.Expression); err != nil {
			in.fail("expression", err.Error())
		} else if lines, runs, ok := policy.Reindented(m.Expression); ok && c.Warn != nil {
			c.Warn("expression", reindentWarning(lines, runs))
		}
	}
	if existing == nil || m.Name != existing.Name {
		if other, err := c.Q.GetScopeMappingByName(c.ctx(), m.Name); err == nil && other.UUID != m.UUID {
			in.taken("name", uniqueMsg("scope mapping", "name"))
		}
	}
	if err := in.err(); err != nil {
		return store.ScopeMapping{}, err
	}
	var err error
	if existing == nil {
		err = c.Q.CreateScopeMapping(c.ctx(), &m)
	} else {
		err = c.Q.UpdateScopeMapping(c.ctx(), &m)
	}
	if err != nil {
		return store.ScopeMapping{}, conflict(err, "name", uniqueMsg("scope mapping", "name"))
	}
	return m, nil
}

func serializeScopeMapping(c *Ctx, m store.ScopeMapping) (map[string]any, error) {
	return map[string]any{"pk": m.UUID, "managed": strPtr(m.Managed), "name": m.Name, "expression": m.Expression,
		"component": "ak-property-mapping-provider-scope-form", "verbose_name": "Scope Mapping",
		"verbose_name_plural": "Scope Mappings", "meta_model_name": store.ModelScopeMapping,
		"scope_name": m.ScopeName, "description": m.Description}, nil
}
