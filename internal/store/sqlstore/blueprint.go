package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

const blueprintCols = `uuid, name, path, context, last_applied, last_applied_hash, status, enabled, managed_models,
	metadata, content`

func scanBlueprint(s scanner) (store.BlueprintInstance, error) {
	var b store.BlueprintInstance
	var applied timeCol
	err := s.Scan(&b.UUID, &b.Name, &b.Path, jsonCol{&b.Context}, &applied, &b.LastAppliedHash, &b.Status,
		&b.Enabled, jsonCol{&b.ManagedModels}, jsonCol{&b.Metadata}, &b.Content)
	b.LastApplied = applied.T
	b.Context, b.Metadata = obj(b.Context), obj(b.Metadata)
	if b.ManagedModels == nil {
		b.ManagedModels = []string{}
	}
	return b, err
}

func blueprintArgs(c *conn, b *store.BlueprintInstance) ([]any, error) {
	bctx, err := jsonObject(b.Context)
	if err != nil {
		return nil, fmt.Errorf("context: %w", err)
	}
	models, err := jsonList(b.ManagedModels)
	if err != nil {
		return nil, fmt.Errorf("managed_models: %w", err)
	}
	meta, err := jsonObject(b.Metadata)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	return []any{b.Name, b.Path, bctx, c.t(b.LastApplied), b.LastAppliedHash, b.Status, b.Enabled, models, meta, b.Content}, nil
}

func (c *conn) CreateBlueprintInstance(ctx context.Context, b *store.BlueprintInstance) error {
	ensureUUID(&b.UUID)
	if b.Status == "" {
		b.Status = "unknown"
	}
	args, err := blueprintArgs(c, b)
	if err != nil {
		return fmt.Errorf("store: insert blueprint instance: %w", err)
	}
	_, err = c.exec(ctx, "INSERT INTO blueprint_instances ("+blueprintCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		append([]any{b.UUID}, args...)...)
	return c.wrap("insert blueprint instance", err)
}

func (c *conn) GetBlueprintInstance(ctx context.Context, uuid string) (store.BlueprintInstance, error) {
	b, err := scanBlueprint(c.queryRow(ctx, "SELECT "+blueprintCols+" FROM blueprint_instances WHERE uuid = ?", strings.ToLower(uuid)))
	return b, c.wrap("get blueprint instance", err)
}

func (c *conn) GetBlueprintInstanceByName(ctx context.Context, name string) (store.BlueprintInstance, error) {
	b, err := scanBlueprint(c.queryRow(ctx, "SELECT "+blueprintCols+" FROM blueprint_instances WHERE name = ?", name))
	return b, c.wrap("get blueprint instance", err)
}

func (c *conn) ListBlueprintInstances(ctx context.Context) ([]store.BlueprintInstance, error) {
	rows, err := c.query(ctx, "SELECT "+blueprintCols+" FROM blueprint_instances ORDER BY name")
	if err != nil {
		return nil, c.wrap("list blueprint instances", err)
	}
	out, err := collect(rows, scanBlueprint)
	return out, c.wrap("list blueprint instances", err)
}

func (c *conn) UpdateBlueprintInstance(ctx context.Context, b *store.BlueprintInstance) error {
	args, err := blueprintArgs(c, b)
	if err != nil {
		return fmt.Errorf("store: update blueprint instance: %w", err)
	}
	return c.execOne(ctx, "update blueprint instance", `UPDATE blueprint_instances SET name = ?, path = ?, context = ?,
		last_applied = ?, last_applied_hash = ?, status = ?, enabled = ?, managed_models = ?, metadata = ?, content = ?
		WHERE uuid = ?`, append(args, strings.ToLower(b.UUID))...)
}

func (c *conn) DeleteBlueprintInstance(ctx context.Context, uuid string) error {
	return c.execOne(ctx, "delete blueprint instance", "DELETE FROM blueprint_instances WHERE uuid = ?", strings.ToLower(uuid))
}
