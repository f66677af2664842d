package console

import (
	"context"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// The authenticator stages in the console's stage types (stage.go).
func init() {
	for k, t := range map[store.StageKind]struct {
		label string
		model *resource.Model[store.Stage]
		desc  string
	}{
		store.StageAuthenticatorValidate: {"Authenticator Validation Stage", resource.AuthenticatorValidateStages,
			"Asks the user for a second factor (code, recovery code or security key)."},
		store.StageAuthenticatorTOTP: {"TOTP Authenticator Setup Stage", resource.AuthenticatorTOTPStages,
			"Sets up an authenticator app (time-based codes, shown as a QR code)."},
		store.StageAuthenticatorStatic: {"Static Authenticator Setup Stage", resource.AuthenticatorStaticStages,
			"Creates single-use recovery codes."},
		store.StageAuthenticatorWebAuthn: {"WebAuthn Authenticator Setup Stage", resource.AuthenticatorWebAuthnStages,
			"Registers a passkey or security key."},
		store.StageAuthenticatorEmail: {"Email Authenticator Setup Stage", resource.AuthenticatorEmailStages,
			"Sets up one-time codes sent by email."},
	} {
		stageTypes[k] = struct {
			Label       string
			Model       *resource.Model[store.Stage]
			Description string
		}{t.label, t.model, t.desc}
	}
}

// authenticatorStageFields are the settings forms of the authenticator
// stages, named like the API fields.
func (h *Handler) authenticatorStageFields(ctx context.Context, kind store.StageKind) ([]*field, error) {
	flowOpts, err := h.flowOptions(ctx, "No flow")
	if err != nil {
		return nil, err
	}
	setup := []*field{
		{Name: "friendly_name", Label: "Friendly name", Kind: "text", Help: "Shown to users when they set up a device."},
		{Name: "configure_flow", Label: "Configuration flow", Kind: "select", Options: flowOpts, Nullable: true,
			Help: "Flow a signed-in user runs to set up this kind of device (linked from their account page)."},
	}
	verification := choices("required", "Required", "preferred", "Preferred", "discouraged", "Discouraged")
	switch kind {
	case store.StageAuthenticatorTOTP:
		return append(setup, &field{Name: "digits", Label: "Digits", Kind: "select", Options: choices("6", "6 digits", "8 digits", "8 digits")}), nil
	case store.StageAuthenticatorStatic:
		return append(setup,
			&field{Name: "token_count", Label: "Token count", Kind: "number", Required: true, Help: "How many recovery codes are created."},
			&field{Name: "token_length", Label: "Token length", Kind: "number", Required: true, Help: "Characters per code."}), nil
	case store.StageAuthenticatorWebAuthn:
		return append(setup,
			&field{Name: "user_verification", Label: "User verification", Kind: "select", Options: verification},
			&field{Name: "resident_key_requirement", Label: "Resident key requirement", Kind: "select", Options: verification,
				Help: "Required makes the key a passkey that can sign in without a username."},
			&field{Name: "authenticator_attachment", Label: "Authenticator attachment", Kind: "select", Nullable: true,
				Options: choices("", "No preference", "platform", "Built into the device", "cross-platform", "Security key or phone")},
			&field{Name: "max_attempts", Label: "Maximum attempts", Kind: "number", Required: true}), nil
	case store.StageAuthenticatorEmail:
		return append(setup,
			&field{Name: "use_global_settings", Label: "Use global settings", Kind: "checkbox",
				Help: "Send through usher's own mail settings (USHER_EMAIL__*)."},
			&field{Name: "subject", Label: "Subject", Kind: "text"},
			&field{Name: "token_expiry", Label: "Token expiry", Kind: "text", Help: "e.g. minutes=30."}), nil
	case store.StageAuthenticatorValidate:
		stages, err := h.App.Store.ListStages(ctx)
		if err != nil {
			return nil, err
		}
		var conf []option
		for _, s := range stages {
			if _, setup := setupLabels[s.Kind]; setup {
				conf = append(conf, option{Value: s.UUID, Label: s.Name})
			}
		}
		return []*field{
			{Name: "device_classes", Label: "Device classes", Kind: "multiselect", Options: choices("static", "Static tokens",
				"totp", "TOTP authenticators", "webauthn", "WebAuthn authenticators", "email", "Email")},
			{Name: "not_configured_action", Label: "Not configured action", Kind: "select", Options: choices(
				"skip", "Continue without a second factor", "deny", "Deny the user access", "configure", "Force the user to set one up")},
			{Name: "configuration_stages", Label: "Configuration stages", Kind: "multiselect", Options: conf,
				Help: "Setup stages offered when the user has no device and the action is to set one up."},
			{Name: "last_auth_threshold", Label: "Last validation threshold", Kind: "text",
				Help: "If a device was used within this time (e.g. hours=1), the stage is skipped. seconds=0 always asks."},
			{Name: "webauthn_user_verification", Label: "WebAuthn user verification", Kind: "select", Options: verification},
		}, nil
	}
	return nil, nil
}
