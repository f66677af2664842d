package flowpage

import (
	"html/template"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/flow"
)

// page is what the template renders.
type page struct {
	Title, BrandTitle, BrandLogo, CSS string
	Errors                            []string // non-field errors, shown on top
	Message                           string   // access denied, flow error
	RequestID                         string
	PendingUser                       string
	Form                              bool
	Action, CSRFField, CSRF           string
	Multipart                         bool
	Fields                            []input
	FieldsHTML                        template.HTML // Fields rendered (field_html.go)
	Submit                            string
	Links                             []link
	// Authenticator stages (view_authenticator.go).
	Intro    string
	QRCode   template.URL // a data: URI made by the server, never user input
	Secret   string
	Codes    []string
	WebAuthn *webauthnBlock
	Script   string
	Consent  *consentBlock // view_consent.go
}

type link struct{ URL, Label string }

// input is one form control.
type input struct {
	Kind         string // input, textarea, select, radio, checkbox, hidden, static, separator
	Type         string // the <input type>
	ID, Key      string
	Label        string
	Value        string
	Placeholder  string
	Autocomplete string
	InputMode    string
	NoCapitalize bool
	Required     bool
	ReadOnly     bool
	Checked      bool
	Hidden       bool // checkbox: also send "false" when unchecked
	Autofocus    bool
	Help         string
	Errors       []string
	Choices      []option
	Describe     string // aria-describedby
}

type option struct {
	Label, Value string
	Selected     bool
}

// fieldErrors splits response_errors into top messages and per field ones.
func fieldErrors(c flow.Challenge) ([]string, map[string][]string) {
	top := []string{}
	per := map[string][]string{}
	for k, list := range flow.ErrorsOf(c) {
		for _, e := range list {
			if k == flow.NonField {
				top = append(top, e.String)
			} else {
				per[k] = append(per[k], e.String)
			}
		}
	}
	return top, per
}

// build fills p's form from a challenge. Unknown keys in errors (a field
// the form does not show) go to the top.
func build(p *page, c flow.Challenge) {
	top, per := fieldErrors(c)
	switch c := c.(type) {
	case *flow.PromptChallenge:
		buildPrompt(p, c, per)
		p.Submit = "Continue"
	case *flow.IdentificationChallenge:
		buildIdentification(p, c, per)
	case *flow.PasswordChallenge:
		p.Form, p.Submit = true, "Continue"
		p.PendingUser = c.PendingUser
		p.Fields = []input{
			{Kind: "input", Type: "text", Key: "username", ID: "field-username", Label: "Username", Value: p.PendingUser,
				Autocomplete: "username", ReadOnly: true, NoCapitalize: true},
			{Kind: "input", Type: "password", Key: "password", ID: "field-password", Label: "Password",
				Autocomplete: "current-password", Required: true, Errors: per["password"]},
		}
		// The read-only username helps password managers; it is not sent
		// to any stage that reads it.
		delete(per, "password")
	case *flow.EmailChallenge:
		p.Form = true
		if c.Restored {
			p.Submit = "Continue"
			p.Fields = []input{{Kind: "static", ID: "email-help",
				Value: "You opened the link from your email. Continue to finish."}}
		} else {
			p.Submit = "Send the email again"
			p.Fields = []input{{Kind: "static", ID: "email-help",
				Value: "Check your email. If the address belongs to an account, a message with a link is on its way; open the link to continue. It may take a few minutes to arrive."}}
		}
	case *flow.UserLoginChallenge:
		p.Form, p.Submit = true, "Continue"
		p.PendingUser = c.PendingUser
		p.Fields = []input{{Kind: "checkbox", Key: "remember_me", ID: "field-remember_me", Label: "Stay signed in on this device",
			Hidden: true, Errors: per["remember_me"]}}
		delete(per, "remember_me")
	case *flow.ConsentChallenge:
		buildConsent(p, c)
		// The token field is hidden: its error goes on top.
		top = append(top, per["token"]...)
		delete(per, "token")
	default:
		if !buildAuthenticator(p, c, per) {
			p.Message = "This step cannot be shown on this page. Please use a current browser or contact your administrator."
		}
	}
	for k, msgs := range per {
		if !hasField(p.Fields, k) {
			top = append(top, msgs...)
		}
	}
	p.Errors = top
	focus(p)
}

func hasField(fs []input, key string) bool {
	for _, f := range fs {
		if f.Key == key {
			return true
		}
	}
	return false
}

// focus puts autofocus on the first field with an error, else the first
// field a person can type in.
func focus(p *page) {
	candidate := -1
	for i, f := range p.Fields {
		if f.Kind == "hidden" || f.Kind == "static" || f.Kind == "separator" || f.ReadOnly {
			continue
		}
		if len(f.Errors) > 0 {
			candidate = i
			break
		}
		if candidate < 0 {
			candidate = i
		}
	}
	if candidate >= 0 {
		p.Fields[candidate].Autofocus = true
	}
	for i := range p.Fields {
		f := &p.Fields[i]
		var ids []string
		if f.Help != "" {
			ids = append(ids, f.ID+"-help")
		}
		if len(f.Errors) > 0 {
			ids = append(ids, f.ID+"-error")
		}
		f.Describe = strings.Join(ids, " ")
	}
}

