package sqlstore

import (
	"context"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

const bindingCols = `uuid, target, stage, sort_order, evaluate_on_plan, re_evaluate_policies, invalid_response_action,
	policy_engine_mode`

func scanBinding(s scanner) (store.FlowStageBinding, error) {
	var b store.FlowStageBinding
	err := s.Scan(&b.UUID, &b.Target, &b.Stage, &b.Order, &b.EvaluateOnPlan, &b.ReEvaluatePolicies,
		&b.InvalidResponseAction, &b.PolicyEngineMode)
	return b, err
}

func bindingDefaults(b *store.FlowStageBinding) {
	b.Target, b.Stage = strings.ToLower(b.Target), strings.ToLower(b.Stage)
	if b.InvalidResponseAction == "" {
		b.InvalidResponseAction = "retry"
	}
	if b.PolicyEngineMode == "" {
		b.PolicyEngineMode = "any"
	}
}

func (c *conn) CreateBinding(ctx context.Context, b *store.FlowStageBinding) error {
	ensureUUID(&b.UUID)
	bindingDefaults(b)
	_, err := c.exec(ctx, "INSERT INTO flow_stage_bindings ("+bindingCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		b.UUID, b.Target, b.Stage, b.Order, b.EvaluateOnPlan, b.ReEvaluatePolicies, b.InvalidResponseAction, b.PolicyEngineMode)
	return c.wrap("insert flow stage binding", err)
}

func (c *conn) GetBinding(ctx context.Context, uuid string) (store.FlowStageBinding, error) {
	b, err := scanBinding(c.queryRow(ctx, "SELECT "+bindingCols+" FROM flow_stage_bindings WHERE uuid = ?", strings.ToLower(uuid)))
	return b, c.wrap("get flow stage binding", err)
}

func (c *conn) listBindings(ctx context.Context, where string, args ...any) ([]store.FlowStageBinding, error) {
	rows, err := c.query(ctx, "SELECT "+bindingCols+" FROM flow_stage_bindings"+where+" ORDER BY target, sort_order, uuid", args...)
	if err != nil {
		return nil, c.wrap("list flow stage bindings", err)
	}
	out, err := collect(rows, scanBinding)
	return out, c.wrap("list flow stage bindings", err)
}

// ListBindings lists a flow's bindings by order ("" lists every flow's,
// by flow then order).
func (c *conn) ListBindings(ctx context.Context, flowUUID string) ([]store.FlowStageBinding, error) {
	if flowUUID == "" {
		return c.listBindings(ctx, "")
	}
	return c.listBindings(ctx, " WHERE target = ?", strings.ToLower(flowUUID))
}

func (c *conn) BindingsForStage(ctx context.Context, stageUUID string) ([]store.FlowStageBinding, error) {
	return c.listBindings(ctx, " WHERE stage = ?", strings.ToLower(stageUUID))
}

func (c *conn) UpdateBinding(ctx context.Context, b *store.FlowStageBinding) error {
	bindingDefaults(b)
	return c.execOne(ctx, "update flow stage binding", `UPDATE flow_stage_bindings SET target = ?, stage = ?, sort_order = ?,
		evaluate_on_plan = ?, re_evaluate_policies = ?, invalid_response_action = ?, policy_engine_mode = ? WHERE uuid = ?`,
		b.Target, b.Stage, b.Order, b.EvaluateOnPlan, b.ReEvaluatePolicies, b.InvalidResponseAction, b.PolicyEngineMode,
		strings.ToLower(b.UUID))
}

// DeleteBinding removes the binding and the policy bindings on it.
func (c *conn) DeleteBinding(ctx context.Context, uuid string) error {
	uuid = strings.ToLower(uuid)
	return c.inTx(ctx, func(c *conn) error {
		if _, err := c.exec(ctx, "DELETE FROM policy_bindings WHERE target = ?", uuid); err != nil {
			return c.wrap("delete flow stage binding: policy bindings", err)
		}
		return c.execOne(ctx, "delete flow stage binding", "DELETE FROM flow_stage_bindings WHERE uuid = ?", uuid)
	})
}
