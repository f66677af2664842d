package console

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

var invalidResponseOptions = choices("retry", "Retry: show the stage again with the error",
	"restart", "Restart: start the flow again from the beginning",
	"restart_with_context", "Restart with context: start again, keeping what was entered")

// mountBindings adds the Stage Bindings tab's Bind Stage, edit and remove
// routes under a flow. The entity is built per request because its base
// path and target are the flow's.
func (h *Handler) mountBindings(mux *routes, flows *entity[store.Flow]) {
	type bindingsFunc func(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.FlowStageBinding]) error
	with := func(fn bindingsFunc) pageFunc {
		return flows.with(func(w http.ResponseWriter, r *http.Request, u *store.User, _ *entity[store.Flow], f store.Flow) error {
			return fn(w, r, u, h.bindingEntity(f))
		})
	}
	withBinding := func(fn objectFunc[store.FlowStageBinding]) pageFunc {
		return with(func(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.FlowStageBinding]) error {
			return e.with(fn)(w, r, u)
		})
	}
	base := "/if/admin/flows/{id}/bindings/"
	mux.HandleFunc("GET "+base+"new/", h.admin(with(func(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.FlowStageBinding]) error {
		return e.show(w, r, u, nil)
	})))
	mux.HandleFunc("POST "+base+"new/", h.admin(with(func(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.FlowStageBinding]) error {
		return e.submit(w, r, u, nil)
	})))
	mux.HandleFunc("GET "+base+"{bid}/edit/", h.admin(withBinding(editForm)))
	mux.HandleFunc("POST "+base+"{bid}/edit/", h.admin(withBinding(editSave)))
	mux.HandleFunc("GET "+base+"{bid}/delete/", h.admin(withBinding(confirmDelete)))
	mux.HandleFunc("POST "+base+"{bid}/delete/", h.admin(withBinding(deleteRow)))
}

func (h *Handler) bindingEntity(flow store.Flow) *entity[store.FlowStageBinding] {
	base := "/if/admin/flows/" + url.PathEscape(flow.Slug) + "/bindings/"
	stageNames := map[string]string{}
	return &entity[store.FlowStageBinding]{h: h,
		Singular: "Stage binding", Base: base, Nav: "flows", model: resource.FlowStageBindings, IDParam: "bid",
		load: func(ctx context.Context, id string) (store.FlowStageBinding, error) {
			b, err := h.App.Store.GetBinding(ctx, id)
			if err == nil && b.Target != flow.UUID {
				return store.FlowStageBinding{}, store.ErrNotFound
			}
			return b, err
		},
		form: func(ctx context.Context, obj *store.FlowStageBinding) (*formDef, error) {
			stages, err := h.App.Store.ListStages(ctx)
			if err != nil {
				return nil, err
			}
			sort.Slice(stages, func(i, j int) bool { return stages[i].Name < stages[j].Name })
			opts := []option{{Value: "", Label: "Select a stage…"}}
			for _, s := range stages {
				stageNames[s.UUID] = s.Name
				opts = append(opts, option{Value: s.UUID, Label: s.Name + " (" + stageKindLabel(s.Kind) + ")"})
			}
			f := &formDef{Fields: []*field{
				{Name: "stage", Label: "Stage", Kind: "select", Required: true, Options: opts,
					Help: "Create the stage first under Flows and Stages › Stages if it is not listed."},
				{Name: "order", Label: "Order", Kind: "number", Required: true,
					Help: "Stages run from the lowest order to the highest."},
				{Name: "evaluate_on_plan", Label: "Evaluate on plan", Kind: "checkbox",
					Help: "Evaluate policies during the flow planning process (when the flow starts). Enable for invitation stages."},
				{Name: "re_evaluate_policies", Label: "Re-evaluate policies", Kind: "checkbox",
					Help: "Evaluate policies before the stage is presented to the user."},
				{Name: "invalid_response_action", Label: "Invalid response action", Kind: "select", Options: invalidResponseOptions},
				{Name: "policy_engine_mode", Label: "Policy engine mode", Kind: "select", Options: engineModeOptions},
			}}
			if obj == nil {
				f.Title = "Bind Stage to " + flow.Name
			} else {
				f.Title = "Update stage binding in " + flow.Name
			}
			return f, nil
		},
		values: func(obj *store.FlowStageBinding) url.Values {
			if obj == nil {
				next := 10
				if bs, err := h.App.Store.ListBindings(context.Background(), flow.UUID); err == nil && len(bs) > 0 {
					next = (bs[len(bs)-1].Order/10 + 1) * 10
				}
				return url.Values{"order": {strconv.Itoa(next)}, "re_evaluate_policies": {"on"},
					"invalid_response_action": {"retry"}, "policy_engine_mode": {"any"}}
			}
			b := *obj
			return url.Values{"stage": {b.Stage}, "order": {strconv.Itoa(b.Order)}, "evaluate_on_plan": {boolStr(b.EvaluateOnPlan)},
				"re_evaluate_policies": {boolStr(b.ReEvaluatePolicies)}, "invalid_response_action": {b.InvalidResponseAction},
				"policy_engine_mode": {b.PolicyEngineMode}}
		},
		data: func(f *formDef, v url.Values, _ *store.FlowStageBinding) map[string]any {
			d := map[string]any{"target": flow.UUID, "stage": v.Get("stage"),
				"evaluate_on_plan": checked(v, "evaluate_on_plan"), "re_evaluate_policies": checked(v, "re_evaluate_policies"),
				"invalid_response_action": v.Get("invalid_response_action"), "policy_engine_mode": v.Get("policy_engine_mode")}
			if d["stage"] == "" {
				f.addError("stage", "This field is required.")
			}
			f.intValue(v, "order", d, false)
			return d
		},
		ident: func(b store.FlowStageBinding) (string, string) {
			name := stageNames[b.Stage]
			if name == "" {
				if s, err := h.App.Store.GetStage(context.Background(), b.Stage); err == nil {
					name = s.Name
				}
			}
			// Read after "Stage binding": "Stage binding prompt in Enrollment created."
			return b.UUID, name + " in " + flow.Name
		},
	}
}
