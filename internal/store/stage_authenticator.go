package store

import "slices"

// AuthenticatorStages holds the settings of the authenticator stage kinds;
// a Stage embeds it, and exactly the pointer matching its Kind is set.
type AuthenticatorStages struct {
	AuthenticatorTOTP     *AuthenticatorTOTPStageSettings
	AuthenticatorStatic   *AuthenticatorStaticStageSettings
	AuthenticatorWebAuthn *AuthenticatorWebAuthnStageSettings
	AuthenticatorEmail    *AuthenticatorEmailStageSettings
	AuthenticatorValidate *AuthenticatorValidateStageSettings
}

// AuthenticatorTOTPStageSettings: authentik_stages_authenticator_totp.authenticatortotpstage.
type AuthenticatorTOTPStageSettings struct {
	ConfigureFlow *string `json:"configure_flow"` // flow UUID; nulled on delete
	FriendlyName  string  `json:"friendly_name"`
	Digits        int     `json:"digits"` // 6 or 8
}

// AuthenticatorStaticStageSettings: authentik_stages_authenticator_static.authenticatorstaticstage.
type AuthenticatorStaticStageSettings struct {
	ConfigureFlow *string `json:"configure_flow"`
	FriendlyName  string  `json:"friendly_name"`
	TokenCount    int     `json:"token_count"`  // default 6
	TokenLength   int     `json:"token_length"` // default 12
}

// AuthenticatorWebAuthnStageSettings: authentik_stages_authenticator_webauthn.authenticatorwebauthnstage.
type AuthenticatorWebAuthnStageSettings struct {
	ConfigureFlow           *string  `json:"configure_flow"`
	FriendlyName            string   `json:"friendly_name"`
	UserVerification        string   `json:"user_verification"`        // required, preferred (default), discouraged
	AuthenticatorAttachment *string  `json:"authenticator_attachment"` // platform, cross-platform, or null
	ResidentKeyRequirement  string   `json:"resident_key_requirement"` // required, preferred (default), discouraged
	Hints                   []string `json:"hints"`
	DeviceTypeRestrictions  []string `json:"device_type_restrictions"` // AAGUIDs
	MaxAttempts             int      `json:"max_attempts"`
}

// AuthenticatorEmailStageSettings: authentik_stages_authenticator_email.authenticatoremailstage.
type AuthenticatorEmailStageSettings struct {
	ConfigureFlow     *string `json:"configure_flow"`
	FriendlyName      string  `json:"friendly_name"`
	UseGlobalSettings bool    `json:"use_global_settings"`
	Host              string  `json:"host"`
	Port              int     `json:"port"`
	Username          string  `json:"username"`
	Password          string  `json:"password"`
	UseTLS            bool    `json:"use_tls"`
	UseSSL            bool    `json:"use_ssl"`
	Timeout           int     `json:"timeout"`
	FromAddress       string  `json:"from_address"`
	Subject           string  `json:"subject"`
	TokenExpiry       string  `json:"token_expiry"` // default "minutes=30"
	Template          string  `json:"template"`
}

// AuthenticatorValidateStageSettings: authentik_stages_authenticator_validate.authenticatorvalidatestage.
type AuthenticatorValidateStageSettings struct {
	NotConfiguredAction        string   `json:"not_configured_action"` // skip (default), deny, configure
	DeviceClasses              []string `json:"device_classes"`
	ConfigurationStages        []string `json:"configuration_stages"` // stage UUIDs; removed on delete
	LastAuthThreshold          string   `json:"last_auth_threshold"`  // default "seconds=0"
	WebAuthnUserVerification   string   `json:"webauthn_user_verification"`
	WebAuthnHints              []string `json:"webauthn_hints"`
	WebAuthnAllowedDeviceTypes []string `json:"webauthn_allowed_device_types"`
	EmailOTPThrottlingFactor   float64  `json:"email_otp_throttling_factor"`
	SMSOTPThrottlingFactor     float64  `json:"sms_otp_throttling_factor"`
	TOTPOTPThrottlingFactor    float64  `json:"totp_otp_throttling_factor"`
	StaticOTPThrottlingFactor  float64  `json:"static_otp_throttling_factor"`
}

// DeviceClasses are the validation stage's device_classes choices
// (authentik's DeviceClasses), in authentik's order.
var DeviceClasses = []string{"static", "totp", "webauthn", "duo", "sms", "email"}

