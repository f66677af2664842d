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

func (h *Handler) mountPolicies(mux *routes) {
	e := h.policyEntity()
	mux.HandleFunc("GET /if/admin/policies/", h.admin(h.policyList))
	e.mount(mux)
	h.passwordPolicyEntity().mount(mux)
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
			return resource.PolicyOfKind(h.App.Store.GetPolicy(ctx, id))(store.PolicyExpression)
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

// passwordPolicyEntity is Customization > Policies for password policies
// (authentik's ak-policy-password-form).
func (h *Handler) passwordPolicyEntity() *entity[store.Policy] {
	return &entity[store.Policy]{h: h,
		Singular: "Password Policy", Base: "/if/admin/policies/password/", Nav: "policies", model: resource.PasswordPolicies,
		load: func(ctx context.Context, id string) (store.Policy, error) {
			return resource.PolicyOfKind(h.App.Store.GetPolicy(ctx, id))(store.PolicyPassword)
		},
		form: func(ctx context.Context, obj *store.Policy) (*formDef, error) {
			return &formDef{Fields: []*field{
				{Name: "name", Label: "Name", Kind: "text", Required: true},
				{Name: "execution_logging", Label: "Execution logging", Kind: "checkbox",
					Help: "When enabled, every run of this policy is logged as a policy_execution event."},
				{Name: "password_field", Label: "Password field", Kind: "text", Required: true,
					Help: "The prompt field holding the password (field key), usually password."},
				{Name: "error_message", Label: "Error message", Kind: "text",
					Help: "Shown when a rule fails; empty shows which rules the password misses."},
				{Name: "check_static_rules", Label: "Check static rules", Kind: "checkbox"},
				{Name: "length_min", Label: "Minimum length", Kind: "number", Required: true},
				{Name: "amount_digits", Label: "Minimum amount of digits", Kind: "number", Required: true},
				{Name: "amount_uppercase", Label: "Minimum amount of uppercase characters", Kind: "number", Required: true},
				{Name: "amount_lowercase", Label: "Minimum amount of lowercase characters", Kind: "number", Required: true},
				{Name: "amount_symbols", Label: "Minimum amount of symbols", Kind: "number", Required: true},
				{Name: "symbol_charset", Label: "Symbol charset", Kind: "text", Help: "Characters that count as symbols."},
				{Name: "check_zxcvbn", Label: "Check zxcvbn", Kind: "checkbox",
					Help: "Estimate how easy the password is to guess (names, dates, keyboard patterns, common words)."},
				{Name: "zxcvbn_score_threshold", Label: "Score threshold", Kind: "number", Required: true,
					Help: "The password must score more than this, from 0 (too guessable) to 4 (very unguessable); 2 is authentik's default."},
				{Name: "check_have_i_been_pwned", Label: "Check Have I Been Pwned", Kind: "checkbox",
					Help: "usher never sends passwords or their hashes to the online service: this checks " +
						"USHER_PASSWORD_BREACHED_LIST, or a built-in list of common passwords, instead."},
				{Name: "hibp_allowed_count", Label: "Allowed count", Kind: "number", Required: true,
					Help: "How many times a password may appear in the list and still be accepted; 0 refuses any listed password."},
			}}, nil
		},
		values: func(obj *store.Policy) url.Values {
			s := store.NewPasswordPolicySettings()
			v := url.Values{}
			if obj != nil {
				v.Set("name", obj.Name)
				v.Set("execution_logging", boolStr(obj.ExecutionLogging))
				if obj.Password != nil {
					s = obj.Password
				}
			}
			for k, n := range map[string]int{"length_min": s.LengthMin, "amount_digits": s.AmountDigits,
				"amount_uppercase": s.AmountUppercase, "amount_lowercase": s.AmountLowercase, "amount_symbols": s.AmountSymbols,
				"zxcvbn_score_threshold": s.ZxcvbnScoreThreshold, "hibp_allowed_count": s.HIBPAllowedCount} {
				v.Set(k, strconv.Itoa(n))
			}
			v.Set("password_field", s.PasswordField)
			v.Set("error_message", s.ErrorMessage)
			v.Set("symbol_charset", s.SymbolCharset)
			v.Set("check_static_rules", boolStr(s.CheckStaticRules))
			v.Set("check_zxcvbn", boolStr(s.CheckZxcvbn))
			v.Set("check_have_i_been_pwned", boolStr(s.CheckHaveIBeenPwned))
			return v
		},
		ident: func(p store.Policy) (string, string) {
			return p.UUID, p.Name
		},
		next: func(store.Policy) string { return "/if/admin/policies/" },
	}
}
