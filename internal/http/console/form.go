package console

import (
	"context"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// formDef is a form the generic "form" page (or a partial) renders. Field
// names are the API's field names, so the API's validation messages land
// beside the right field.
type formDef struct {
	Title    string
	Intro    string
	Action   string
	Submit   string
	Cancel   string
	Fields   []*field
	NonField []string
}

// field is one input. Kind: text, textarea, code, number, checkbox, select,
// multiselect, datetime, password, email, url, heading (a section title).
type field struct {
	Name, Label, Help string
	Kind              string
	Options           []option
	Required          bool
	Value             string
	Values            []string
	Checked           bool
	Errors            []string
	Autocomplete      string
	Placeholder       string
	Warning           string // shown under the field even without errors
	Nullable          bool   // an empty select is sent as null (optional references)
}

type option struct {
	Value, Label string
	Warn         bool // listed, but marked as not usable as is
}

// Selected reports whether option value v is chosen.
func (f *field) Selected(v string) bool {
	if f.Kind == "multiselect" {
		for _, x := range f.Values {
			if x == v {
				return true
			}
		}
		return false
	}
	return f.Value == v
}

func (f *formDef) field(name string) *field {
	for _, fl := range f.Fields {
		if fl.Name == name {
			return fl
		}
	}
	panic("web: form has no field " + name)
}

func (f *formDef) has(name string) bool {
	for _, fl := range f.Fields {
		if fl.Name == name {
			return true
		}
	}
	return false
}

// fill sets every field's value from submitted or prepared values.
func (f *formDef) fill(v url.Values) {
	for _, fl := range f.Fields {
		switch fl.Kind {
		case "heading":
		case "checkbox":
			fl.Checked = v.Get(fl.Name) != ""
		case "multiselect":
			fl.Values = v[fl.Name]
		case "password":
			fl.Value = ""
		default:
			fl.Value = v.Get(fl.Name)
		}
	}
}

func (f *formDef) hasErrors() bool {
	if len(f.NonField) > 0 {
		return true
	}
	for _, fl := range f.Fields {
		if len(fl.Errors) > 0 {
			return true
		}
	}
	return false
}

func (f *formDef) addError(name, msg string) {
	if name != "" && name != "non_field_errors" && f.has(name) {
		fl := f.field(name)
		fl.Errors = append(fl.Errors, msg)
		return
	}
	if name != "" && name != "non_field_errors" {
		msg = name + ": " + msg
	}
	f.NonField = append(f.NonField, msg)
}

// applyErrors puts a ValidationError's messages beside their fields.
func (f *formDef) applyErrors(ve *resource.ValidationError) {
	keys := make([]string, 0, len(ve.Fields))
	for k := range ve.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, m := range ve.Fields[k] {
			f.addError(k, m)
		}
	}
}

// Small converters from form values to API data. Each records a field error
// on f when the text cannot be read.

func (f *formDef) intValue(v url.Values, name string, data map[string]any, nullable bool) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		if nullable {
			data[name] = nil
		} else {
			f.addError(name, "This field is required.")
		}
		return
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f.addError(name, "A valid integer is required.")
		return
	}
	data[name] = n
}

// timeValue reads a datetime-local value (taken as UTC); blank is null.
func (f *formDef) timeValue(v url.Values, name string, data map[string]any) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		data[name] = nil
		return
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			if msg := fieldrule.Time(t); msg != "" {
				f.addError(name, msg)
				return
			}
			data[name] = t.UTC().Format(time.RFC3339)
			return
		}
	}
	f.addError(name, "Enter a date and time like 2026-12-31T23:59.")
}

func checked(v url.Values, name string) bool { return v.Get(name) != "" }

// nullable returns nil for "" so optional references are sent as null.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func boolStr(b bool) string {
	if b {
		return "on"
	}
	return ""
}

func strPtr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// localTime formats t for a datetime-local input (UTC).
func localTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04")
}

func choices(pairs ...string) []option {
	out := make([]option, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, option{Value: pairs[i], Label: pairs[i+1]})
	}
	return out
}

// genericData converts submitted values to API data by field kind.
func genericData(f *formDef, v url.Values) map[string]any {
	d := map[string]any{}
	for _, fl := range f.Fields {
		switch fl.Kind {
		case "heading", "password":
		case "checkbox":
			d[fl.Name] = checked(v, fl.Name)
		case "multiselect":
			vals := v[fl.Name]
			if vals == nil {
				vals = []string{}
			}
			d[fl.Name] = vals
		case "number":
			f.intValue(v, fl.Name, d, !fl.Required)
		case "select":
			if fl.Nullable {
				d[fl.Name] = nullable(v.Get(fl.Name))
			} else {
				d[fl.Name] = v.Get(fl.Name)
			}
		case "code", "textarea":
			d[fl.Name] = v.Get(fl.Name)
		default:
			d[fl.Name] = strings.TrimSpace(v.Get(fl.Name))
		}
	}
	return d
}

// valuesOf turns JSON-like data (an API object) into form values.
func valuesOf(m map[string]any) url.Values {
	v := url.Values{}
	for k, x := range m {
		switch t := x.(type) {
		case nil:
		case bool:
			v.Set(k, boolStr(t))
		case string:
			v.Set(k, t)
		case float64:
			v.Set(k, strconv.FormatFloat(t, 'f', -1, 64))
		case int:
			v.Set(k, strconv.Itoa(t))
		case []any:
			for _, e := range t {
				if s, ok := e.(string); ok {
					v.Add(k, s)
				}
			}
		case []string:
			v[k] = append([]string(nil), t...)
		}
	}
	return v
}

// groupOptions lists the groups (by name, at most 500) as select options:
// first an empty choice labelled none (unless none is ""), and never the
// group skip (a group cannot be its own parent).
func groupOptions(ctx context.Context, q store.Queries, none, skip string) ([]option, error) {
	groups, _, err := q.ListGroups(ctx, store.GroupFilter{Ordering: "name", Limit: 500})
	if err != nil {
		return nil, err
	}
	var opts []option
	if none != "" {
		opts = append(opts, option{Value: "", Label: none})
	}
	for _, g := range groups {
		if g.UUID != skip {
			opts = append(opts, option{Value: g.UUID, Label: g.Name})
		}
	}
	return opts, nil
}
