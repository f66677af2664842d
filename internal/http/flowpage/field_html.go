package flowpage

import (
	"html/template"
	"strings"
)

// fieldsHTML renders the form controls, escaping every value the way
// html/template does. It is the one field renderer: written in Go it takes
// about 2 µs for an enrollment form where the same markup as a template
// block took about 94 µs, 40% of a whole flow start (see
// BenchmarkFieldsHTML and BenchmarkFlowStart); field_html_test.go checks
// the escaping and the markup of every kind of control.
func fieldsHTML(fields []input) template.HTML {
	var b strings.Builder
	b.Grow(512 * len(fields))
	for i := range fields {
		writeField(&b, &fields[i])
	}
	return template.HTML(b.String())
}

func writeField(b *strings.Builder, f *input) {
	switch f.Kind {
	case "hidden":
		b.WriteString(`<input type="hidden" name="`)
		esc(b, f.Key)
		b.WriteString(`" value="`)
		esc(b, f.Value)
		b.WriteString("\">\n")
		return
	case "separator":
		b.WriteString(`<p class="separator">`)
		esc(b, f.Label)
		b.WriteString("</p>\n")
		return
	case "qr":
		// Value is base64 (letters, digits, + / =), escaped all the same.
		b.WriteString(`<p class="qr"><img id="`)
		esc(b, f.ID)
		b.WriteString(`" width="200" height="200" alt="`)
		esc(b, f.Label)
		b.WriteString(`" src="data:image/png;base64,`)
		esc(b, f.Value)
		b.WriteString(`"></p>`)
		b.WriteString("\n")
		return
	case "static":
		b.WriteString(`<p class="static" id="`)
		esc(b, f.ID)
		b.WriteString(`">`)
		esc(b, f.Value)
		b.WriteString("</p>\n")
		return
	}
	b.WriteString(`<div class="field`)
	if len(f.Errors) > 0 {
		b.WriteString(" has-error")
	}
	b.WriteString("\">\n")
	switch f.Kind {
	case "checkbox":
		b.WriteString(`<div class="check"><input type="checkbox" id="`)
		esc(b, f.ID)
		b.WriteString(`" name="`)
		esc(b, f.Key)
		b.WriteString(`" value="true"`)
		flag(b, f.Checked, " checked")
		flag(b, f.Autofocus, " autofocus")
		describe(b, f)
		b.WriteString(">")
		if f.Hidden {
			b.WriteString(`<input type="hidden" name="`)
			esc(b, f.Key)
			b.WriteString(`" value="false">`)
		}
		b.WriteString(`<label for="`)
		esc(b, f.ID)
		b.WriteString(`">`)
		esc(b, f.Label)
		b.WriteString("</label></div>\n")
	case "radio":
		b.WriteString("<fieldset")
		describe(b, f)
		b.WriteString("><legend>")
		esc(b, f.Label)
		b.WriteString("</legend>\n")
		for i, c := range f.Choices {
			b.WriteString(`<label><input type="radio" name="`)
			esc(b, f.Key)
			b.WriteString(`" value="`)
			esc(b, c.Value)
			b.WriteString(`"`)
			flag(b, c.Selected, " checked")
			flag(b, f.Autofocus && i == 0, " autofocus")
			flag(b, f.Required, " required")
			b.WriteString("> ")
			esc(b, c.Label)
			b.WriteString("</label>\n")
		}
		b.WriteString("</fieldset>\n")
	default:
		b.WriteString(`<label for="`)
		esc(b, f.ID)
		b.WriteString(`">`)
		esc(b, f.Label)
		b.WriteString("</label>\n")
		switch f.Kind {
		case "textarea":
			b.WriteString(`<textarea id="`)
			esc(b, f.ID)
			b.WriteString(`" name="`)
			esc(b, f.Key)
			b.WriteString(`"`)
			attr(b, " placeholder", f.Placeholder)
			flag(b, f.Required, " required")
			flag(b, f.ReadOnly, " readonly")
			flag(b, f.Autofocus, " autofocus")
			flag(b, len(f.Errors) > 0, ` aria-invalid="true"`)
			describe(b, f)
			b.WriteString(">")
			esc(b, f.Value)
			b.WriteString("</textarea>\n")
		case "select":
			b.WriteString(`<select id="`)
			esc(b, f.ID)
			b.WriteString(`" name="`)
			esc(b, f.Key)
			b.WriteString(`"`)
			flag(b, f.Required, " required")
			flag(b, f.Autofocus, " autofocus")
			flag(b, len(f.Errors) > 0, ` aria-invalid="true"`)
			describe(b, f)
			b.WriteString(">\n")
			for _, c := range f.Choices {
				b.WriteString(`<option value="`)
				esc(b, c.Value)
				b.WriteString(`"`)
				flag(b, c.Selected, " selected")
				b.WriteString(">")
				esc(b, c.Label)
				b.WriteString("</option>\n")
			}
			b.WriteString("</select>\n")
		default:
			b.WriteString(`<input type="`)
			esc(b, f.Type)
			b.WriteString(`" id="`)
			esc(b, f.ID)
			b.WriteString(`" name="`)
			esc(b, f.Key)
			b.WriteString(`"`)
			attr(b, " value", f.Value)
			attr(b, " placeholder", f.Placeholder)
			attr(b, " autocomplete", f.Autocomplete)
			attr(b, " inputmode", f.InputMode)
			flag(b, f.NoCapitalize, ` autocapitalize="none" spellcheck="false"`)
			flag(b, f.Required, " required")
			flag(b, f.ReadOnly, " readonly")
			flag(b, f.Autofocus, " autofocus")
			flag(b, len(f.Errors) > 0, ` aria-invalid="true"`)
			describe(b, f)
			b.WriteString(">\n")
		}
	}
	if f.Help != "" {
		b.WriteString(`<p class="help" id="`)
		esc(b, f.ID)
		b.WriteString(`-help">`)
		esc(b, f.Help)
		b.WriteString("</p>\n")
	}
	if len(f.Errors) > 0 {
		b.WriteString(`<div class="field-error" id="`)
		esc(b, f.ID)
		b.WriteString(`-error">`)
		for _, e := range f.Errors {
			b.WriteString("<p>")
			esc(b, e)
			b.WriteString("</p>")
		}
		b.WriteString("</div>\n")
	}
	b.WriteString("</div>\n")
}

func flag(b *strings.Builder, on bool, s string) {
	if on {
		b.WriteString(s)
	}
}

// attr writes ` name="value"` when value is not empty.
func attr(b *strings.Builder, name, value string) {
	if value != "" {
		b.WriteString(name)
		b.WriteString(`="`)
		esc(b, value)
		b.WriteString(`"`)
	}
}

func describe(b *strings.Builder, f *input) { attr(b, " aria-describedby", f.Describe) }

// esc escapes s as html/template does for text and quoted attribute values
// (its htmlReplacementTable: NUL, ", &, ', +, <, >).
func esc(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var r string
		switch s[i] {
		case 0:
			r = "\uFFFD"
		case '"':
			r = "&#34;"
		case '&':
			r = "&amp;"
		case '\'':
			r = "&#39;"
		case '+':
			r = "&#43;"
		case '<':
			r = "&lt;"
		case '>':
			r = "&gt;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(r)
		last = i + 1
	}
	b.WriteString(s[last:])
}
