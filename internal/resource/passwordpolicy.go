package resource

import (
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/store"
)

// PasswordPolicies is authentik's policies.password.PasswordPolicy:
// static rules, a breached-password check and a zxcvbn strength score,
// bound to prompt stages as validation policies or to anything a policy
// binds to.
var PasswordPolicies = &Model[store.Policy]{
	Name: store.ModelPasswordPolicy, VerboseName: "Password Policy", VerboseNamePlural: "Password Policies",
	Fields: []string{"pk", "name", "execution_logging", "component", "verbose_name", "verbose_name_plural",
		"meta_model_name", "bound_to", "password_field", "amount_digits", "amount_uppercase", "amount_lowercase",
		"amount_symbols", "length_min", "symbol_charset", "error_message", "check_static_rules",
		"check_have_i_been_pwned", "hibp_allowed_count", "check_zxcvbn", "zxcvbn_score_threshold"},
	pk:    func(o store.Policy) any { return o.UUID },
	title: func(o store.Policy) string { return o.Name },
	list:  func(c *Ctx) ([]store.Policy, error) { return policiesOfKind(c, store.PolicyPassword) },
	del: func(c *Ctx, o store.Policy) error {
		return c.Q.DeletePolicy(c.ctx(), o.UUID)
	},
}

func init() {
	PasswordPolicies.save, PasswordPolicies.serialize = savePasswordPolicy, serializePasswordPolicy
	define(PasswordPolicies, policyFinder(store.PolicyPassword))
}

func savePasswordPolicy(c *Ctx, existing *store.Policy, data map[string]any) (store.Policy, error) {
	p := store.Policy{Kind: store.PolicyPassword, Password: store.NewPasswordPolicySettings()}
	if existing != nil {
		p = *existing
		s := *existing.Password
		p.Password = &s
	}
	s := p.Password
	in := newInput(c, store.ModelPasswordPolicy, existing == nil, data)
	policyCommon(c, in, existing, &p)
	in.str("password_field", &s.PasswordField, strOpt{})
	for _, f := range []struct {
		key string
		dst *int
	}{{"amount_digits", &s.AmountDigits}, {"amount_uppercase", &s.AmountUppercase}, {"amount_lowercase", &s.AmountLowercase},
		{"amount_symbols", &s.AmountSymbols}, {"length_min", &s.LengthMin}, {"hibp_allowed_count", &s.HIBPAllowedCount}} {
		in.integer(f.key, f.dst, false, 0)
	}
	in.str("symbol_charset", &s.SymbolCharset, strOpt{})
	in.str("error_message", &s.ErrorMessage, strOpt{blank: true})
	in.boolean("check_static_rules", &s.CheckStaticRules)
	in.boolean("check_have_i_been_pwned", &s.CheckHaveIBeenPwned)
	in.boolean("check_zxcvbn", &s.CheckZxcvbn)
	if in.integer("zxcvbn_score_threshold", &s.ZxcvbnScoreThreshold, false, 0) && s.ZxcvbnScoreThreshold > 4 {
		in.fail("zxcvbn_score_threshold", "zxcvbn scores run from 0 to 4, and a password must score more than the threshold: give 0 to 3.")
	}
	if err := in.err(); err != nil {
		return store.Policy{}, err
	}
	if s.CheckHaveIBeenPwned && c.Warn != nil {
		c.Warn("check_have_i_been_pwned", policy.HIBPSkippedMessage(""))
	}
	return writePolicy(c, existing, p)
}

func serializePasswordPolicy(c *Ctx, p store.Policy) (map[string]any, error) {
	m, err := policyObj(c, p)
	if err != nil {
		return nil, err
	}
	s := p.Password
	if s == nil {
		s = store.NewPasswordPolicySettings()
	}
	for k, v := range map[string]any{"password_field": s.PasswordField, "amount_digits": s.AmountDigits,
		"amount_uppercase": s.AmountUppercase, "amount_lowercase": s.AmountLowercase, "amount_symbols": s.AmountSymbols,
		"length_min": s.LengthMin, "symbol_charset": s.SymbolCharset, "error_message": s.ErrorMessage,
		"check_static_rules": s.CheckStaticRules, "check_have_i_been_pwned": s.CheckHaveIBeenPwned,
		"hibp_allowed_count": s.HIBPAllowedCount, "check_zxcvbn": s.CheckZxcvbn, "zxcvbn_score_threshold": s.ZxcvbnScoreThreshold} {
		m[k] = v
	}
	return m, nil
}
