package resource

import (
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/store"
)

var policyKind = &Kind{
	Model: store.ModelExpressionPolicy, VerboseName: "Expression Policy",
	VerboseNamePlural: "Expression Policies",
	Fields: []string{"pk", "name", "execution_logging", "component", "verbose_name", "verbose_name_plural",
		"meta_model_name", "bound_to", "expression"},
	PK:   func(o Object) any { return o.(store.Policy).UUID },
	Name: func(o Object) string { return o.(store.Policy).Name },
	List: func(c *Ctx) ([]Object, error) { return list(c.Q.ListPolicies(c.ctx())) },
	Delete: func(c *Ctx, o Object) error {
		return c.Q.DeletePolicy(c.ctx(), o.(store.Policy).UUID)
	},
}

func init() {
	policyKind.Save, policyKind.Serialize = savePolicy, serializePolicy
	register(policyKind, finder{
		byPK: uuidPK(func(c *Ctx, id string) (Object, error) { return c.Q.GetPolicy(c.ctx(), id) }),
		unique: map[string]func(c *Ctx, v string) (Object, error){
			"name": func(c *Ctx, v string) (Object, error) { return c.Q.GetPolicyByName(c.ctx(), v) },
		},
	})
}

func savePolicy(c *Ctx, existing Object, data map[string]any) (Object, error) {
	p := store.Policy{Kind: "expression"}
	if existing != nil {
		p = existing.(store.Policy)
	}
	in := newInput(c, policyKind.Model, existing == nil, data)
	setPK(c, in, &p.UUID)
	in.readOnly("component", "verbose_name", "verbose_name_plural", "meta_model_name", "bound_to")
	if in.str("name", &p.Name, strOpt{required: true}) && (existing == nil || p.Name != existing.(store.Policy).Name) {
		if other, err := c.Q.GetPolicyByName(c.ctx(), p.Name); err == nil && other.UUID != p.UUID {
			in.taken("name", uniqueMsg("Policy", "name"))
		}
	}
	if in.str("expression", &p.Expression, strOpt{required: true}) {
		// The syntax is checked on save, as authentik's ExpressionPolicySerializer does.
		if err := policy.Compile(p.Expression); err != nil {
			in.fail("expression", err.Error())
		}
	}
	in.boolean("execution_logging", &p.ExecutionLogging)
	if err := in.err(); err != nil {
		return nil, err
	}
	var err error
	if existing == nil {
		err = c.Q.CreatePolicy(c.ctx(), &p)
	} else {
		err = c.Q.UpdatePolicy(c.ctx(), &p)
	}
	c.forget()
	if err != nil {
		return nil, conflict(err, "name", uniqueMsg("Policy", "name"))
	}
	return p, nil
}

func serializePolicy(c *Ctx, o Object) (map[string]any, error) {
	p := o.(store.Policy)
	m, err := policyObj(c, p)
	if err != nil {
		return nil, err
	}
	m["expression"] = p.Expression
	return m, nil
}

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
	return map[string]any{"pk": p.UUID, "name": p.Name, "execution_logging": p.ExecutionLogging,
		"component": "ak-policy-expression-form", "verbose_name": policyKind.VerboseName,
		"verbose_name_plural": policyKind.VerboseNamePlural, "meta_model_name": policyKind.Model,
		"bound_to": bound}, nil
}
