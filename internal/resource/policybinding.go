package resource

import (
	"errors"
	"fmt"
	"math"

	"github.com/usher-id/usher/internal/store"
)

// PolicyBindings is authentik's policies.PolicyBinding.
var PolicyBindings = &Model[store.PolicyBinding]{
	Name: store.ModelPolicyBinding, VerboseName: "Policy Binding", VerboseNamePlural: "Policy Bindings",
	Fields: []string{"pk", "policy", "group", "user", "policy_obj", "group_obj", "user_obj", "target", "negate",
		"enabled", "order", "timeout", "failure_result", "expires", "expiring"},
	pk: func(o store.PolicyBinding) any { return o.UUID },
	title: func(o store.PolicyBinding) string {
		b := o
		return fmt.Sprintf("Binding from %s #%d", b.Target, b.Order)
	},
	list: func(c *Ctx) ([]store.PolicyBinding, error) { return c.Q.ListPolicyBindings(c.ctx(), "") },
	del: func(c *Ctx, o store.PolicyBinding) error {
		return c.Q.DeletePolicyBinding(c.ctx(), o.UUID)
	},
}

func init() {
	PolicyBindings.save, PolicyBindings.serialize = savePolicyBinding, serializePolicyBinding
	define(PolicyBindings, finder[store.PolicyBinding]{
		byPK: uuidPK(func(c *Ctx, id string) (store.PolicyBinding, error) { return c.Q.GetPolicyBinding(c.ctx(), id) }),
		candidates: func(c *Ctx, ids map[string]any) ([]store.PolicyBinding, error) {
			if t, ok := ids["target"].(string); ok {
				if id, ok := NormUUID(t); ok {
					return c.Q.ListPolicyBindings(c.ctx(), id)
				}
			}
			return c.Q.ListPolicyBindings(c.ctx(), "")
		},
	})
}

// bindingTarget reports whether id is something policies bind to: a flow,
// a flow stage binding or an application (usher uses their pk as pbm_uuid).
func bindingTarget(c *Ctx) func(string) bool {
	return func(id string) bool {
		if _, err := c.Q.GetFlow(c.ctx(), id); err == nil {
			return true
		}
		if _, err := c.Q.GetBinding(c.ctx(), id); err == nil {
			return true
		}
		_, err := c.Q.GetApplication(c.ctx(), id)
		return err == nil
	}
}

const msgUniquePolicyBinding = "The fields policy, target, order must make a unique set."

func savePolicyBinding(c *Ctx, existing *store.PolicyBinding, data map[string]any) (store.PolicyBinding, error) {
	b := store.PolicyBinding{Enabled: true, Timeout: 30}
	if existing != nil {
		b = *existing
	}
	in := newInput(c, store.ModelPolicyBinding, existing == nil, data)
	setPK(c, in, &b.UUID)
	in.readOnly("policy_obj", "group_obj", "user_obj", "expires", "expiring")
	in.ref("policy", &b.Policy, false, true, exists(c, getPolicy))
	in.ref("group", &b.Group, false, true, exists(c, getGroup))
	if raw, ok := in.get("user"); ok {
		if raw == nil {
			b.User = nil
		} else if n, good := asInt(raw); !good {
			in.fail("user", fmt.Sprintf("Incorrect type. Expected pk value, received %s.", pyType(raw)))
		} else if _, err := c.Q.GetUser(c.ctx(), int64(n)); err != nil {
			in.fail("user", fmt.Sprintf("Invalid pk \"%d\" - object does not exist.", n))
		} else {
			pk := int64(n)
			b.User = &pk
		}
	}
	var target *string
	if existing != nil {
		target = &b.Target
	}
	if in.ref("target", &target, true, false, bindingTarget(c)) {
		b.Target = *target
	}
	in.boolean("negate", &b.Negate)
	in.boolean("enabled", &b.Enabled)
	in.integer("order", &b.Order, true, math.MinInt32)
	in.integer("timeout", &b.Timeout, false, 0)
	in.boolean("failure_result", &b.FailureResult)
	if in.ok() {
		set := 0
		for _, p := range []bool{b.Policy != nil, b.Group != nil, b.User != nil} {
			if p {
				set++
			}
		}
		switch {
		case set > 1:
			in.fail("non_field_errors", "Only one of 'group', 'policy', 'user' can be set.")
		case set == 0:
			in.fail("non_field_errors", "One of 'group', 'policy', 'user' must be set.")
		}
	}
	if in.ok() && b.Policy != nil {
		others, err := c.Q.ListPolicyBindings(c.ctx(), b.Target)
		if err != nil {
			return store.PolicyBinding{}, err
		}
		for _, o := range others {
			if o.UUID != b.UUID && o.Policy != nil && *o.Policy == *b.Policy && o.Order == b.Order {
				in.taken("non_field_errors", msgUniquePolicyBinding)
			}
		}
	}
	if err := in.err(); err != nil {
		return store.PolicyBinding{}, err
	}
	var err error
	if existing == nil {
		err = c.Q.CreatePolicyBinding(c.ctx(), &b)
	} else {
		err = c.Q.UpdatePolicyBinding(c.ctx(), &b)
	}
	c.forget()
	if err != nil {
		return store.PolicyBinding{}, conflict(err, "non_field_errors", msgUniquePolicyBinding)
	}
	return b, nil
}

func serializePolicyBinding(c *Ctx, b store.PolicyBinding) (map[string]any, error) {
	var policyObjV, groupObj, userObj, user any
	if b.Policy != nil {
		p, err := c.Q.GetPolicy(c.ctx(), *b.Policy)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if err == nil {
			if policyObjV, err = policyObj(c, p); err != nil {
				return nil, err
			}
		}
	}
	if b.Group != nil {
		if g, err := c.Q.GetGroup(c.ctx(), *b.Group); err == nil {
			groupObj = partialGroup(g)
		}
	}
	if b.User != nil {
		user = *b.User
		if u, err := c.user(*b.User); err == nil {
			userObj = PartialUser(u)
		}
	}
	return map[string]any{
		"pk": b.UUID, "policy": strPtr(b.Policy), "group": strPtr(b.Group), "user": user,
		"policy_obj": policyObjV, "group_obj": groupObj, "user_obj": userObj, "target": b.Target,
		"negate": b.Negate, "enabled": b.Enabled, "order": b.Order, "timeout": b.Timeout,
		"failure_result": b.FailureResult, "expires": nil, "expiring": false,
	}, nil
}
