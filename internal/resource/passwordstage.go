package resource

import (
	"math"

	"github.com/usher-id/usher/internal/store"
)

// PasswordBackends are the password stage's backend choices.
var PasswordBackends = []string{"authentik.core.auth.InbuiltBackend", "authentik.core.auth.TokenBackend",
	"authentik.sources.ldap.auth.LDAPBackend", "authentik.sources.kerberos.auth.KerberosBackend"}

// PasswordStages is authentik's stages.password.PasswordStage.
var PasswordStages = stageModel(stageSpec{
	kind: store.StagePassword, model: store.ModelPasswordStage,
	component: "ak-stage-password-form", verbose: "Password Stage", plural: "Password Stages",
	fields: []string{"backends", "configure_flow", "failed_attempts_before_cancel", "allow_show_password"},
	read: func(in *input, s *store.Stage) {
		p := s.Password
		in.choices("backends", &p.Backends, true, PasswordBackends...)
		in.ref("configure_flow", &p.ConfigureFlow, false, true, exists(in.c, getFlow))
		in.integer("failed_attempts_before_cancel", &p.FailedAttemptsBeforeCancel, false, math.MinInt32)
		in.boolean("allow_show_password", &p.AllowShowPassword)
	},
	render: func(c *Ctx, s store.Stage, m map[string]any) {
		p := s.Password
		m["backends"] = nonNil(p.Backends)
		m["configure_flow"] = strPtr(p.ConfigureFlow)
		m["failed_attempts_before_cancel"] = p.FailedAttemptsBeforeCancel
		m["allow_show_password"] = p.AllowShowPassword
	},
})
