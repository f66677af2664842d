package console

import (
	"context"
	"net/http"
	"net/url"
	"sort"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

func (h *Handler) mountPolicies(mux *routes) {
	e := h.policyEntity()
	mux.HandleFunc("GET /if/admin/policies/", h.admin(h.policyList))
	e.mount(mux)
	mux.HandleFunc("GET /if/admin/policies/{id}/test/", h.admin(e.with(h.policyTestShow)))
	mux.HandleFunc("POST /if/admin/policies/{id}/test/", h.admin(e.with(h.policyTestRun)))
}

// expressionHelp lists what an expression can use (authentik's policies/expression/evaluator.py).
const expressionHelp = "Python syntax; the body of a function that returns True or False. Available: request (request.user, request.context), " +
	"context, ak_message(), ak_is_group_member(), ak_user_by(), ak_call_policy(), ak_create_event(), ak_logger, regex_match(), " +
	"regex_replace(), list_flatten(), ip_address(), ip_network(), ak_client_ip, http_request. The syntax is checked when you save."

func (h *Handler) policyEntity() *entity[store.Policy] {
	return &entity[store.Policy]{h: h,
		Singular: "Expression Policy", Base: "/if/admin/policies/", Nav: "policies", model: resource.ExpressionPolicies,
		load: func(ctx context.Context, id string) (store.Policy, error) {
			return h.App.Store.GetPolicy(ctx, id)
		},
		form: func(ctx context.Context, obj *store.Policy) (*formDef, error) {
			return &formDef{Fields: []*field{
				{Name: "name", Label: "Name", Kind: "text", Required: true},
				{Name: "execution_logging", Label: "Execution logging", Kind: "checkbox",
					Help: "When enabled, every run of this policy is logged as a policy_execution event. Errors are always logged."},
				{Name: "expression", Label: "Expression", Kind: "code", Required: true, Help: expressionHelp},
			}}, nil
		},
		values: func(obj *store.Policy) url.Values {
			if obj == nil {
				return url.Values{"expression": {"return True\n"}}
			}
			p := *obj
			return url.Values{"name": {p.Name}, "execution_logging": {boolStr(p.ExecutionLogging)}, "expression": {p.Expression}}
		},
		ident: func(p store.Policy) (string, string) {
			return p.UUID, p.Name
		},
	}
}

type policyRow struct {
	Policy   store.Policy
	Bindings int
	Prompt   []string // prompt stages validating with it
}

// policyList is Customization > Policies.
func (h *Handler) policyList(w http.ResponseWriter, r *http.Request, u *store.User) error {
	ctx := r.Context()
	policies, err := h.App.Store.ListPolicies(ctx)
	if err != nil {
		return err
	}
	bindings, err := h.App.Store.ListPolicyBindings(ctx, "")
	if err != nil {
		return err
	}
	stages, err := h.App.Store.ListStages(ctx)
	if err != nil {
		return err
	}
	uses := map[string]int{}
	for _, b := range bindings {
		if b.Policy != nil {
			uses[*b.Policy]++
		}
	}
	prompt := map[string][]string{}
	for _, s := range stages {
		if s.Prompt != nil {
			for _, id := range s.Prompt.ValidationPolicies {
				prompt[id] = append(prompt[id], s.Name)
			}
		}
	}
	sort.Slice(policies, func(i, j int) bool { return policies[i].Name < policies[j].Name })
	rows := make([]policyRow, 0, len(policies))
	for _, p := range policies {
		rows = append(rows, policyRow{p, uses[p.UUID], prompt[p.UUID]})
	}
	v := h.view(r, u, "Policies", "policies")
	v.P = rows
	return h.render(w, r, http.StatusOK, "policy_list", v)
}
