package resource

import (
	"math"

	"github.com/usher-id/usher/internal/store"
)

// InvalidResponseActions are the binding's invalid_response_action choices.
var InvalidResponseActions = []string{"retry", "restart", "restart_with_context"}

// FlowStageBindings is authentik's flows.FlowStageBinding.
var FlowStageBindings = &Model[store.FlowStageBinding]{
	Name: store.ModelFlowStageBinding, VerboseName: "Flow Stage Binding", VerboseNamePlural: "Flow Stage Bindings",
	Fields: []string{"pk", "policybindingmodel_ptr_id", "target", "stage", "stage_obj", "evaluate_on_plan",
		"re_evaluate_policies", "order", "policy_engine_mode", "invalid_response_action"},
	pk: func(o store.FlowStageBinding) any { return o.UUID },
	title: func(o store.FlowStageBinding) string {
		b := o
		return "Flow-stage binding #" + itoa(b.Order) + " to " + b.Target
	},
	list: func(c *Ctx) ([]store.FlowStageBinding, error) { return c.Q.ListBindings(c.ctx(), "") },
	del:  func(c *Ctx, o store.FlowStageBinding) error { return c.Q.DeleteBinding(c.ctx(), o.UUID) },
}

func init() {
	FlowStageBindings.save, FlowStageBindings.serialize = saveBinding, serializeBinding
	define(FlowStageBindings, finder[store.FlowStageBinding]{
		byPK: uuidPK(func(c *Ctx, id string) (store.FlowStageBinding, error) { return c.Q.GetBinding(c.ctx(), id) }),
		candidates: func(c *Ctx, ids map[string]any) ([]store.FlowStageBinding, error) {
			if t, ok := ids["target"].(string); ok {
				if id, ok := NormUUID(t); ok {
					return c.Q.ListBindings(c.ctx(), id)
				}
			}
			return c.Q.ListBindings(c.ctx(), "")
		},
	})
}

const msgUniqueBinding = "The fields target, stage, order must make a unique set."

func saveBinding(c *Ctx, existing *store.FlowStageBinding, data map[string]any) (store.FlowStageBinding, error) {
	b := store.FlowStageBinding{ReEvaluatePolicies: true, InvalidResponseAction: "retry", PolicyEngineMode: "any"}
	if existing != nil {
		b = *existing
	}
	in := newInput(c, store.ModelFlowStageBinding, existing == nil, data)
	setPK(c, in, &b.UUID)
	in.readOnly("policybindingmodel_ptr_id", "stage_obj")
	var target, stage *string
	if existing != nil {
		target, stage = &b.Target, &b.Stage
	}
	if in.ref("target", &target, true, false, exists(c, getFlow)) {
		b.Target = *target
	}
	if in.ref("stage", &stage, true, false, exists(c, getStage)) {
		b.Stage = *stage
	}
	in.integer("order", &b.Order, true, math.MinInt32)
	in.boolean("evaluate_on_plan", &b.EvaluateOnPlan)
	in.boolean("re_evaluate_policies", &b.ReEvaluatePolicies)
	in.choice("invalid_response_action", &b.InvalidResponseAction, false, InvalidResponseActions...)
	in.choice("policy_engine_mode", &b.PolicyEngineMode, false, PolicyEngineModes...)
	if in.ok() {
		if !b.EvaluateOnPlan && !b.ReEvaluatePolicies {
			in.fail("non_field_errors", "Either evaluation on plan or evaluation on run must be enabled")
		}
		others, err := c.Q.ListBindings(c.ctx(), b.Target)
		if err != nil {
			return store.FlowStageBinding{}, err
		}
		for _, o := range others {
			if o.UUID != b.UUID && o.Stage == b.Stage && o.Order == b.Order {
				in.taken("non_field_errors", msgUniqueBinding)
			}
		}
	}
	if err := in.err(); err != nil {
		return store.FlowStageBinding{}, err
	}
	var err error
	if existing == nil {
		err = c.Q.CreateBinding(c.ctx(), &b)
	} else {
		err = c.Q.UpdateBinding(c.ctx(), &b)
	}
	c.forget()
	if err != nil {
		return store.FlowStageBinding{}, conflict(err, "non_field_errors", msgUniqueBinding)
	}
	return b, nil
}

func serializeBinding(c *Ctx, b store.FlowStageBinding) (map[string]any, error) {
	s, err := c.Q.GetStage(c.ctx(), b.Stage)
	if err != nil {
		return nil, err
	}
	stageObj, err := SerializeStage(c, s)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"pk": b.UUID, "policybindingmodel_ptr_id": b.UUID, "target": b.Target, "stage": b.Stage,
		"stage_obj": stageObj, "evaluate_on_plan": b.EvaluateOnPlan, "re_evaluate_policies": b.ReEvaluatePolicies,
		"order": b.Order, "policy_engine_mode": b.PolicyEngineMode, "invalid_response_action": b.InvalidResponseAction,
	}, nil
}

// SerializeStage renders any stage with its own kind's serializer.
func SerializeStage(c *Ctx, s store.Stage) (map[string]any, error) {
	k, ok := stageModels[s.Kind]
	if !ok {
		return map[string]any{"pk": s.UUID, "name": s.Name, "component": "", "verbose_name": string(s.Kind),
			"verbose_name_plural": string(s.Kind), "meta_model_name": "", "flow_set": []any{}}, nil
	}
	return k.Serialize(c, s)
}
