package resource

import (
	"math"

	"github.com/usher-id/usher/internal/store"
)

var promptKind = &Kind{
	Model: store.ModelPrompt, VerboseName: "Prompt", VerboseNamePlural: "Prompts",
	Fields: []string{"pk", "name", "field_key", "label", "type", "required", "placeholder", "initial_value", "order",
		"prompt_stages_obj", "sub_text", "placeholder_expression", "initial_value_expression"},
	PK:     func(o Object) any { return o.(store.Prompt).UUID },
	Name:   func(o Object) string { return o.(store.Prompt).Name },
	List:   func(c *Ctx) ([]Object, error) { return list(c.Q.ListPrompts(c.ctx())) },
	Delete: func(c *Ctx, o Object) error { return c.Q.DeletePrompt(c.ctx(), o.(store.Prompt).UUID) },
}

func init() {
	promptKind.Save, promptKind.Serialize = savePrompt, serializePrompt
	register(promptKind, finder{
		byPK: uuidPK(func(c *Ctx, id string) (Object, error) { return c.Q.GetPrompt(c.ctx(), id) }),
		unique: map[string]func(c *Ctx, v string) (Object, error){
			"name": func(c *Ctx, v string) (Object, error) { return c.Q.GetPromptByName(c.ctx(), v) },
		},
	})
}

func savePrompt(c *Ctx, existing Object, data map[string]any) (Object, error) {
	p := store.Prompt{Required: true}
	if existing != nil {
		p = existing.(store.Prompt)
	}
	in := newInput(c, promptKind.Model, existing == nil, data)
	setPK(c, in, &p.UUID)
	in.readOnly("prompt_stages_obj")
	if in.str("name", &p.Name, strOpt{required: true}) && (existing == nil || p.Name != existing.(store.Prompt).Name) {
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
		return nil, err
	}
	var err error
	if existing == nil {
		err = c.Q.CreatePrompt(c.ctx(), &p)
	} else {
		err = c.Q.UpdatePrompt(c.ctx(), &p)
	}
	c.forget()
	if err != nil {
		return nil, conflict(err, "name", uniqueMsg("Prompt", "name"))
	}
	return p, nil
}

func serializePrompt(c *Ctx, o Object) (map[string]any, error) {
	p := o.(store.Prompt)
	stages, err := c.Q.PromptStagesUsing(c.ctx(), p.UUID)
	if err != nil {
		return nil, err
	}
	objs := []any{}
	sk := stageKinds[store.StagePrompt]
	for _, s := range stages {
		m, err := sk.Serialize(c, s)
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
