package flowpage

import (
	"encoding/json"
	"html/template"
	"strings"

	"github.com/usher-id/usher/internal/flow"
)

// webauthnBlock is the passkey part of a page: a form the self-hosted
// script (static/webauthn.js, the one script of the flow pages) fills with
// the browser's answer and submits.
type webauthnBlock struct {
	Mode    string // "create" (setup) or "get" (sign-in)
	Field   string // the answer's key: "response" or "webauthn"
	Options string // the options JSON, for navigator.credentials
	Button  string
}

// buildAuthenticator fills p for the authenticator stages' challenges;
// false for any other challenge.
func buildAuthenticator(p *page, c flow.Challenge, per map[string][]string) bool {
	switch c := c.(type) {
	case *flow.AuthenticatorTOTPChallenge:
		p.Form, p.Submit, p.PendingUser = true, "Continue", c.PendingUser
		p.Intro = "Scan this QR code with your authenticator app, then enter the code it shows."
		p.QRCode = template.URL(c.QRCode) // made by mfa.QRDataURI, never from input
		p.Secret = c.Secret
		p.Fields = []input{codeInput(per)}
		delete(per, "code")
	case *flow.AuthenticatorStaticChallenge:
		p.Form, p.Submit, p.PendingUser = true, "I have saved these codes", c.PendingUser
		p.Intro = "These are your recovery codes. Each works once, when you cannot use your other second factor. Keep them somewhere safe: they are not shown again."
		p.Codes = c.Codes
	case *flow.AuthenticatorWebAuthnChallenge:
		p.PendingUser = c.PendingUser
		p.Intro = "Register a passkey or security key: your browser will ask you to confirm with your device."
		p.WebAuthn = &webauthnBlock{Mode: "create", Field: "response", Options: jsonText(c.Registration),
			Button: "Register passkey or security key"}
		p.Script = ScriptPath + "?v=" + scriptHash
	case *flow.AuthenticatorEmailChallenge:
		p.Form, p.Submit, p.PendingUser = true, "Continue", c.PendingUser
		if c.EmailRequired {
			p.Intro = "Enter the email address sign-in codes should be sent to."
			p.Fields = []input{{Kind: "input", Type: "email", Key: "email", ID: "field-email", Label: "Email",
				Autocomplete: "email", NoCapitalize: true, Required: true, Errors: per["email"]}}
			delete(per, "email")
		} else {
			if c.Email != nil {
				p.Intro = "We sent a code to " + *c.Email + ". Enter it here."
			}
			p.Fields = []input{codeInput(per)}
			delete(per, "code")
		}
	case *flow.AuthenticatorValidationChallenge:
		buildValidation(p, c, per)
	default:
		return false
	}
	// Answers that went wrong in the script land with its form.
	if p.WebAuthn != nil {
		for _, k := range []string{"response", "webauthn"} {
			if msgs, ok := per[k]; ok {
				p.Errors = append(p.Errors, msgs...)
				delete(per, k)
			}
		}
	}
	return true
}

func codeInput(per map[string][]string) input {
	return input{Kind: "input", Type: "text", Key: "code", ID: "field-code", Label: "Code", Autocomplete: "one-time-code",
		InputMode: "numeric", NoCapitalize: true, Required: true, Errors: per["code"]}
}

func buildValidation(p *page, c *flow.AuthenticatorValidationChallenge, per map[string][]string) {
	p.PendingUser = c.PendingUser
	if len(c.ConfigurationStages) > 0 {
		p.Form, p.Submit = true, "Continue"
		p.Intro = "Your account needs a second factor. Choose one to set up."
		in := input{Kind: "radio", Key: "selected_stage", ID: "field-selected_stage", Label: "Second factor",
			Required: true, Errors: per["selected_stage"]}
		for i, s := range c.ConfigurationStages {
			in.Choices = append(in.Choices, option{Label: s.VerboseName + " (" + s.Name + ")", Value: s.PK, Selected: i == 0})
		}
		p.Fields = []input{in}
		delete(per, "selected_stage")
		return
	}
	var code []string
	for _, d := range c.DeviceChallenges {
		switch d.DeviceClass {
		case "totp":
			code = append(code, "the code from your authenticator app")
		case "static":
			code = append(code, "a recovery code")
		case "email":
			code = append(code, "the code sent to you by email")
		case "webauthn":
			p.WebAuthn = &webauthnBlock{Mode: "get", Field: "webauthn", Options: jsonText(d.Challenge),
				Button: "Use a passkey or security key"}
			p.Script = ScriptPath + "?v=" + scriptHash
		}
	}
	if len(code) > 0 {
		p.Form, p.Submit = true, "Continue"
		p.Intro = "Enter " + strings.Join(code, " or ") + "."
		p.Fields = []input{codeInput(per)}
		delete(per, "code")
	}
}

// jsonText is v as JSON text for a data- attribute (html/template escapes
// it there).
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}
