package resource

import (
	"math"

	"github.com/usher-id/usher/internal/store"
)

// Prompts is authentik's stages.prompt.Prompt.
var Prompts = &Model[store.Prompt]{
	Name: store.ModelPrompt, VerboseName: "Prompt", VerboseNamePlural: "Prompts",
	Fields: []string{"pk", "name", "field_key", "label", "type", "required", "placeholder", "initial_value", "order",
		"prompt_stages_obj", "sub_text", "placeholder_expression", "initial_value_expression"},
	pk:    func(o store.Prompt) any { return o.UUID },
	title: func(o store.Prompt) string { return o.Name },
	list:  func(c *Ctx) ([]store.Prompt, error) { return c.Q.ListPrompts(c.ctx()) },
	del:   func(c *Ctx, o store.Prompt) error { return c.Q.DeletePrompt(c.ctx(), o.UUID) },
}

func init() {
	Prompts.save, Prompts.serialize = savePrompt, serializePrompt
	define(Prompts, finder[store.Prompt]{
		byPK: uuidPK(func(c *Ctx, id string) (store.Prompt, error) { return c.Q.GetPrompt(c.ctx(), id) }),
		unique: map[string]func(c *Ctx, v string) (store.Prompt, error){
			"name": func(c *Ctx, v string) (store.Prompt, error) { return c.Q.GetPromptByName(c.ctx(), v) },
		},
	})
}

func savePrompt(c *Ctx, existing *store.Prompt, data map[string]any) (store.Prompt, error) {
	p := store.Prompt{Required: true}
	if existing != nil {
		p = *existing
	}
	in := newInput(c, store.ModelPrompt, existing == nil, data)
	setPK(c, in, &p.UUID)
	in.readOnly("prompt_stages_obj")
	if in.str("name", &p.Name, strOpt{required: true}) && (existing == nil || p.Name != existing.Name) {
		if other, err := c.Q.GetPromptByName(c.ctx(), p.Name); err == nil && other.UUID != p.UUID {
			in.taken("name", uniqueMsg("Prompt", "name"))
		}
	}
	in.str("field_key", &p.FieldKey, strOpt{required: true})
	in.str("label", &p.Label, strOpt{required: true})
	in.choice("type", &p.Type, true, store.PromptTypes...)
	in.boolean("required", &p.Required)
	in.str("placeholder", &p.Placeholder, strOpt{blank: true})
	in.boolean("placeholder_expression", &p.PlaceholderExpression)
	in.str("initial_value", &p.InitialValue, strOpt{blank: true})
	in.boolean("initial_value_expression", &p.InitialValueExpression)
	in.integer("order", &p.Order, false, math.MinInt32)
	in.str("sub_text", &p.SubText, strOpt{blank: true})
	if err := in.err(); err != nil {
		return store.Prompt{}, err
	}
	var err error
	if existing == nil {
		err = c.Q.CreatePrompt(c.ctx(), &p)
	} else {
		err = c.Q.UpdatePrompt(c.ctx(), &p)
	}
	c.forget()
	if err != nil {
		return store.Prompt{}, conflict(err, "name", uniqueMsg("Prompt", "name"))
	}
	return p, nil
}

func serializePrompt(c *Ctx, p store.Prompt) (map[string]any, error) {
	stages, err := c.Q.PromptStagesUsing(c.ctx(), p.UUID)
	if err != nil {
		return nil, err
	}
	objs := []any{}
	for _, s := range stages {
		m, err := PromptStages.Serialize(c, s)
		if err != nil {
			return nil, err
		}
		objs = append(objs, m)
	}
	return map[string]any{
		"pk": p.UUID, "name": p.Name, "field_key": p.FieldKey, "label": p.Label, "type": p.Type,
		"required": p.Required, "placeholder": p.Placeholder, "initial_value": p.InitialValue, "order": p.Order,
		"prompt_stages_obj": objs, "sub_text": p.SubText, "placeholder_expression": p.PlaceholderExpression,
		"initial_value_expression": p.InitialValueExpression,
	}, nil
}
