package resource

import (
	"fmt"
	"math"
	"strings"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/mail"
)

// EmailTemplateChoices are authentik's EmailTemplates (stages/email/models.py)
// that usher ships a template for, with authentik's labels. Custom
// templates in USHER_TEMPLATES_DIR/email/ are accepted too.
var EmailTemplateChoices = []struct{ Name, Label string }{
	{"email/password_reset.html", "Password Reset"},
	{"email/account_confirmation.html", "Account Confirmation"},
	{"email/invitation.html", "Invitation"},
}

// EmailTemplateOptions lists the template choices for the API's
// /stages/email/templates/ and the console: authentik's, then custom ones
// found in dir/email (authentik labels those "Custom Template: <path>").
func EmailTemplateOptions(dir string) [][2]string {
	out := [][2]string{}
	known := map[string]bool{}
	for _, c := range EmailTemplateChoices {
		out = append(out, [2]string{c.Name, c.Label})
		known[mail.TemplateName(c.Name)] = true
	}
	for _, n := range mail.TemplateNames(dir) {
		if !known[n] {
			out = append(out, [2]string{"email/" + n + ".html", "Custom Template: email/" + n + ".html"})
		}
	}
	return out
}

// EmailStages is authentik's stages.email.EmailStage. password is
// write-only, as in authentik's serializer: it is never rendered, and an
// update without it keeps the stored one.
var EmailStages = stageModel(stageSpec{
	kind: store.StageEmail, model: store.ModelEmailStage,
	component: "ak-stage-email-form", verbose: "Email Stage", plural: "Email Stages",
	fields: []string{"use_global_settings", "host", "port", "username", "password", "use_tls", "use_ssl", "timeout",
		"from_address", "token_expiry", "subject", "template", "activate_user_on_success", "recovery_max_attempts",
		"recovery_cache_timeout"},
	read: func(in *input, s *store.Stage) {
		e := s.Email
		in.boolean("use_global_settings", &e.UseGlobalSettings)
		in.str("host", &e.Host, strOpt{})
		in.integer("port", &e.Port, false, math.MinInt32)
		in.str("username", &e.Username, strOpt{blank: true})
		in.str("password", &e.Password, strOpt{blank: true})
		in.boolean("use_tls", &e.UseTLS)
		in.boolean("use_ssl", &e.UseSSL)
		in.integer("timeout", &e.Timeout, false, math.MinInt32)
		var from string
		if in.email("from_address", &from) {
			if strings.TrimSpace(from) == "" {
				in.fail("from_address", msgBlank)
			} else {
				e.FromAddress = from
			}
		}
		in.duration("token_expiry", &e.TokenExpiry)
		in.str("subject", &e.Subject, strOpt{})
		var tmpl string
		if in.str("template", &tmpl, strOpt{}) {
			if err := checkEmailTemplate(in.c, tmpl); err != "" {
				in.fail("template", err)
			} else {
				e.Template = tmpl
			}
		}
		in.boolean("activate_user_on_success", &e.ActivateUserOnSuccess)
		in.integer("recovery_max_attempts", &e.RecoveryMaxAttempts, false, 0)
		in.duration("recovery_cache_timeout", &e.RecoveryCacheTimeout)
	},
	validate: func(in *input, s *store.Stage) {
		e := s.Email
		if e.UseTLS && e.UseSSL {
			in.fail("use_ssl", "use_tls and use_ssl are mutually exclusive: STARTTLS (use_tls, usually port 587) or TLS from the start (use_ssl, usually port 465).")
		}
		if !e.UseGlobalSettings && (e.Port < 1 || e.Port > 65535) {
			in.fail("port", fmt.Sprintf("%d is not a port number (1-65535).", e.Port))
		}
	},
	render: func(c *Ctx, s store.Stage, m map[string]any) {
		e := s.Email
		m["use_global_settings"] = e.UseGlobalSettings
		m["host"] = e.Host
		m["port"] = e.Port
		m["username"] = e.Username
		m["use_tls"] = e.UseTLS
		m["use_ssl"] = e.UseSSL
		m["timeout"] = e.Timeout
		m["from_address"] = e.FromAddress
		m["token_expiry"] = e.TokenExpiry
		m["subject"] = e.Subject
		m["template"] = e.Template
		m["activate_user_on_success"] = e.ActivateUserOnSuccess
		m["recovery_max_attempts"] = e.RecoveryMaxAttempts
		m["recovery_cache_timeout"] = e.RecoveryCacheTimeout
	},
})

// checkEmailTemplate returns why tmpl cannot be sent, or "". authentik
// refuses a template that is not among its choices; usher's choices are
// the templates it can render (embedded, or in USHER_TEMPLATES_DIR/email/).
func checkEmailTemplate(c *Ctx, tmpl string) string {
	if _, err := mail.ResolveTemplate(c.TemplatesDir, tmpl); err != nil {
		names := []string{}
		for _, o := range EmailTemplateOptions(c.TemplatesDir) {
			names = append(names, o[0])
		}
		return fmt.Sprintf("%q is not a valid choice; use one of: %s.", tmpl, strings.Join(names, ", "))
	}
	return ""
}
