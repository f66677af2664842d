package store

import (
	"encoding/json"
	"fmt"
)

// StageKind names a stage type. Stage names are unique across all kinds.
type StageKind string

const (
	StageInvitation     StageKind = "invitation"
	StagePrompt         StageKind = "prompt"
	StageUserWrite      StageKind = "user_write"
	StageUserLogin      StageKind = "user_login"
	StageIdentification StageKind = "identification"
	StagePassword       StageKind = "password"
	StageUserLogout     StageKind = "user_logout"
	StageDeny           StageKind = "deny"
	// Authenticator stages (stage_authenticator.go).
	StageAuthenticatorTOTP     StageKind = "authenticator_totp"
	StageAuthenticatorStatic   StageKind = "authenticator_static"
	StageAuthenticatorWebAuthn StageKind = "authenticator_webauthn"
	StageAuthenticatorEmail    StageKind = "authenticator_email"
	StageAuthenticatorValidate StageKind = "authenticator_validate"
	// StageEmail mails a link that resumes the flow (verification, recovery).
	StageEmail StageKind = "email"
	// StageConsent asks the user to let an application access their data.
	StageConsent StageKind = "consent"
)

// StageKinds lists every kind usher implements, in the order the admin
// console offers them.
var StageKinds = []StageKind{StageInvitation, StagePrompt, StageUserWrite, StageUserLogin,
	StageIdentification, StagePassword, StageUserLogout, StageDeny,
	StageAuthenticatorValidate, StageAuthenticatorTOTP, StageAuthenticatorStatic, StageAuthenticatorWebAuthn,
	StageAuthenticatorEmail, StageEmail, StageConsent}

// Stage is one configured stage. Exactly the settings pointer matching Kind
// is set; the others are nil. Settings are stored as JSON beside the kind,
// except prompt fields and validation policies, which are join tables so the
// database keeps them consistent.
type Stage struct {
	UUID           string
	Name           string
	Kind           StageKind
	Invitation     *InvitationStageSettings
	Prompt         *PromptStageSettings
	UserWrite      *UserWriteStageSettings
	UserLogin      *UserLoginStageSettings
	Identification *IdentificationStageSettings
	Password       *PasswordStageSettings
	UserLogout     *UserLogoutStageSettings
	Deny           *DenyStageSettings
	AuthenticatorStages
	Email   *EmailStageSettings
	Consent *ConsentStageSettings
}

// InvitationStageSettings: authentik_stages_invitation.invitationstage.
type InvitationStageSettings struct {
	ContinueFlowWithoutInvitation bool `json:"continue_flow_without_invitation"`
	// TrustInvitationEmail (usher's): an invitation bound to an email
	// address verifies it; the flow's email stages pass without mailing.
	TrustInvitationEmail bool `json:"trust_invitation_email"`
}

// PromptStageSettings: authentik_stages_prompt.promptstage. Fields and
// ValidationPolicies hold prompt and policy UUIDs.
type PromptStageSettings struct {
	Fields             []string `json:"fields"`
	ValidationPolicies []string `json:"validation_policies"`
}

// UserWriteStageSettings: authentik_stages_user_write.userwritestage.
type UserWriteStageSettings struct {
	UserCreationMode      string  `json:"user_creation_mode"` // never_create, create_when_required (default), always_create
	CreateUsersAsInactive bool    `json:"create_users_as_inactive"`
	CreateUsersGroup      *string `json:"create_users_group"` // group UUID; nulled when the group is deleted
	UserType              string  `json:"user_type"`          // default external
	UserPathTemplate      string  `json:"user_path_template"` // "" means "users"
}

// UserLoginStageSettings: authentik_stages_user_login.userloginstage.
type UserLoginStageSettings struct {
	SessionDuration        string `json:"session_duration"`   // default "seconds=0"
	RememberMeOffset       string `json:"remember_me_offset"` // default "seconds=0"
	TerminateOtherSessions bool   `json:"terminate_other_sessions"`
	NetworkBinding         string `json:"network_binding"` // default no_binding
	GeoipBinding           string `json:"geoip_binding"`   // default no_binding
	RememberDevice         string `json:"remember_device"` // default "days=30"
}

// IdentificationStageSettings: authentik_stages_identification.identificationstage.
type IdentificationStageSettings struct {
	UserFields              []string `json:"user_fields"`    // "email", "username", "upn"
	PasswordStage           *string  `json:"password_stage"` // stage UUID; nulled on delete
	CaseInsensitiveMatching bool     `json:"case_insensitive_matching"`
	ShowMatchedUser         bool     `json:"show_matched_user"`
	EnrollmentFlow          *string  `json:"enrollment_flow"` // flow UUID; nulled on delete
	RecoveryFlow            *string  `json:"recovery_flow"`
	PasswordlessFlow        *string  `json:"passwordless_flow"`
	ShowSourceLabels        bool     `json:"show_source_labels"`
	PretendUserExists       bool     `json:"pretend_user_exists"`
	EnableRememberMe        bool     `json:"enable_remember_me"`
}

// PasswordStageSettings: authentik_stages_password.passwordstage.
type PasswordStageSettings struct {
	Backends                   []string `json:"backends"`
	ConfigureFlow              *string  `json:"configure_flow"`
	FailedAttemptsBeforeCancel int      `json:"failed_attempts_before_cancel"` // default 5
	AllowShowPassword          bool     `json:"allow_show_password"`
}

// UserLogoutStageSettings: authentik_stages_user_logout.userlogoutstage.
type UserLogoutStageSettings struct{}

// DenyStageSettings: authentik_stages_deny.denystage.
type DenyStageSettings struct {
	DenyMessage string `json:"deny_message"`
}

