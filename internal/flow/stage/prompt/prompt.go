// Package prompt is the prompt stage (authentik's stages/prompt/stage.py): it asks for its fields with
// an ak-stage-prompt challenge and validates the answer into prompt_data.
//
// Expressions: placeholder_expression and initial_value_expression are
// evaluated in the policy sandbox (expression.go); a failing one shows its
// raw text and records property_mapping_exception. A value already in
// prompt_data (an invitation's fixed_data, an earlier prompt) is used as-is
// and never evaluated, except that a field marked placeholder_expression is
// never pre-filled from prompt_data, as authentik's invitations guide's troubleshooting
// section describes.
package prompt

import (
	"errors"
	"sort"
	"strings"

	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
)

// Component is the challenge component.
const Component = "ak-stage-prompt"

type view struct{}

func init() { flow.RegisterStage(store.StagePrompt, view{}) }

// field is one prompt as this request shows it.
type field struct {
	p           store.Prompt
	placeholder string // placeholder as sent ("" for choice types)
	initial     string // initial_value as sent
	choices     []choice
	locked      bool // e-mail bound by the invitation: shown read-only, enforced
}

type choice struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

func isChoice(t string) bool { return t == "radio-button-group" || t == "dropdown" }

// Get shows the fields.
func (view) Get(ex *flow.Execution) flow.Response {
	fields, err := build(ex)
	if err != nil {
		return flow.Fail(err)
	}
	return challenge(fields, nil)
}

func loadPrompts(ex *flow.Execution) ([]store.Prompt, error) {
	var ids []string
	if ex.Stage.Prompt != nil {
		ids = ex.Stage.Prompt.Fields
	}
	out := make([]store.Prompt, 0, len(ids))
	for _, id := range ids {
		p, err := ex.Store().GetPrompt(ex.Ctx(), id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out, nil
}

// build computes each field's choices and initial value (authentik's Prompt.get_initial_value and get_choices).
func build(ex *flow.Execution) ([]field, error) {
	prompts, err := loadPrompts(ex)
	if err != nil {
		return nil, err
	}
	var ctx map[string]any
	if ex.HasPromptData() {
		ctx = ex.PromptData()
	}
	inv, err := ex.Invitation()
	if err != nil {
		return nil, err
	}
	ev := &evaluator{ex: ex, promptContext: ctx}
	fields := make([]field, 0, len(prompts))
	for _, p := range prompts {
		f := field{p: p}
		var placeholder any = p.Placeholder
		if p.PlaceholderExpression {
			placeholder = ev.value(p, "placeholder", p.Placeholder)
		}
		if isChoice(p.Type) {
			f.choices = choicesFor(p, ctx, placeholder)
		} else {
			f.placeholder = str(placeholder)
		}
		// Data already in the plan (the invitation's fixed_data, an earlier
		// prompt) pre-fills the field as-is, never evaluated, except for
		// expression placeholders.
		if v, ok := ctx[p.FieldKey]; ok && !p.PlaceholderExpression {
			f.initial = str(v)
		} else if p.InitialValueExpression {
			f.initial = str(ev.value(p, "initial_value", p.InitialValue))
		} else {
			f.initial = p.InitialValue
		}
		if isChoice(p.Type) && !hasChoice(f.choices, f.initial) {
			f.initial = ""
			if len(f.choices) > 0 {
				f.initial = f.choices[0].Value
			}
		}
		if inv != nil && inv.Email != "" && p.Type == "email" && p.FieldKey == "email" {
			f.locked, f.initial = true, inv.Email
		}
		fields = append(fields, f)
	}
	return fields, nil
}

// choicesFor lists a choice field's choices: <field_key>__choices from
// prompt_data, else the placeholder (evaluated when it is an expression).
func choicesFor(p store.Prompt, ctx map[string]any, placeholder any) []choice {
	raw, ok := ctx[p.FieldKey+"__choices"]
	if !ok {
		if placeholder == nil || placeholder == "" {
			return []choice{}
		}
		raw = placeholder
	}
	list, ok := raw.([]any)
	if !ok {
		list = []any{raw}
	}
	out := make([]choice, 0, len(list))
	for _, c := range list {
		if m, ok := c.(map[string]any); ok {
			out = append(out, choice{Label: choiceStr(m["label"]), Value: choiceStr(m["value"])})
			continue
		}
		out = append(out, choice{Label: choiceStr(c), Value: choiceStr(c)})
	}
	return out
}

func hasChoice(cs []choice, v string) bool {
	for _, c := range cs {
		if c.Value == v {
			return true
		}
	}
	return false
}

// challenge renders the fields; values are what the client submitted, for
// the HTML page to show again (passwords excluded).
func challenge(fields []field, values map[string]string) flow.Response {
	return flow.Ask(promptChallenge(fields, values))
}

// promptChallenge builds the challenge for fields.
func promptChallenge(fields []field, values map[string]string) *flow.PromptChallenge {
	c := &flow.PromptChallenge{Common: flow.Common{Component: Component}, Fields: make([]flow.PromptField, 0, len(fields)),
		Locked: map[string]bool{}, Values: values}
	for _, f := range fields {
		pf := flow.PromptField{FieldKey: f.p.FieldKey, Label: f.p.Label, Type: f.p.Type, Required: f.p.Required,
			Placeholder: f.placeholder, InitialValue: f.initial, Order: f.p.Order, SubText: f.p.SubText}
		if isChoice(f.p.Type) { // other types send choices: null
			pf.Placeholder, pf.Choices = "", make([]flow.PromptChoice, 0, len(f.choices))
			for _, ch := range f.choices {
				pf.Choices = append(pf.Choices, flow.PromptChoice{Label: ch.Label, Value: ch.Value})
			}
		}
		c.Fields = append(c.Fields, pf)
		if f.locked {
			c.Locked[f.p.FieldKey] = true
		}
	}
	return c
}

// choiceStr renders a choice as authentik does, with Python's str():
// booleans are True and False.
func choiceStr(v any) string {
	if b, ok := v.(bool); ok {
		if b {
			return "True"
		}
		return "False"
	}
	return str(v)
}

// str renders a context value as a form string.
func str(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	}
	return strings.TrimSpace(jsonString(v))
}
