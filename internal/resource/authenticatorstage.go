package resource

import (
	"fmt"
	"math"

	"github.com/usher-id/usher/internal/store"
)

// Choices of the WebAuthn stage (authentik's stages/authenticator_webauthn/models.py).
var (
	UserVerifications        = []string{"required", "preferred", "discouraged"}
	AuthenticatorAttachments = []string{"platform", "cross-platform"}
	WebAuthnHints            = []string{"security-key", "client-device", "hybrid"}
	NotConfiguredActions     = []string{"skip", "deny", "configure"}
)

// AuthenticatorTOTPStages is authentik's stages.authenticator_totp.AuthenticatorTOTPStage.
var AuthenticatorTOTPStages = stageModel(stageSpec{
	kind: store.StageAuthenticatorTOTP, model: store.ModelAuthenticatorTOTPStage,
	component: "ak-stage-authenticator-totp-form", verbose: "TOTP Authenticator Setup Stage",
	plural: "TOTP Authenticator Setup Stages",
	fields: []string{"configure_flow", "friendly_name", "digits"},
	read: func(in *input, s *store.Stage) {
		t := s.AuthenticatorTOTP
		in.ref("configure_flow", &t.ConfigureFlow, false, true, exists(in.c, getFlow))
		in.str("friendly_name", &t.FriendlyName, strOpt{blank: true})
		// authentik's DigitsEnum is "6" or "8"; its blueprints write 6.
		var d string
		if raw, ok := in.present("digits", true); ok {
			if n, good := asInt(raw); good && (n == 6 || n == 8) {
				t.Digits = n
			} else {
				in.choice("digits", &d, true, "6", "8")
			}
		}
	},
	render: func(c *Ctx, s store.Stage, m map[string]any) {
		t := s.AuthenticatorTOTP
		m["configure_flow"] = strPtr(t.ConfigureFlow)
		m["friendly_name"] = t.FriendlyName
		m["digits"] = fmt.Sprint(t.Digits)
	},
})

// AuthenticatorStaticStages is authentik's stages.authenticator_static.AuthenticatorStaticStage.
var AuthenticatorStaticStages = stageModel(stageSpec{
	kind: store.StageAuthenticatorStatic, model: store.ModelAuthenticatorStaticStage,
	component: "ak-stage-authenticator-static-form", verbose: "Static Authenticator Setup Stage",
	plural: "Static Authenticator Setup Stages",
	fields: []string{"configure_flow", "friendly_name", "token_count", "token_length"},
	read: func(in *input, s *store.Stage) {
		t := s.AuthenticatorStatic
		in.ref("configure_flow", &t.ConfigureFlow, false, true, exists(in.c, getFlow))
		in.str("friendly_name", &t.FriendlyName, strOpt{blank: true})
		in.integer("token_count", &t.TokenCount, false, 0)
		if in.integer("token_length", &t.TokenLength, false, 0) && t.TokenLength > 100 {
			in.fail("token_length", "Ensure this value is less than or equal to 100.")
		}
	},
	validate: func(in *input, s *store.Stage) {
		// A device without codes, or codes of a few characters, would be a
		// second factor in name only.
		if t := s.AuthenticatorStatic; t.TokenCount < 1 {
			in.fail("token_count", "Ensure this value is greater than or equal to 1.")
		} else if t.TokenLength < 6 {
			in.fail("token_length", "Ensure this value is greater than or equal to 6.")
		}
	},
	render: func(c *Ctx, s store.Stage, m map[string]any) {
		t := s.AuthenticatorStatic
		m["configure_flow"] = strPtr(t.ConfigureFlow)
		m["friendly_name"] = t.FriendlyName
		m["token_count"] = t.TokenCount
		m["token_length"] = t.TokenLength
	},
})

