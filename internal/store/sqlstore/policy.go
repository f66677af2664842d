package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

const policyCols = "uuid, name, kind, expression, execution_logging, settings"

func scanPolicy(s scanner) (store.Policy, error) {
	var p store.Policy
	var settings []byte
	if err := s.Scan(&p.UUID, &p.Name, &p.Kind, &p.Expression, &p.ExecutionLogging, &settings); err != nil {
		return p, err
	}
	if p.Kind == store.PolicyPassword {
		p.Password = store.NewPasswordPolicySettings()
		if err := json.Unmarshal(settings, p.Password); err != nil {
			return p, fmt.Errorf("policy %s: bad settings: %w", p.UUID, err)
		}
	}
	return p, nil
}

// policySettings encodes the settings column of p's kind.
func policySettings(p *store.Policy) (string, error) {
	if p.Kind != store.PolicyPassword || p.Password == nil {
		return "{}", nil
	}
	b, err := json.Marshal(p.Password)
	return string(b), err
}

func (c *conn) CreatePolicy(ctx context.Context, p *store.Policy) error {
	ensureUUID(&p.UUID)
	if p.Kind == "" {
		p.Kind = store.PolicyExpression
	}
	settings, err := policySettings(p)
	if err != nil {
		return fmt.Errorf("store: insert policy: %w", err)
	}
	_, err = c.exec(ctx, "INSERT INTO policies ("+policyCols+") VALUES (?, ?, ?, ?, ?, ?)",
		p.UUID, p.Name, p.Kind, p.Expression, p.ExecutionLogging, settings)
	return c.wrap("insert policy", err)
}

func (c *conn) GetPolicy(ctx context.Context, uuid string) (store.Policy, error) {
	p, err := scanPolicy(c.queryRow(ctx, "SELECT "+policyCols+" FROM policies WHERE uuid = ?", strings.ToLower(uuid)))
	return p, c.wrap("get policy", err)
}

func (c *conn) GetPolicyByName(ctx context.Context, name string) (store.Policy, error) {
	p, err := scanPolicy(c.queryRow(ctx, "SELECT "+policyCols+" FROM policies WHERE name = ?", name))
	return p, c.wrap("get policy", err)
}

func (c *conn) ListPolicies(ctx context.Context) ([]store.Policy, error) {
	rows, err := c.query(ctx, "SELECT "+policyCols+" FROM policies ORDER BY name")
	if err != nil {
		return nil, c.wrap("list policies", err)
	}
	out, err := collect(rows, scanPolicy)
	return out, c.wrap("list policies", err)
}

func (c *conn) UpdatePolicy(ctx context.Context, p *store.Policy) error {
	settings, err := policySettings(p)
	if err != nil {
		return fmt.Errorf("store: update policy: %w", err)
	}
	return c.execOne(ctx, "update policy", "UPDATE policies SET name = ?, kind = ?, expression = ?, execution_logging = ?, settings = ? WHERE uuid = ?",
		p.Name, p.Kind, p.Expression, p.ExecutionLogging, settings, strings.ToLower(p.UUID))
}

// DeletePolicy removes the policy; the schema drops its bindings and its
// place in prompt stages' validation policies.
func (c *conn) DeletePolicy(ctx context.Context, uuid string) error {
	return c.execOne(ctx, "delete policy", "DELETE FROM policies WHERE uuid = ?", strings.ToLower(uuid))
}

const policyBindingCols = "uuid, target, policy, group_uuid, user_pk, negate, enabled, sort_order, timeout, failure_result"

func scanPolicyBinding(s scanner) (store.PolicyBinding, error) {
	var b store.PolicyBinding
	var policy, group sql.NullString
	var user sql.NullInt64
	err := s.Scan(&b.UUID, &b.Target, &policy, &group, &user, &b.Negate, &b.Enabled, &b.Order, &b.Timeout, &b.FailureResult)
	b.Policy, b.Group, b.User = nullStr(policy), nullStr(group), nullInt64(user)
	return b, err
}

func (c *conn) CreatePolicyBinding(ctx context.Context, b *store.PolicyBinding) error {
	ensureUUID(&b.UUID)
	b.Target = strings.ToLower(b.Target)
	_, err := c.exec(ctx, "INSERT INTO policy_bindings ("+policyBindingCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		b.UUID, b.Target, lowerPtr(b.Policy), lowerPtr(b.Group), b.User, b.Negate, b.Enabled, b.Order, b.Timeout, b.FailureResult)
	return c.wrap("insert policy binding", err)
}

func (c *conn) GetPolicyBinding(ctx context.Context, uuid string) (store.PolicyBinding, error) {
	b, err := scanPolicyBinding(c.queryRow(ctx, "SELECT "+policyBindingCols+" FROM policy_bindings WHERE uuid = ?", strings.ToLower(uuid)))
	return b, c.wrap("get policy binding", err)
}

// ListPolicyBindings lists a target's bindings by order ("" lists all, by
// target then order).
func (c *conn) ListPolicyBindings(ctx context.Context, target string) ([]store.PolicyBinding, error) {
	q, args := "SELECT "+policyBindingCols+" FROM policy_bindings ORDER BY target, sort_order, uuid", []any{}
	if target != "" {
		q = "SELECT " + policyBindingCols + " FROM policy_bindings WHERE target = ? ORDER BY sort_order, uuid"
		args = append(args, strings.ToLower(target))
	}
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, c.wrap("list policy bindings", err)
	}
	out, err := collect(rows, scanPolicyBinding)
	return out, c.wrap("list policy bindings", err)
}

func (c *conn) UpdatePolicyBinding(ctx context.Context, b *store.PolicyBinding) error {
	b.Target = strings.ToLower(b.Target)
	return c.execOne(ctx, "update policy binding", `UPDATE policy_bindings SET target = ?, policy = ?, group_uuid = ?,
		user_pk = ?, negate = ?, enabled = ?, sort_order = ?, timeout = ?, failure_result = ? WHERE uuid = ?`,
		b.Target, lowerPtr(b.Policy), lowerPtr(b.Group), b.User, b.Negate, b.Enabled, b.Order, b.Timeout, b.FailureResult,
		strings.ToLower(b.UUID))
}

func (c *conn) DeletePolicyBinding(ctx context.Context, uuid string) error {
	return c.execOne(ctx, "delete policy binding", "DELETE FROM policy_bindings WHERE uuid = ?", strings.ToLower(uuid))
}