func buildIdentification(p *page, c *flow.IdentificationChallenge, per map[string][]string) {
	p.Form, p.Submit = true, "Continue"
	if c.PrimaryAction != "" {
		p.Submit = c.PrimaryAction
	}
	label := "Username"
	typ, ac := "text", "username"
	if fs := c.UserFields; len(fs) > 0 {
		names := map[string]string{"email": "Email", "username": "Username", "upn": "UPN"}
		var parts []string
		for _, f := range fs {
			if n, ok := names[f]; ok {
				parts = append(parts, n)
			}
		}
		if len(parts) > 0 {
			label = strings.Join(parts, " or ")
		}
		if len(fs) == 1 && fs[0] == "email" {
			typ, ac = "email", "email"
		}
	}
	p.Fields = append(p.Fields, input{Kind: "input", Type: typ, Key: "uid_field", ID: "field-uid_field", Label: label,
		Autocomplete: ac, NoCapitalize: true, Required: true, Errors: per["uid_field"]})
	delete(per, "uid_field")
	if c.PasswordFields {
		p.Fields = append(p.Fields, input{Kind: "input", Type: "password", Key: "password", ID: "field-password",
			Label: "Password", Autocomplete: "current-password", Required: true, Errors: per["password"]})
		delete(per, "password")
	}
	for _, l := range []struct{ url, label string }{{c.PasswordlessURL, "Sign in with a passkey"},
		{c.EnrollURL, "Need an account? Sign up."}, {c.RecoveryURL, "Forgot username or password?"}} {
		if l.url != "" {
			p.Links = append(p.Links, link{URL: l.url, Label: l.label})
		}
	}
}

func buildPrompt(p *page, c *flow.PromptChallenge, per map[string][]string) {
	p.Form = true
	for _, f := range c.Fields {
		key, typ := f.FieldKey, f.Type
		in := input{Key: key, ID: "field-" + key, Errors: per[key], Label: f.Label, Placeholder: f.Placeholder,
			Value: f.InitialValue, Required: f.Required, Help: f.SubText}
		if v, ok := c.Values[key]; ok {
			in.Value = v
		}
		delete(per, key)
		in.Kind, in.Type = "input", "text"
		switch typ {
		case "text":
			in.Autocomplete = autocompleteFor(key)
		case "text_area":
			in.Kind = "textarea"
		case "text_read_only":
			in.ReadOnly = true
		case "text_area_read_only":
			in.Kind, in.ReadOnly = "textarea", true
		case "username":
			in.Autocomplete, in.NoCapitalize = "username", true
		case "email":
			in.Type, in.Autocomplete, in.NoCapitalize = "email", "email", true
		case "password":
			in.Type, in.Autocomplete, in.Value = "password", "new-password", ""
		case "number":
			in.Type, in.InputMode = "number", "numeric"
		case "checkbox":
			in.Kind, in.Hidden = "checkbox", true
			in.Checked = in.Value == "true" || in.Value == "True" || in.Value == "on"
		case "radio-button-group", "dropdown":
			in.Kind = "select"
			if typ == "radio-button-group" {
				in.Kind = "radio"
			}
			in.Choices = choicesOf(f.Choices, in.Value)
		case "date":
			in.Type = "date"
		case "date-time":
			in.Type = "datetime-local"
			if t, err := time.Parse(time.RFC3339, in.Value); err == nil {
				in.Value = t.UTC().Format("2006-01-02T15:04")
			}
		case "file":
			in.Type, in.Value = "file", ""
			p.Multipart = true
		case "separator":
			in.Kind = "separator"
		case "hidden":
			in.Kind = "hidden"
		case "static":
			in.Kind = "static"
			if in.Value == "" {
				in.Value = in.Placeholder
			}
		case "ak-locale":
			in.Autocomplete = "language"
		}
		if c.Locked[key] {
			in.ReadOnly = true
			in.Help = strings.TrimSpace(in.Help + " This address comes from your invitation and cannot be changed.")
		}
		p.Fields = append(p.Fields, in)
	}
}

// choicesOf reads the challenge's choices.
func choicesOf(cs []flow.PromptChoice, selected string) []option {
	out := make([]option, 0, len(cs))
	for _, c := range cs {
		out = append(out, option{Label: c.Label, Value: c.Value, Selected: c.Value == selected})
	}
	return out
}

func autocompleteFor(key string) string {
	switch key {
	case "name":
		return "name"
	case "email":
		return "email"
	case "username":
		return "username"
	}
	return ""
}