// AuthenticatorWebAuthnStages is authentik's stages.authenticator_webauthn.AuthenticatorWebAuthnStage.
var AuthenticatorWebAuthnStages = stageModel(stageSpec{
	kind: store.StageAuthenticatorWebAuthn, model: store.ModelAuthenticatorWebAuthnStage,
	component: "ak-stage-authenticator-webauthn-form", verbose: "WebAuthn Authenticator Setup Stage",
	plural: "WebAuthn Authenticator Setup Stages",
	fields: []string{"configure_flow", "friendly_name", "user_verification", "authenticator_attachment",
		"resident_key_requirement", "hints", "device_type_restrictions", "device_type_restrictions_obj", "max_attempts"},
	read: func(in *input, s *store.Stage) {
		w := s.AuthenticatorWebAuthn
		in.readOnly("device_type_restrictions_obj")
		in.ref("configure_flow", &w.ConfigureFlow, false, true, exists(in.c, getFlow))
		in.str("friendly_name", &w.FriendlyName, strOpt{blank: true})
		in.choice("user_verification", &w.UserVerification, false, UserVerifications...)
		if raw, ok := in.get("authenticator_attachment"); ok {
			if raw == nil {
				w.AuthenticatorAttachment = nil
			} else {
				var a string
				if in.choice("authenticator_attachment", &a, false, AuthenticatorAttachments...) {
					w.AuthenticatorAttachment = &a
				}
			}
		}
		in.choice("resident_key_requirement", &w.ResidentKeyRequirement, false, UserVerifications...)
		in.choices("hints", &w.Hints, false, WebAuthnHints...)
		// usher ships no list of authenticator models (authentik's MDS
		// import): a restriction can name none yet.
		in.refs("device_type_restrictions", &w.DeviceTypeRestrictions, false, true, func(string) bool { return false })
		in.integer("max_attempts", &w.MaxAttempts, false, 0)
	},
	render: func(c *Ctx, s store.Stage, m map[string]any) {
		w := s.AuthenticatorWebAuthn
		m["configure_flow"] = strPtr(w.ConfigureFlow)
		m["friendly_name"] = w.FriendlyName
		m["user_verification"] = w.UserVerification
		m["authenticator_attachment"] = strPtr(w.AuthenticatorAttachment)
		m["resident_key_requirement"] = w.ResidentKeyRequirement
		m["hints"] = nonNil(w.Hints)
		m["device_type_restrictions"] = nonNil(w.DeviceTypeRestrictions)
		m["device_type_restrictions_obj"] = []any{}
		m["max_attempts"] = w.MaxAttempts
	},
})

// AuthenticatorEmailStages is authentik's stages.authenticator_email.AuthenticatorEmailStage.
var AuthenticatorEmailStages = stageModel(stageSpec{
	kind: store.StageAuthenticatorEmail, model: store.ModelAuthenticatorEmailStage,
	component: "ak-stage-authenticator-email-form", verbose: "Email Authenticator Setup Stage",
	plural: "Email Authenticator Setup Stages",
	fields: []string{"configure_flow", "friendly_name", "use_global_settings", "host", "port", "username",
		"password", "use_tls", "use_ssl", "timeout", "from_address", "subject", "token_expiry", "template"},
	read: func(in *input, s *store.Stage) {
		e := s.AuthenticatorEmail
		in.ref("configure_flow", &e.ConfigureFlow, false, true, exists(in.c, getFlow))
		in.str("friendly_name", &e.FriendlyName, strOpt{blank: true})
		in.boolean("use_global_settings", &e.UseGlobalSettings)
		in.str("host", &e.Host, strOpt{blank: true})
		in.integer("port", &e.Port, false, math.MinInt32)
		in.str("username", &e.Username, strOpt{blank: true})
		in.str("password", &e.Password, strOpt{blank: true})
		in.boolean("use_tls", &e.UseTLS)
		in.boolean("use_ssl", &e.UseSSL)
		in.integer("timeout", &e.Timeout, false, math.MinInt32)
		if raw, ok := in.get("from_address"); ok && raw != "" {
			in.email("from_address", &e.FromAddress)
		}
		in.str("subject", &e.Subject, strOpt{blank: true})
		in.duration("token_expiry", &e.TokenExpiry)
		in.str("template", &e.Template, strOpt{blank: true})
	},
	validate: func(in *input, s *store.Stage) {
		if e := s.AuthenticatorEmail; e.UseTLS && e.UseSSL {
			in.fail("non_field_errors", "TLS and SSL cannot be used at the same time.")
		}
	},
	render: func(c *Ctx, s store.Stage, m map[string]any) {
		e := s.AuthenticatorEmail
		m["configure_flow"] = strPtr(e.ConfigureFlow)
		m["friendly_name"] = e.FriendlyName
		m["use_global_settings"] = e.UseGlobalSettings
		m["host"] = e.Host
		m["port"] = e.Port
		m["username"] = e.Username
		// authentik's serializer returns the SMTP password; usher never
		// sends a stored secret back.
		m["password"] = ""
		m["use_tls"] = e.UseTLS
		m["use_ssl"] = e.UseSSL
		m["timeout"] = e.Timeout
		m["from_address"] = e.FromAddress
		m["subject"] = e.Subject
		m["token_expiry"] = e.TokenExpiry
		m["template"] = e.Template
	},
})

