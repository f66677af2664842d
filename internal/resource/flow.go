package resource

import (
	"github.com/usher-id/usher/internal/store"
)

// Choices of the flow model (authentik's flows/models.py Flow).
var (
	Designations = []string{store.DesignationAuthentication, store.DesignationAuthorization, store.DesignationInvalidation,
		store.DesignationEnrollment, store.DesignationUnenrollment, store.DesignationRecovery, store.DesignationStageConfiguration}
	FlowAuthentications = []string{"none", "require_authenticated", "require_unauthenticated", "require_superuser",
		"require_redirect", "require_outpost"}
	FlowLayouts = []string{"stacked", "content_left", "content_right", "sidebar_left", "sidebar_right",
		"sidebar_left_frame_background", "sidebar_right_frame_background"}
	PolicyEngineModes = []string{"any", "all"}
	DeniedActions     = []string{"message_continue", "message", "continue"}
)

// Flows is authentik's flows.Flow.
var Flows = define(&Model[store.Flow]{
	Name: store.ModelFlow, VerboseName: "Flow", VerboseNamePlural: "Flows",
	Fields: []string{"pk", "policybindingmodel_ptr_id", "name", "slug", "title", "designation", "background",
		"background_url", "background_themed_urls", "stages", "policies", "cache_count", "policy_engine_mode",
		"compatibility_mode", "export_url", "layout", "denied_action", "authentication"},
	pk:        func(f store.Flow) any { return f.UUID },
	title:     func(f store.Flow) string { return f.Name },
	list:      func(c *Ctx) ([]store.Flow, error) { return c.Q.ListFlows(c.ctx()) },
	del:       func(c *Ctx, f store.Flow) error { return c.Q.DeleteFlow(c.ctx(), f.UUID) },
	save:      saveFlow,
	serialize: serializeFlow,
}, finder[store.Flow]{
	byPK: uuidPK(getFlow),
	unique: map[string]func(c *Ctx, v string) (store.Flow, error){
		"slug": func(c *Ctx, v string) (store.Flow, error) { return c.Q.GetFlowBySlug(c.ctx(), v) },
	},
})

func saveFlow(c *Ctx, existing *store.Flow, data map[string]any) (store.Flow, error) {
	f := store.Flow{Authentication: "none", Layout: "stacked", PolicyEngineMode: "any", DeniedAction: "message_continue"}
	if existing != nil {
		f = *existing
	}
	in := newInput(c, store.ModelFlow, existing == nil, data)
	setPK(c, in, &f.UUID)
	in.readOnly("policybindingmodel_ptr_id", "background_url", "background_themed_urls", "stages", "policies",
		"cache_count", "export_url")
	in.str("name", &f.Name, strOpt{required: true})
	if in.slug("slug", &f.Slug, true) && (existing == nil || f.Slug != existing.Slug) {
		if other, err := c.Q.GetFlowBySlug(c.ctx(), f.Slug); err == nil && other.UUID != f.UUID {
			in.taken("slug", uniqueMsg("Flow", "slug"))
		}
	}
	in.str("title", &f.Title, strOpt{required: true})
	in.choice("designation", &f.Designation, true, Designations...)
	in.str("background", &f.Background, strOpt{blank: true})
	in.choice("policy_engine_mode", &f.PolicyEngineMode, false, PolicyEngineModes...)
	in.boolean("compatibility_mode", &f.CompatibilityMode)
	in.choice("layout", &f.Layout, false, FlowLayouts...)
	in.choice("denied_action", &f.DeniedAction, false, DeniedActions...)
	in.choice("authentication", &f.Authentication, false, FlowAuthentications...)
	if err := in.err(); err != nil {
		return store.Flow{}, err
	}
	var err error
	if existing == nil {
		err = c.Q.CreateFlow(c.ctx(), &f)
	} else {
		err = c.Q.UpdateFlow(c.ctx(), &f)
	}
	c.forget()
	if err != nil {
		return store.Flow{}, conflict(err, "slug", uniqueMsg("Flow", "slug"))
	}
	return f, nil
}

func serializeFlow(c *Ctx, f store.Flow) (map[string]any, error) {
	bindings, err := c.bindings()
	if err != nil {
		return nil, err
	}
	stages := []string{}
	for _, b := range bindings {
		if b.Target == f.UUID && !contains(stages, b.Stage) {
			stages = append(stages, b.Stage)
		}
	}
	pbs, err := c.policyBindings()
	if err != nil {
		return nil, err
	}
	policies := []string{}
	for _, b := range pbs {
		if b.Target == f.UUID && b.Policy != nil {
			policies = append(policies, *b.Policy)
		}
	}
	bg := BackgroundURL
	if f.Background != "" {
		bg = f.Background
	}
	return map[string]any{
		"pk": f.UUID, "policybindingmodel_ptr_id": f.UUID, "name": f.Name, "slug": f.Slug, "title": f.Title,
		"designation": f.Designation, "background": f.Background, "background_url": bg,
		"background_themed_urls": nil, "stages": stages, "policies": policies, "cache_count": 0,
		"policy_engine_mode": f.PolicyEngineMode, "compatibility_mode": f.CompatibilityMode,
		"export_url": "/api/v3/flows/instances/" + f.Slug + "/export/", "layout": f.Layout,
		"denied_action": f.DeniedAction, "authentication": f.Authentication,
	}, nil
}

// flowSet renders the short flow objects a stage's flow_set lists.
func flowSet(c *Ctx, stageUUID string) ([]any, error) {
	bindings, err := c.bindings()
	if err != nil {
		return nil, err
	}
	out := []any{}
	seen := map[string]bool{}
	for _, b := range bindings {
		if b.Stage != stageUUID || seen[b.Target] {
			continue
		}
		seen[b.Target] = true
		f, err := c.flow(b.Target)
		if err != nil {
			return nil, err
		}
		out = append(out, map[string]any{
			"pk": f.UUID, "policybindingmodel_ptr_id": f.UUID, "name": f.Name, "slug": f.Slug, "title": f.Title,
			"designation": f.Designation, "background_url": BackgroundURL, "policy_engine_mode": f.PolicyEngineMode,
			"compatibility_mode": f.CompatibilityMode, "export_url": "/api/v3/flows/instances/" + f.Slug + "/export/",
			"layout": f.Layout, "denied_action": f.DeniedAction,
		})
	}
	return out, nil
}
