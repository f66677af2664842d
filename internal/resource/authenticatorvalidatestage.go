package resource

import (
	"github.com/usher-id/usher/internal/store"
)

// NotConfiguredActions and UserVerifications are the validation stage's
// choices (authentik's stages/authenticator_validate/models.py).
var (
	NotConfiguredActions = []string{"skip", "deny", "configure"}
	UserVerifications    = []string{"required", "preferred", "discouraged"}
)

// AuthenticatorValidateStages is authentik's
// stages.authenticator_validate.AuthenticatorValidateStage. usher checks
// TOTP devices so far; the other device classes are accepted and stored so
// authentik's blueprints import, and a user can only pass with a device
// usher knows.
var AuthenticatorValidateStages = stageModel(stageSpec{
	kind: store.StageAuthenticatorValidate, model: store.ModelValidateStage,
	component: "ak-stage-authenticator-validate-form", verbose: "Authenticator Validation Stage",
	plural: "Authenticator Validation Stages",
	fields: []string{"not_configured_action", "device_classes", "configuration_stages", "last_auth_threshold",
		"webauthn_user_verification", "webauthn_hints", "webauthn_allowed_device_types",
		"webauthn_allowed_device_types_obj"},
	read: func(in *input, s *store.Stage) {
		v := s.Validate
		in.readOnly("webauthn_allowed_device_types_obj")
		in.choice("not_configured_action", &v.NotConfiguredAction, false, NotConfiguredActions...)
		in.choices("device_classes", &v.DeviceClasses, false, store.DeviceClasses...)
		in.refs("configuration_stages", &v.ConfigurationStages, false, true, stageOfKind(in.c))
		in.duration("last_auth_threshold", &v.LastAuthThreshold)
		in.choice("webauthn_user_verification", &v.WebAuthnUserVerify, false, UserVerifications...)
	},
	validate: func(in *input, s *store.Stage) {
		if s.Validate.NotConfiguredAction == "configure" && len(s.Validate.ConfigurationStages) == 0 {
			in.fail("not_configured_action", "When not_configured_action is configure, configuration_stages must be set.")
		}
	},
	render: func(c *Ctx, s store.Stage, m map[string]any) {
		v := s.Validate
		m["not_configured_action"] = v.NotConfiguredAction
		m["device_classes"] = nonNil(v.DeviceClasses)
		m["configuration_stages"] = nonNil(v.ConfigurationStages)
		m["last_auth_threshold"] = v.LastAuthThreshold
		m["webauthn_user_verification"] = v.WebAuthnUserVerify
		m["webauthn_hints"] = []string{}
		m["webauthn_allowed_device_types"] = []string{}
		m["webauthn_allowed_device_types_obj"] = []any{}
	},
})
