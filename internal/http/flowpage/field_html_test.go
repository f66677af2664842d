package flowpage

import (
	"bytes"
	"html/template"
	"testing"
)

// TestFieldsHTMLMatchesTemplate renders every kind of control, with every
// flag and with values that need escaping, through fieldsHTML and through
// the html/template block it replaced; the bytes must be the same.
func TestFieldsHTMLMatchesTemplate(t *testing.T) {
	ref := template.Must(template.ParseFiles("testdata/field_reference.html"))
	nasty := `a"b'c&d<e>f+g` + "\x00h é \uFDD0 \xff"
	choices := []option{{Label: "One " + nasty, Value: "1" + nasty}, {Label: "Two", Value: "2", Selected: true}}
	var cases []input
	for _, kind := range []string{"input", "textarea", "select", "radio", "checkbox", "hidden", "static", "separator"} {
		for _, on := range []bool{false, true} {
			in := input{Kind: kind, Type: "text", ID: "field-k", Key: "k", Label: "Label"}
			if on {
				in = input{Kind: kind, Type: "email", ID: "field-" + nasty, Key: "key" + nasty, Label: "Label " + nasty,
					Value: "value " + nasty, Placeholder: "ph " + nasty, Autocomplete: "email", InputMode: "numeric",
					NoCapitalize: true, Required: true, ReadOnly: true, Checked: true, Hidden: true, Autofocus: true,
					Help: "help " + nasty, Errors: []string{"err 1 " + nasty, "err 2"}, Choices: choices,
					Describe: "field-k-help field-k-error"}
			}
			cases = append(cases, in)
		}
	}
	// One flag at a time on a text input, so each condition is covered alone.
	for _, set := range []func(*input){
		func(i *input) { i.Value = "v" }, func(i *input) { i.Placeholder = "p" }, func(i *input) { i.Autocomplete = "name" },
		func(i *input) { i.InputMode = "numeric" }, func(i *input) { i.NoCapitalize = true }, func(i *input) { i.Required = true },
		func(i *input) { i.ReadOnly = true }, func(i *input) { i.Autofocus = true }, func(i *input) { i.Errors = []string{"e"} },
		func(i *input) { i.Describe = "d" }, func(i *input) { i.Help = "h" },
	} {
		for _, kind := range []string{"input", "textarea", "select", "radio", "checkbox"} {
			in := input{Kind: kind, Type: "text", ID: "field-x", Key: "x", Label: "X", Choices: choices}
			set(&in)
			cases = append(cases, in)
		}
	}
	for i, in := range cases {
		var want bytes.Buffer
		if err := ref.ExecuteTemplate(&want, "field", in); err != nil {
			t.Fatal(err)
		}
		if got := string(fieldsHTML([]input{in})); got != want.String() {
			t.Errorf("case %d (%s):\n got %q\nwant %q", i, in.Kind, got, want.String())
		}
	}
	if got, want := fieldsHTML(cases[:3]), fieldsHTML(cases[:1])+fieldsHTML(cases[1:2])+fieldsHTML(cases[2:3]); got != want {
		t.Errorf("several fields are not rendered one after another")
	}
}
