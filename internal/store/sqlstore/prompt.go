package sqlstore

import (
	"context"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

const promptCols = `uuid, name, field_key, label, type, required, placeholder, placeholder_expression, initial_value,
	initial_value_expression, sort_order, sub_text`

func scanPrompt(s scanner) (store.Prompt, error) {
	var p store.Prompt
	err := s.Scan(&p.UUID, &p.Name, &p.FieldKey, &p.Label, &p.Type, &p.Required, &p.Placeholder,
		&p.PlaceholderExpression, &p.InitialValue, &p.InitialValueExpression, &p.Order, &p.SubText)
	return p, err
}

func (c *conn) CreatePrompt(ctx context.Context, p *store.Prompt) error {
	ensureUUID(&p.UUID)
	_, err := c.exec(ctx, "INSERT INTO prompts ("+promptCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		p.UUID, p.Name, p.FieldKey, p.Label, p.Type, p.Required, p.Placeholder, p.PlaceholderExpression,
		p.InitialValue, p.InitialValueExpression, p.Order, p.SubText)
	return c.wrap("insert prompt", err)
}

func (c *conn) GetPrompt(ctx context.Context, uuid string) (store.Prompt, error) {
	p, err := scanPrompt(c.queryRow(ctx, "SELECT "+promptCols+" FROM prompts WHERE uuid = ?", strings.ToLower(uuid)))
	return p, c.wrap("get prompt", err)
}

func (c *conn) GetPromptByName(ctx context.Context, name string) (store.Prompt, error) {
	p, err := scanPrompt(c.queryRow(ctx, "SELECT "+promptCols+" FROM prompts WHERE name = ?", name))
	return p, c.wrap("get prompt", err)
}

func (c *conn) ListPrompts(ctx context.Context) ([]store.Prompt, error) {
	rows, err := c.query(ctx, "SELECT "+promptCols+" FROM prompts ORDER BY name")
	if err != nil {
		return nil, c.wrap("list prompts", err)
	}
	out, err := collect(rows, scanPrompt)
	return out, c.wrap("list prompts", err)
}

func (c *conn) UpdatePrompt(ctx context.Context, p *store.Prompt) error {
	return c.execOne(ctx, "update prompt", `UPDATE prompts SET name = ?, field_key = ?, label = ?, type = ?, required = ?,
		placeholder = ?, placeholder_expression = ?, initial_value = ?, initial_value_expression = ?, sort_order = ?, sub_text = ?
		WHERE uuid = ?`, p.Name, p.FieldKey, p.Label, p.Type, p.Required, p.Placeholder, p.PlaceholderExpression,
		p.InitialValue, p.InitialValueExpression, p.Order, p.SubText, strings.ToLower(p.UUID))
}

// DeletePrompt removes the prompt; the schema drops it from prompt stages.
func (c *conn) DeletePrompt(ctx context.Context, uuid string) error {
	return c.execOne(ctx, "delete prompt", "DELETE FROM prompts WHERE uuid = ?", strings.ToLower(uuid))
}

func (c *conn) PromptStagesUsing(ctx context.Context, promptUUID string) ([]store.Stage, error) {
	return c.listStages(ctx, "SELECT "+prefixCols("s", stageCols)+` FROM stages s
		WHERE EXISTS (SELECT 1 FROM prompt_stage_fields f WHERE f.stage_uuid = s.uuid AND f.prompt_uuid = ?)
		ORDER BY s.name`, strings.ToLower(promptUUID))
}
