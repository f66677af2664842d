package resource

import (
	"strings"

	"github.com/usher-id/usher/internal/store"
)

// TypeCreate is one creatable subtype, as authentik's …/types/ endpoints
// list them (its TypeCreateSerializer).
type TypeCreate struct {
	Name               string `json:"name"`
	Description        string `json:"description"`
	Component          string `json:"component"`
	ModelName          string `json:"model_name"`
	IconURL            any    `json:"icon_url"`
	RequiresEnterprise bool   `json:"requires_enterprise"`
	Deprecated         bool   `json:"deprecated"`
}

// stageDescriptions are the stage models' descriptions (authentik shows
// each model's docstring).
var stageDescriptions = map[store.StageKind]string{
	store.StageInvitation:            "Simplify enrollment; allow users to use a single link to create their user with pre-defined parameters.",
	store.StagePrompt:                "Prompt the user to enter information.",
	store.StageUserWrite:             "Write the data from the flow context to a user.",
	store.StageUserLogin:             "Attach the pending user to the current session.",
	store.StageIdentification:        "Identify the user for authentication.",
	store.StagePassword:              "Prompt the user for their password, and validate it against the backends.",
	store.StageUserLogout:            "Reset the user's session.",
	store.StageDeny:                  "Cancel the current flow.",
	store.StageAuthenticatorTOTP:     "Set up a time-based one-time password authenticator.",
	store.StageAuthenticatorValidate: "Validate a user's configured second factor.",
	store.StageAuthenticatorStatic:   "Set up single-use recovery codes.",
	store.StageAuthenticatorWebAuthn: "Set up a passkey or security key (WebAuthn).",
	store.StageAuthenticatorEmail:    "Set up one-time codes sent by email.",
	store.StageConsent:               "Prompt the user for confirmation.",
}

// StageTypes lists the stage types usher has, in the console's order.
func StageTypes() []TypeCreate {
	var out []TypeCreate
	for _, k := range store.StageKinds {
		m, ok := stageModels[k]
		if !ok {
			continue
		}
		_, model, _ := strings.Cut(m.Name, ".")
		out = append(out, TypeCreate{Name: m.VerboseName, Description: stageDescriptions[k],
			Component: stageComponents[k], ModelName: model})
	}
	return out
}

// PolicyTypes lists the policy types usher has.
func PolicyTypes() []TypeCreate {
	_, model, _ := strings.Cut(ExpressionPolicies.Name, ".")
	_, pwModel, _ := strings.Cut(PasswordPolicies.Name, ".")
	return []TypeCreate{{Name: ExpressionPolicies.VerboseName, Description: "Evaluate an expression (Starlark, Python-like) to implement custom checks and validation.",
		Component: "ak-policy-expression-form", ModelName: model},
		{Name: PasswordPolicies.VerboseName, Description: "Policy to make sure passwords have certain properties.",
			Component: "ak-policy-password-form", ModelName: pwModel}}
}
