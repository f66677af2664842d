package console

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

func (h *Handler) mountPrompts(mux *routes) {
	mux.HandleFunc("GET /if/admin/prompts/", h.admin(h.promptList))
	h.promptEntity().mount(mux)
}

func (h *Handler) promptEntity() *entity[store.Prompt] {
	var types []option
	for _, t := range store.PromptTypes {
		types = append(types, option{Value: t, Label: t})
	}
	return &entity[store.Prompt]{h: h,
		Singular: "Prompt", Base: "/if/admin/prompts/", Nav: "prompts", model: resource.Prompts,
		load: func(ctx context.Context, id string) (store.Prompt, error) { return h.App.Store.GetPrompt(ctx, id) },
		form: func(ctx context.Context, obj *store.Prompt) (*formDef, error) {
			return &formDef{Fields: []*field{
				{Name: "name", Label: "Name", Kind: "text", Required: true, Help: "Unique name of this field, used for selecting fields in prompt stages."},
				{Name: "field_key", Label: "Field Key", Kind: "text", Required: true,
					Help: "Name of the form field, also the key the value is stored under (invitation custom attributes pre-fill fields by this key). Use attributes.<key> to store in user attributes."},
				{Name: "label", Label: "Label", Kind: "text", Required: true, Help: "Label shown next to the field."},
				{Name: "type", Label: "Type", Kind: "select", Required: true, Options: types},
				{Name: "required", Label: "Required", Kind: "checkbox"},
				{Name: "placeholder", Label: "Placeholder", Kind: "textarea",
					Help: "Optional placeholder; for radio buttons and dropdowns, the list of choices."},
				{Name: "placeholder_expression", Label: "Interpret placeholder as expression", Kind: "checkbox"},
				{Name: "initial_value", Label: "Initial value", Kind: "textarea", Help: "Optional pre-filled value."},
				{Name: "initial_value_expression", Label: "Interpret initial value as expression", Kind: "checkbox"},
				{Name: "sub_text", Label: "Help text", Kind: "textarea", Help: "Shown under the field."},
				{Name: "order", Label: "Order", Kind: "number", Required: true},
			}}, nil
		},
		values: func(obj *store.Prompt) url.Values {
			if obj == nil {
				return url.Values{"type": {"text"}, "required": {"on"}, "order": {"0"}}
			}
			p := *obj
			return url.Values{"name": {p.Name}, "field_key": {p.FieldKey}, "label": {p.Label}, "type": {p.Type},
				"required": {boolStr(p.Required)}, "placeholder": {p.Placeholder}, "placeholder_expression": {boolStr(p.PlaceholderExpression)},
				"initial_value": {p.InitialValue}, "initial_value_expression": {boolStr(p.InitialValueExpression)},
				"sub_text": {p.SubText}, "order": {strconv.Itoa(p.Order)}}
		},
		ident: func(p store.Prompt) (string, string) {
			return p.UUID, p.Name
		},
	}
}

type promptRow struct {
	Prompt store.Prompt
	Stages []store.Stage
}

// promptList is Flows and Stages > Prompts, with the prompt stages using each.
func (h *Handler) promptList(w http.ResponseWriter, r *http.Request, u *store.User) error {
	ctx := r.Context()
	prompts, err := h.App.Store.ListPrompts(ctx)
	if err != nil {
		return err
	}
	stages, err := h.App.Store.ListStages(ctx)
	if err != nil {
		return err
	}
	usedBy := map[string][]store.Stage{}
	for _, s := range stages {
		if s.Kind == store.StagePrompt && s.Prompt != nil {
			for _, id := range s.Prompt.Fields {
				usedBy[id] = append(usedBy[id], s)
			}
		}
	}
	search := listSearch(r)
	var rows []promptRow
	for _, p := range prompts {
		if !matches(search, p.Name, p.FieldKey, p.Label) {
			continue
		}
		rows = append(rows, promptRow{p, usedBy[p.UUID]})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Prompt.Name < rows[j].Prompt.Name })
	v := h.view(r, u, "Prompts", "prompts")
	v.P = searchedList[promptRow]{rows, &pager{Base: "/if/admin/prompts/", Search: search}}
	return h.render(w, r, http.StatusOK, "prompt_list", v)
}