// AuthenticatorValidateStages is authentik's stages.authenticator_validate.AuthenticatorValidateStage.
var AuthenticatorValidateStages = stageModel(stageSpec{
	kind: store.StageAuthenticatorValidate, model: store.ModelAuthenticatorValidateStage,
	component: "ak-stage-authenticator-validate-form", verbose: "Authenticator Validation Stage",
	plural: "Authenticator Validation Stages",
	fields: []string{"not_configured_action", "device_classes", "configuration_stages", "last_auth_threshold",
		"webauthn_user_verification", "webauthn_hints", "webauthn_allowed_device_types",
		"webauthn_allowed_device_types_obj", "email_otp_throttling_factor", "sms_otp_throttling_factor",
		"totp_otp_throttling_factor", "static_otp_throttling_factor"},
	read: func(in *input, s *store.Stage) {
		v := s.AuthenticatorValidate
		in.readOnly("webauthn_allowed_device_types_obj")
		in.choice("not_configured_action", &v.NotConfiguredAction, false, NotConfiguredActions...)
		in.choices("device_classes", &v.DeviceClasses, false, store.DeviceClasses...)
		in.refs("configuration_stages", &v.ConfigurationStages, false, true, stageOfKind(in.c,
			store.StageAuthenticatorTOTP, store.StageAuthenticatorStatic, store.StageAuthenticatorWebAuthn,
			store.StageAuthenticatorEmail))
		in.duration("last_auth_threshold", &v.LastAuthThreshold)
		in.choice("webauthn_user_verification", &v.WebAuthnUserVerification, false, UserVerifications...)
		in.choices("webauthn_hints", &v.WebAuthnHints, false, WebAuthnHints...)
		in.refs("webauthn_allowed_device_types", &v.WebAuthnAllowedDeviceTypes, false, true, func(string) bool { return false })
		in.float("email_otp_throttling_factor", &v.EmailOTPThrottlingFactor)
		in.float("sms_otp_throttling_factor", &v.SMSOTPThrottlingFactor)
		in.float("totp_otp_throttling_factor", &v.TOTPOTPThrottlingFactor)
		in.float("static_otp_throttling_factor", &v.StaticOTPThrottlingFactor)
	},
	validate: func(in *input, s *store.Stage) {
		// authentik's AuthenticatorValidateStageSerializer.validate_not_configured_action.
		if v := s.AuthenticatorValidate; v.NotConfiguredAction == "configure" && len(v.ConfigurationStages) == 0 {
			in.fail("not_configured_action", `When "Not configured action" is set to "Configure", you must set a configuration stage.`)
		}
	},
	render: func(c *Ctx, s store.Stage, m map[string]any) {
		v := s.AuthenticatorValidate
		m["not_configured_action"] = v.NotConfiguredAction
		m["device_classes"] = nonNil(v.DeviceClasses)
		m["configuration_stages"] = nonNil(v.ConfigurationStages)
		m["last_auth_threshold"] = v.LastAuthThreshold
		m["webauthn_user_verification"] = v.WebAuthnUserVerification
		m["webauthn_hints"] = nonNil(v.WebAuthnHints)
		m["webauthn_allowed_device_types"] = nonNil(v.WebAuthnAllowedDeviceTypes)
		m["webauthn_allowed_device_types_obj"] = []any{}
		m["email_otp_throttling_factor"] = v.EmailOTPThrottlingFactor
		m["sms_otp_throttling_factor"] = v.SMSOTPThrottlingFactor
		m["totp_otp_throttling_factor"] = v.TOTPOTPThrottlingFactor
		m["static_otp_throttling_factor"] = v.StaticOTPThrottlingFactor
	},
})

// float reads a number (authentik's FloatField).
func (in *input) float(key string, dst *float64) bool {
	raw, ok := in.get(key)
	if !ok {
		return false
	}
	var f float64
	switch t := raw.(type) {
	case float64:
		f = t
	default:
		n, good := asInt(raw)
		if !good {
			in.fail(key, "A valid number is required.")
			return false
		}
		f = float64(n)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		in.fail(key, "A valid number is required.")
		return false
	}
	*dst = f
	return true
}
