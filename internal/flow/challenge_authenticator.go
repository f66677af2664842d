package flow

import "time"

// The authenticator stages' challenges (authentik's
// stages/authenticator_*/stage.py and authenticator_validate/challenge.py).

// AuthenticatorTOTPChallenge shows a new TOTP secret to set up.
type AuthenticatorTOTPChallenge struct {
	Common
	UserInfo
	ConfigURL string `json:"config_url"`
	// For the HTML page only: the QR code as a data: URI and the secret
	// as text, to type in where scanning is not possible.
	QRCode string `json:"-"`
	Secret string `json:"-"`
}

// AuthenticatorStaticChallenge shows new recovery codes, once.
type AuthenticatorStaticChallenge struct {
	Common
	UserInfo
	Codes []string `json:"codes"`
}

// AuthenticatorWebAuthnChallenge asks the browser to create a credential;
// Registration is the PublicKeyCredentialCreationOptions.
type AuthenticatorWebAuthnChallenge struct {
	Common
	UserInfo
	Registration map[string]any `json:"registration"`
}

// AuthenticatorEmailChallenge asks for the address to send codes to, then
// for the code sent.
type AuthenticatorEmailChallenge struct {
	Common
	UserInfo
	Email         *string `json:"email"`
	EmailRequired bool    `json:"email_required"`
}

// AuthenticatorValidationChallenge asks for a second factor: one entry
// per device class the user can answer with, or the setup stages to choose
// from when the user has none.
type AuthenticatorValidationChallenge struct {
	Common
	UserInfo
	DeviceChallenges    []DeviceChallenge `json:"device_challenges"`
	ConfigurationStages []SelectableStage `json:"configuration_stages"`
}

// DeviceChallenge is authentik's DeviceChallenge: Challenge is empty for
// code-based classes and the PublicKeyCredentialRequestOptions for
// WebAuthn.
type DeviceChallenge struct {
	DeviceClass string         `json:"device_class"`
	DeviceUID   string         `json:"device_uid"`
	Challenge   map[string]any `json:"challenge"`
	LastUsed    *time.Time     `json:"last_used"`
}

// SelectableStage is a setup stage a user may choose (authentik's
// SelectableStageSerializer).
type SelectableStage struct {
	PK            string `json:"pk"`
	Name          string `json:"name"`
	VerboseName   string `json:"verbose_name"`
	MetaModelName string `json:"meta_model_name"`
}
