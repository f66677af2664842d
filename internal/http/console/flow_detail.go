package console

import (
	"net/http"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

type bindingRow struct {
	Binding  store.FlowStageBinding
	Stage    store.Stage
	Kind     string
	Policies int // policy bindings on this stage binding
}

type flowDetailPage struct {
	Flow       store.Flow
	Tab        string // "overview", "bindings" or "policies"
	Bindings   []bindingRow
	Invitation bool
	Base       string
	Policies   pbListPage // the Policy Bindings tab
	// Labels are the settings as the edit form words them ("Require
	// unauthenticated", not require_unauthenticated), by field.
	Labels map[string]string
}

// optionLabel is v's label among opts, v itself when it has none.
func optionLabel(opts []option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

// flowDetail is a flow's page: its settings, and the Stage Bindings tab
// with the stages in the order they run.
func (h *Handler) flowDetail(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.Flow], f store.Flow) error {
	ctx := r.Context()
	bindings, err := h.App.Store.ListBindings(ctx, f.UUID)
	if err != nil {
		return err
	}
	p := flowDetailPage{Flow: f, Tab: "overview", Base: "/if/admin/flows/" + f.Slug + "/", Labels: map[string]string{
		"designation":        optionLabel(designationOptions, f.Designation),
		"authentication":     optionLabel(authenticationOptions, f.Authentication),
		"policy_engine_mode": optionLabel(engineModeOptions, f.PolicyEngineMode),
		"denied_action":      optionLabel(deniedActionOptions, f.DeniedAction),
		"layout":             optionLabel(layoutOptions, f.Layout),
	}}
	switch {
	case strings.HasSuffix(r.URL.Path, "/bindings/"):
		p.Tab = "bindings"
	case strings.HasSuffix(r.URL.Path, "/policies/"):
		p.Tab = "policies"
		t := pbTarget{UUID: f.UUID, Name: "flow " + f.Name, Base: p.Base + "policies/", Nav: "flows"}
		rows, err := h.policyBindingRows(ctx, f.UUID)
		if err != nil {
			return err
		}
		p.Policies = pbListPage{Target: t, Rows: rows, Mode: f.PolicyEngineMode}
	}
	perTarget := map[string]int{}
	if p.Tab == "bindings" {
		pbs, err := h.App.Store.ListPolicyBindings(ctx, "")
		if err != nil {
			return err
		}
		for _, pb := range pbs {
			perTarget[pb.Target]++
		}
	}
	for _, b := range bindings {
		s, err := h.App.Store.GetStage(ctx, b.Stage)
		if err != nil {
			return err
		}
		if s.Kind == store.StageInvitation {
			p.Invitation = true
		}
		p.Bindings = append(p.Bindings, bindingRow{b, s, stageKindLabel(s.Kind), perTarget[b.UUID]})
	}
	v := h.view(r, u, f.Name, "flows")
	v.Back = &link{URL: "/if/admin/flows/", Label: "Flows"}
	v.P = p
	return h.render(w, r, http.StatusOK, "flow_detail", v)
}
