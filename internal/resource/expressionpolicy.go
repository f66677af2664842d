package resource

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/store"
)

// ExpressionPolicies is authentik's policies.expression.ExpressionPolicy.
var ExpressionPolicies = &Model[store.Policy]{
	Name: store.ModelExpressionPolicy, VerboseName: "Expression Policy",
	VerboseNamePlural: "Expression Policies",
	Fields: []string{"pk", "name", "execution_logging", "component", "verbose_name", "verbose_name_plural",
		"meta_model_name", "bound_to", "expression"},
	pk:    func(o store.Policy) any { return o.UUID },
	title: func(o store.Policy) string { return o.Name },
	list:  func(c *Ctx) ([]store.Policy, error) { return policiesOfKind(c, store.PolicyExpression) },
	del: func(c *Ctx, o store.Policy) error {
		return c.Q.DeletePolicy(c.ctx(), o.UUID)
	},
}

func init() {
	ExpressionPolicies.save, ExpressionPolicies.serialize = savePolicy, serializePolicy
	define(ExpressionPolicies, policyFinder(store.PolicyExpression))
}

func savePolicy(c *Ctx, existing *store.Policy, data map[string]any) (store.Policy, error) {
	p := store.Policy{Kind: "expression"}
	if existing != nil {
		p = *existing
	}
	in := newInput(c, store.ModelExpressionPolicy, existing == nil, data)
	policyCommon(c, in, existing, &p)
	if in.str("expression", &p.Expression, strOpt{required: true}) {
		// The syntax is checked on save, as authentik's ExpressionPolicySerializer does.
		if err := policy.Compile(p.Expression); err != nil {
			in.fail("expression", err.Error())
		} else if lines, runs, ok := policy.Reindented(p.Expression); ok && c.Warn != nil {
			c.Warn("expression", reindentWarning(lines, runs))
		}
	}
	if err := in.err(); err != nil {
		return store.Policy{}, err
	}
	return writePolicy(c, existing, p)
}

// policyFinder finds policies of one kind by pk or name (another kind's
// policy of that name is not found).
func policyFinder(kind string) finder[store.Policy] {
	return finder[store.Policy]{
		byPK: uuidPK(func(c *Ctx, id string) (store.Policy, error) {
			return PolicyOfKind(c.Q.GetPolicy(c.ctx(), id))(kind)
		}),
		unique: map[string]func(c *Ctx, v string) (store.Policy, error){
			"name": func(c *Ctx, v string) (store.Policy, error) {
				return PolicyOfKind(c.Q.GetPolicyByName(c.ctx(), v))(kind)
			},
		},
	}
}

// policyCommon reads the fields every policy kind has: pk, name (unique
// across kinds) and execution_logging, and refuses the read-only ones.
func policyCommon(c *Ctx, in *input, existing, p *store.Policy) {
	setPK(c, in, &p.UUID)
	in.readOnly("component", "verbose_name", "verbose_name_plural", "meta_model_name", "bound_to")
	if in.str("name", &p.Name, strOpt{required: true}) && (existing == nil || p.Name != existing.Name) {
		if other, err := c.Q.GetPolicyByName(c.ctx(), p.Name); err == nil && other.UUID != p.UUID {
			in.taken("name", uniqueMsg("Policy", "name"))
		}
	}
	in.boolean("execution_logging", &p.ExecutionLogging)
}

// writePolicy creates or updates a validated policy.
func writePolicy(c *Ctx, existing *store.Policy, p store.Policy) (store.Policy, error) {
	var err error
	if existing == nil {
		err = c.Q.CreatePolicy(c.ctx(), &p)
	} else {
		err = c.Q.UpdatePolicy(c.ctx(), &p)
	}
	c.forget()
	if err != nil {
		return store.Policy{}, conflict(err, "name", uniqueMsg("Policy", "name"))
	}
	return p, nil
}

func serializePolicy(c *Ctx, p store.Policy) (map[string]any, error) {
	m, err := policyObj(c, p)
	if err != nil {
		return nil, err
	}
	m["expression"] = p.Expression
	return m, nil
}

// policiesOfKind lists the policies of one kind.
func policiesOfKind(c *Ctx, kind string) ([]store.Policy, error) {
	all, err := c.Q.ListPolicies(c.ctx())
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, p := range all {
		if p.Kind == kind {
			out = append(out, p)
		}
	}
	return out, nil
}

// PolicyOfKind narrows a policy lookup to one kind: another kind is not
// found (the console and the API each show one kind per page).
func PolicyOfKind(p store.Policy, err error) func(kind string) (store.Policy, error) {
	return func(kind string) (store.Policy, error) {
		if err == nil && p.Kind != kind {
			return store.Policy{}, store.ErrNotFound
		}
		return p, err
	}
}

// PolicyObj is the generic policy shape (policy_obj of bindings,
// /policies/all/), with the kind's component and names.
func PolicyObj(c *Ctx, p store.Policy) (map[string]any, error) { return policyObj(c, p) }

// policyObj is the generic policy shape (policy_obj of bindings).
func policyObj(c *Ctx, p store.Policy) (map[string]any, error) {
	pbs, err := c.policyBindings()
	if err != nil {
		return nil, err
	}
	bound := 0
	for _, b := range pbs {
		if b.Policy != nil && *b.Policy == p.UUID {
			bound++
		}
	}
	model, component := ExpressionPolicies, "ak-policy-expression-form"
	if p.Kind == store.PolicyPassword {
		model, component = PasswordPolicies, "ak-policy-password-form"
	}
	return map[string]any{"pk": p.UUID, "name": p.Name, "execution_logging": p.ExecutionLogging,
		"component": component, "verbose_name": model.VerboseName,
		"verbose_name_plural": model.VerboseNamePlural, "meta_model_name": model.Name,
		"bound_to": bound}, nil
}

// reindentWarning says which lines usher indented to make an expression
// parse and shows the text that runs, so a pasted snippet that lost its
// indentation is never changed silently.
func reindentWarning(lines []int, runs string) string {
	nums := make([]string, len(lines))
	for i, n := range lines {
		nums[i] = strconv.Itoa(n)
	}
	word := "line"
	if len(lines) > 1 {
		word = "lines"
	}
	return fmt.Sprintf("This expression parses only with %s %s indented under the block header before them, "+
		"so usher runs it as:\n%s\nIf that is not what you meant, indent the expression yourself.", word, strings.Join(nums, ", "), runs)
}
