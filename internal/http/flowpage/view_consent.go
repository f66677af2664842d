package flowpage

import "github.com/usher-id/usher/internal/flow"

// consentBlock is the consent stage's part of a page: who asks, and for
// what (authentik's web/src/flow/stages/consent/ConsentStage.ts).
type consentBlock struct {
	Header      string
	Application string
	Had, New    []flow.ConsentPermission
}

// buildConsent fills p for the consent challenge: the permissions asked
// for, with those consented to before apart, and a Continue button that
// sends the prompt's token back.
func buildConsent(p *page, c *flow.ConsentChallenge) {
	p.Form, p.Submit, p.PendingUser = true, "Continue", c.PendingUser
	app := c.Application
	if app == "" {
		app = "The application"
	}
	p.Consent = &consentBlock{Header: c.HeaderText, Application: app,
		Had: shown(c.Permissions), New: shown(c.AdditionalPermissions)}
	p.Fields = []input{{Kind: "hidden", Key: "token", Value: c.Token}}
}

// shown drops what authentik's page does not list: permissions without a
// description and the openid scope (signing in itself).
func shown(perms []flow.ConsentPermission) []flow.ConsentPermission {
	var out []flow.ConsentPermission
	for _, p := range perms {
		if p.Name == "" || p.ID == "openid" {
			continue
		}
		out = append(out, p)
	}
	return out
}
