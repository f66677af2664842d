package resource

import "github.com/usher-id/usher/internal/store"

// UserFields are the identification stage's user_fields choices.
var UserFields = []string{"email", "username", "upn"}

// IdentificationStages is authentik's stages.identification.IdentificationStage.
var IdentificationStages = stageModel(stageSpec{
	kind: store.StageIdentification, model: store.ModelIdentificationStage,
	component: "ak-stage-identification-form", verbose: "Identification Stage", plural: "Identification Stages",
	fields: []string{"user_fields", "password_stage", "captcha_stage", "case_insensitive_matching",
		"show_matched_user", "enrollment_flow", "recovery_flow", "passwordless_flow", "sources",
		"show_source_labels", "pretend_user_exists", "enable_remember_me", "webauthn_stage"},
	read: func(in *input, s *store.Stage) {
		i := s.Identification
		// authentik's identification stage lost its "template" field long
		// ago, but its own flows-login-2fa.yaml still sets it and authentik
		// ignores it: accepted and ignored here too, so that file imports.
		in.readOnly("template")
		in.choices("user_fields", &i.UserFields, false, UserFields...)
		in.ref("password_stage", &i.PasswordStage, false, true, stageOfKind(in.c, store.StagePassword))
		in.boolean("case_insensitive_matching", &i.CaseInsensitiveMatching)
		in.boolean("show_matched_user", &i.ShowMatchedUser)
		in.ref("enrollment_flow", &i.EnrollmentFlow, false, true, exists(in.c, getFlow))
		in.ref("recovery_flow", &i.RecoveryFlow, false, true, exists(in.c, getFlow))
		in.ref("passwordless_flow", &i.PasswordlessFlow, false, true, exists(in.c, getFlow))
		in.boolean("show_source_labels", &i.ShowSourceLabels)
		in.boolean("pretend_user_exists", &i.PretendUserExists)
		in.boolean("enable_remember_me", &i.EnableRememberMe)
		// usher has no sources, captcha or WebAuthn stages: only empty values are accepted.
		var none []string
		in.refs("sources", &none, false, true, func(string) bool { return false })
		var stage *string
		in.ref("captcha_stage", &stage, false, true, func(string) bool { return false })
		in.ref("webauthn_stage", &stage, false, true, func(string) bool { return false })
	},
	validate: func(in *input, s *store.Stage) {
		if len(s.Identification.UserFields) == 0 {
			in.fail("non_field_errors", "When no user fields are selected, at least one source must be selected")
		}
	},
	render: func(c *Ctx, s store.Stage, m map[string]any) {
		i := s.Identification
		m["user_fields"] = nonNil(i.UserFields)
		m["password_stage"] = strPtr(i.PasswordStage)
		m["captcha_stage"] = nil
		m["case_insensitive_matching"] = i.CaseInsensitiveMatching
		m["show_matched_user"] = i.ShowMatchedUser
		m["enrollment_flow"] = strPtr(i.EnrollmentFlow)
		m["recovery_flow"] = strPtr(i.RecoveryFlow)
		m["passwordless_flow"] = strPtr(i.PasswordlessFlow)
		m["sources"] = []string{}
		m["show_source_labels"] = i.ShowSourceLabels
		m["pretend_user_exists"] = i.PretendUserExists
		m["enable_remember_me"] = i.EnableRememberMe
		m["webauthn_stage"] = nil
	},
})
