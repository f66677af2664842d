package flow

// ComponentConsent is the consent stage's challenge component.
const ComponentConsent = "ak-stage-consent"

// ConsentChallenge asks the user to let an application have permissions
// (authentik's stages/consent/stage.py ConsentChallenge). Token must come
// back in the answer, so an answer only counts for the prompt it answers.
type ConsentChallenge struct {
	Common
	UserInfo
	HeaderText            string              `json:"header_text,omitempty"`
	Permissions           []ConsentPermission `json:"permissions"`
	AdditionalPermissions []ConsentPermission `json:"additional_permissions"`
	Token                 string              `json:"token"`
	// For the HTML page only: the application's name.
	Application string `json:"-"`
}

// ConsentPermission is one permission shown for consent (authentik's
// ConsentPermissionSerializer): id is the scope, name its description.
type ConsentPermission struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}
