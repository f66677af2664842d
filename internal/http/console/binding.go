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

const bindingModel = store.ModelFlowStageBinding

var invalidResponseOptions = choices("retry", "Retry: show the stage again with the error",
	"restart", "Restart: start the flow again from the beginning",
	"restart_with_context", "Restart with context: start again, keeping what was entered")

// mountBindings adds the Stage Bindings tab's Bind Stage, edit and remove
// routes under a flow. The entity is built per request because its base
// path and target are the flow's.
func (h *Handler) mountBindings(mux *routes, flows *entity) {
	with := func(fn func(w http.ResponseWriter, r *http.Request, u *store.User, e *entity) error) pageFunc {
		return h.withObject(flows, func(w http.ResponseWriter, r *http.Request, u *store.User, _ *entity, obj resource.Object) error {
			return fn(w, r, u, h.bindingEntity(as[store.Flow](obj)))
		})
	}
	withBinding := func(fn objectFunc) pageFunc {
		return with(func(w http.ResponseWriter, r *http.Request, u *store.User, e *entity) error {
			return h.withObject(e, fn)(w, r, u)
		})
	}
	base := "/if/admin/flows/{id}/bindings/"
	mux.HandleFunc("GET "+base+"new/", h.admin(with(func(w http.ResponseWriter, r *http.Request, u *store.User, e *entity) error {
		return h.entityShow(w, r, u, e, nil)
	})))
	mux.HandleFunc("POST "+base+"new/", h.admin(with(func(w http.ResponseWriter, r *http.Request, u *store.User, e *entity) error {
		return h.entitySave(w, r, u, e, nil)
	})))
	mux.HandleFunc("GET "+base+"{bid}/edit/", h.admin(withBinding(h.entityShow)))
	mux.HandleFunc("POST "+base+"{bid}/edit/", h.admin(withBinding(h.entitySave)))
	mux.HandleFunc("GET "+base+"{bid}/delete/", h.admin(withBinding(h.entityConfirmDelete)))
	mux.HandleFunc("POST "+base+"{bid}/delete/", h.admin(withBinding(h.entityDelete)))
}

func (h *Handler) bindingEntity(flow store.Flow) *entity {
	base := "/if/admin/flows/" + url.PathEscape(flow.Slug) + "/bindings/"
	stageNames := map[string]string{}
	return &entity{
		Singular: "Stage binding", Base: base, Nav: "flows", Model: bindingModel, IDParam: "bid",
		load: func(ctx context.Context, id string) (resource.Object, error) {
			b, err := h.App.Store.GetBinding(ctx, id)
			if err == nil && b.Target != flow.UUID {
				return nil, store.ErrNotFound
			}
			return b, err
		},
		form: func(ctx context.Context, obj resource.Object) (*formDef, error) {
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
		values: func(obj resource.Object) url.Values {
			if obj == nil {
				next := 10
				if bs, err := h.App.Store.ListBindings(context.Background(), flow.UUID); err == nil && len(bs) > 0 {
					next = (bs[len(bs)-1].Order/10 + 1) * 10
				}
				return url.Values{"order": {strconv.Itoa(next)}, "re_evaluate_policies": {"on"},
					"invalid_response_action": {"retry"}, "policy_engine_mode": {"any"}}
			}
			b := as[store.FlowStageBinding](obj)
			return url.Values{"stage": {b.Stage}, "order": {strconv.Itoa(b.Order)}, "evaluate_on_plan": {boolStr(b.EvaluateOnPlan)},
				"re_evaluate_policies": {boolStr(b.ReEvaluatePolicies)}, "invalid_response_action": {b.InvalidResponseAction},
				"policy_engine_mode": {b.PolicyEngineMode}}
		},
		data: func(f *formDef, v url.Values, _ resource.Object) map[string]any {
			d := map[string]any{"target": flow.UUID, "stage": v.Get("stage"),
				"evaluate_on_plan": checked(v, "evaluate_on_plan"), "re_evaluate_policies": checked(v, "re_evaluate_policies"),
				"invalid_response_action": v.Get("invalid_response_action"), "policy_engine_mode": v.Get("policy_engine_mode")}
			if d["stage"] == "" {
				f.addError("stage", "This field is required.")
			}
			f.intValue(v, "order", d, false)
			return d
		},
		ident: func(obj resource.Object) (string, any, string) {
			b := as[store.FlowStageBinding](obj)
			name := stageNames[b.Stage]
			if name == "" {
				if s, err := h.App.Store.GetStage(context.Background(), b.Stage); err == nil {
					name = s.Name
				}
			}
			return b.UUID, b.UUID, "Binding of " + name + " to " + flow.Name
		},
	}
}