// Consent modes (authentik's stages/consent/models.py ConsentMode).
const (
	ConsentAlwaysRequire = "always_require"
	ConsentPermanent     = "permanent"
	ConsentExpiring      = "expiring"
)

// ConsentStageSettings: authentik_stages_consent.consentstage. authentik's
// model defaults to expiring (migration 0005_alter_consentstage_mode).
type ConsentStageSettings struct {
	Mode            string `json:"mode"`              // always_require, permanent, expiring
	ConsentExpireIn string `json:"consent_expire_in"` // timedelta, default "weeks=4"
}

// EmailStageSettings: authentik_stages_email.emailstage. The SMTP fields
// apply when UseGlobalSettings is false; Password is write-only in the API.
type EmailStageSettings struct {
	UseGlobalSettings     bool   `json:"use_global_settings"`
	Host                  string `json:"host"`
	Port                  int    `json:"port"`
	Username              string `json:"username"`
	Password              string `json:"password"`
	UseTLS                bool   `json:"use_tls"`
	UseSSL                bool   `json:"use_ssl"`
	Timeout               int    `json:"timeout"` // seconds
	FromAddress           string `json:"from_address"`
	TokenExpiry           string `json:"token_expiry"` // "minutes=30"
	Subject               string `json:"subject"`
	Template              string `json:"template"` // "email/password_reset.html"
	ActivateUserOnSuccess bool   `json:"activate_user_on_success"`
	RecoveryMaxAttempts   int    `json:"recovery_max_attempts"`
	RecoveryCacheTimeout  string `json:"recovery_cache_timeout"` // "minutes=5"
}

// NewStage returns a stage of the given kind with authentik's defaults.
func NewStage(kind StageKind, name string) (Stage, error) {
	s := Stage{Name: name, Kind: kind}
	switch kind {
	case StageInvitation:
		s.Invitation = &InvitationStageSettings{}
	case StagePrompt:
		s.Prompt = &PromptStageSettings{Fields: []string{}, ValidationPolicies: []string{}}
	case StageUserWrite:
		s.UserWrite = &UserWriteStageSettings{UserCreationMode: "create_when_required", UserType: UserTypeExternal}
	case StageUserLogin:
		s.UserLogin = &UserLoginStageSettings{SessionDuration: "seconds=0", RememberMeOffset: "seconds=0",
			NetworkBinding: "no_binding", GeoipBinding: "no_binding", RememberDevice: "days=30"}
	case StageIdentification:
		s.Identification = &IdentificationStageSettings{UserFields: []string{"email", "username"},
			CaseInsensitiveMatching: true, ShowMatchedUser: true, PretendUserExists: true}
	case StagePassword:
		s.Password = &PasswordStageSettings{Backends: []string{"authentik.core.auth.InbuiltBackend"}, FailedAttemptsBeforeCancel: 5}
	case StageUserLogout:
		s.UserLogout = &UserLogoutStageSettings{}
	case StageDeny:
		s.Deny = &DenyStageSettings{}
	case StageEmail:
		// authentik's model defaults (stages/email/models.py).
		s.Email = &EmailStageSettings{Host: "localhost", Port: 25, Timeout: 10, FromAddress: "system@authentik.local",
			TokenExpiry: "minutes=30", Subject: "authentik", Template: "email/password_reset.html",
			RecoveryMaxAttempts: 5, RecoveryCacheTimeout: "minutes=5"}
	case StageConsent:
		s.Consent = &ConsentStageSettings{Mode: ConsentExpiring, ConsentExpireIn: "weeks=4"}
	default:
		if s.newAuthenticator(kind) {
			return s, nil
		}
		return s, fmt.Errorf("unknown stage kind %q", kind)
	}
	return s, nil
}

// settings returns the settings pointer matching s.Kind, or nil when it is unset.
func (s *Stage) settings() any {
	switch s.Kind {
	case StageInvitation:
		if s.Invitation != nil {
			return s.Invitation
		}
	case StagePrompt:
		if s.Prompt != nil {
			return s.Prompt
		}
	case StageUserWrite:
		if s.UserWrite != nil {
			return s.UserWrite
		}
	case StageUserLogin:
		if s.UserLogin != nil {
			return s.UserLogin
		}
	case StageIdentification:
		if s.Identification != nil {
			return s.Identification
		}
	case StagePassword:
		if s.Password != nil {
			return s.Password
		}
	case StageUserLogout:
		if s.UserLogout != nil {
			return s.UserLogout
		}
	case StageDeny:
		if s.Deny != nil {
			return s.Deny
		}
	case StageEmail:
		if s.Email != nil {
			return s.Email
		}
	case StageConsent:
		if s.Consent != nil {
			return s.Consent
		}
	default:
		return s.authenticatorSettings()
	}
	return nil
}

// SettingsJSON encodes the settings matching s.Kind (for storage); unset
// settings encode as the kind's defaults.
func (s Stage) SettingsJSON() ([]byte, error) {
	v := s.settings()
	if v == nil {
		d, err := NewStage(s.Kind, s.Name)
		if err != nil {
			return nil, err
		}
		v = d.settings()
	}
	return json.Marshal(v)
}

// DecodeSettings sets the settings pointer matching s.Kind from JSON,
// starting from the kind's defaults so missing keys keep their default.
func (s *Stage) DecodeSettings(data []byte) error {
	d, err := NewStage(s.Kind, s.Name)
	if err != nil {
		return err
	}
	d.UUID = s.UUID
	*s = d
	if len(data) == 0 {
		return nil
	}
	return json.Unmarshal(data, s.settings())
}
