package sqlstore

import (
	"context"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

const flowCols = `uuid, name, slug, title, designation, authentication, layout, policy_engine_mode, denied_action,
	compatibility_mode, background`

func scanFlow(s scanner) (store.Flow, error) {
	var f store.Flow
	err := s.Scan(&f.UUID, &f.Name, &f.Slug, &f.Title, &f.Designation, &f.Authentication, &f.Layout,
		&f.PolicyEngineMode, &f.DeniedAction, &f.CompatibilityMode, &f.Background)
	return f, err
}

// flowDefaults fills authentik's defaults for unset choice fields.
func flowDefaults(f *store.Flow) {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&f.Authentication, "none")
	def(&f.Layout, "stacked")
	def(&f.PolicyEngineMode, "any")
	def(&f.DeniedAction, "message_continue")
}

func (c *conn) CreateFlow(ctx context.Context, f *store.Flow) error {
	ensureUUID(&f.UUID)
	flowDefaults(f)
	_, err := c.exec(ctx, "INSERT INTO flows ("+flowCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		f.UUID, f.Name, f.Slug, f.Title, f.Designation, f.Authentication, f.Layout, f.PolicyEngineMode,
		f.DeniedAction, f.CompatibilityMode, f.Background)
	return c.wrap("insert flow", err)
}

func (c *conn) GetFlow(ctx context.Context, uuid string) (store.Flow, error) {
	f, err := scanFlow(c.queryRow(ctx, "SELECT "+flowCols+" FROM flows WHERE uuid = ?", strings.ToLower(uuid)))
	return f, c.wrap("get flow", err)
}

func (c *conn) GetFlowBySlug(ctx context.Context, slug string) (store.Flow, error) {
	f, err := scanFlow(c.queryRow(ctx, "SELECT "+flowCols+" FROM flows WHERE slug = ?", slug))
	return f, c.wrap("get flow", err)
}

func (c *conn) ListFlows(ctx context.Context) ([]store.Flow, error) {
	rows, err := c.query(ctx, "SELECT "+flowCols+" FROM flows ORDER BY slug")
	if err != nil {
		return nil, c.wrap("list flows", err)
	}
	out, err := collect(rows, scanFlow)
	return out, c.wrap("list flows", err)
}

func (c *conn) UpdateFlow(ctx context.Context, f *store.Flow) error {
	flowDefaults(f)
	return c.execOne(ctx, "update flow", `UPDATE flows SET name = ?, slug = ?, title = ?, designation = ?,
		authentication = ?, layout = ?, policy_engine_mode = ?, denied_action = ?, compatibility_mode = ?, background = ?
		WHERE uuid = ?`, f.Name, f.Slug, f.Title, f.Designation, f.Authentication, f.Layout, f.PolicyEngineMode,
		f.DeniedAction, f.CompatibilityMode, f.Background, strings.ToLower(f.UUID))
}

// DeleteFlow removes the flow with its stage bindings (schema cascade),
// unsets it on invitations and brands (schema SET NULL), and in Go removes
// policy bindings on the flow or its stage bindings and clears stage
// settings that name it.
func (c *conn) DeleteFlow(ctx context.Context, uuid string) error {
	uuid = strings.ToLower(uuid)
	return c.inTx(ctx, func(c *conn) error {
		if _, err := c.exec(ctx, `DELETE FROM policy_bindings WHERE target = ?
			OR target IN (SELECT uuid FROM flow_stage_bindings WHERE target = ?)`, uuid, uuid); err != nil {
			return c.wrap("delete flow: policy bindings", err)
		}
		if err := c.execOne(ctx, "delete flow", "DELETE FROM flows WHERE uuid = ?", uuid); err != nil {
			return err
		}
		if err := c.rewriteStages(ctx, store.StageIdentification, func(s *store.Stage) bool {
			id := s.Identification
			a, b, d := clearRef(&id.EnrollmentFlow, uuid), clearRef(&id.RecoveryFlow, uuid), clearRef(&id.PasswordlessFlow, uuid)
			return a || b || d
		}); err != nil {
			return err
		}
		if err := c.clearConfigureFlows(ctx, uuid); err != nil {
			return err
		}
		return c.rewriteStages(ctx, store.StagePassword, func(s *store.Stage) bool {
			return clearRef(&s.Password.ConfigureFlow, uuid)
		})
	})
}
