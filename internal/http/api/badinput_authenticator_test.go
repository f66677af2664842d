package api_test

// The authenticator stages in TestEveryModelRefusesBadInput.
func init() {
	for model, path := range map[string]string{
		"authentik_stages_authenticator_totp.authenticatortotpstage":         "/api/v3/stages/authenticator/totp/",
		"authentik_stages_authenticator_static.authenticatorstaticstage":     "/api/v3/stages/authenticator/static/",
		"authentik_stages_authenticator_webauthn.authenticatorwebauthnstage": "/api/v3/stages/authenticator/webauthn/",
		"authentik_stages_authenticator_email.authenticatoremailstage":       "/api/v3/stages/authenticator/email/",
		"authentik_stages_authenticator_validate.authenticatorvalidatestage": "/api/v3/stages/authenticator/validate/",
	} {
		extra := map[string]any(nil)
		if model == "authentik_stages_authenticator_totp.authenticatortotpstage" {
			extra = map[string]any{"digits": "6"}
		}
		badInputModels[model] = struct {
			path    string
			payload func(e *env, refs badInputRefs, n int) map[string]any
		}{path, stagePayload(extra)}
	}
}