// newAuthenticator sets the defaults of an authenticator stage kind (as
// authentik's models declare them); false for any other kind.
func (s *Stage) newAuthenticator(kind StageKind) bool {
	switch kind {
	case StageAuthenticatorTOTP:
		s.AuthenticatorTOTP = &AuthenticatorTOTPStageSettings{Digits: 6}
	case StageAuthenticatorStatic:
		s.AuthenticatorStatic = &AuthenticatorStaticStageSettings{TokenCount: 6, TokenLength: 12}
	case StageAuthenticatorWebAuthn:
		s.AuthenticatorWebAuthn = &AuthenticatorWebAuthnStageSettings{UserVerification: "preferred",
			ResidentKeyRequirement: "preferred", Hints: []string{}, DeviceTypeRestrictions: []string{}}
	case StageAuthenticatorEmail:
		s.AuthenticatorEmail = &AuthenticatorEmailStageSettings{Host: "localhost", Port: 25, Timeout: 10,
			FromAddress: "system@authentik.local", Subject: "authentik Sign-in code", TokenExpiry: "minutes=30",
			Template: "email/email_otp.html"}
	case StageAuthenticatorValidate:
		s.AuthenticatorValidate = &AuthenticatorValidateStageSettings{NotConfiguredAction: "skip",
			DeviceClasses: append([]string(nil), DeviceClasses...), ConfigurationStages: []string{},
			LastAuthThreshold: "seconds=0", WebAuthnUserVerification: "preferred", WebAuthnHints: []string{},
			WebAuthnAllowedDeviceTypes: []string{}, EmailOTPThrottlingFactor: 1, SMSOTPThrottlingFactor: 1,
			TOTPOTPThrottlingFactor: 1, StaticOTPThrottlingFactor: 1}
	default:
		return false
	}
	return true
}

// authenticatorSettings returns the settings pointer matching s.Kind for
// the authenticator kinds, or nil.
func (s *Stage) authenticatorSettings() any {
	switch s.Kind {
	case StageAuthenticatorTOTP:
		if s.AuthenticatorTOTP != nil {
			return s.AuthenticatorTOTP
		}
	case StageAuthenticatorStatic:
		if s.AuthenticatorStatic != nil {
			return s.AuthenticatorStatic
		}
	case StageAuthenticatorWebAuthn:
		if s.AuthenticatorWebAuthn != nil {
			return s.AuthenticatorWebAuthn
		}
	case StageAuthenticatorEmail:
		if s.AuthenticatorEmail != nil {
			return s.AuthenticatorEmail
		}
	case StageAuthenticatorValidate:
		if s.AuthenticatorValidate != nil {
			return s.AuthenticatorValidate
		}
	}
	return nil
}

// ConfigureFlow is the configure_flow of an authenticator setup stage
// (nil for other kinds or when unset).
func (s *Stage) ConfigureFlow() *string {
	switch {
	case s.AuthenticatorTOTP != nil:
		return s.AuthenticatorTOTP.ConfigureFlow
	case s.AuthenticatorStatic != nil:
		return s.AuthenticatorStatic.ConfigureFlow
	case s.AuthenticatorWebAuthn != nil:
		return s.AuthenticatorWebAuthn.ConfigureFlow
	case s.AuthenticatorEmail != nil:
		return s.AuthenticatorEmail.ConfigureFlow
	}
	return nil
}

// clone deep-copies the authenticator settings (see Stage.Clone).
func (a AuthenticatorStages) clone() AuthenticatorStages {
	if a.AuthenticatorTOTP != nil {
		v := *a.AuthenticatorTOTP
		v.ConfigureFlow = clonePtr(v.ConfigureFlow)
		a.AuthenticatorTOTP = &v
	}
	if a.AuthenticatorStatic != nil {
		v := *a.AuthenticatorStatic
		v.ConfigureFlow = clonePtr(v.ConfigureFlow)
		a.AuthenticatorStatic = &v
	}
	if a.AuthenticatorWebAuthn != nil {
		v := *a.AuthenticatorWebAuthn
		v.ConfigureFlow, v.AuthenticatorAttachment = clonePtr(v.ConfigureFlow), clonePtr(v.AuthenticatorAttachment)
		v.Hints, v.DeviceTypeRestrictions = slices.Clone(v.Hints), slices.Clone(v.DeviceTypeRestrictions)
		a.AuthenticatorWebAuthn = &v
	}
	if a.AuthenticatorEmail != nil {
		v := *a.AuthenticatorEmail
		v.ConfigureFlow = clonePtr(v.ConfigureFlow)
		a.AuthenticatorEmail = &v
	}
	if a.AuthenticatorValidate != nil {
		v := *a.AuthenticatorValidate
		v.DeviceClasses, v.ConfigurationStages = slices.Clone(v.DeviceClasses), slices.Clone(v.ConfigurationStages)
		v.WebAuthnHints, v.WebAuthnAllowedDeviceTypes = slices.Clone(v.WebAuthnHints), slices.Clone(v.WebAuthnAllowedDeviceTypes)
		a.AuthenticatorValidate = &v
	}
	return a
}
