package api

import (
	"net/http"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// The authenticator stages under /api/v3/stages/authenticator/<kind>/,
// filtered on their own fields as authentik's filtersets do.
func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		for _, s := range []struct {
			path   string
			model  *resource.Model[store.Stage]
			fields []string
		}{
			{"/api/v3/stages/authenticator/totp/", resource.AuthenticatorTOTPStages, []string{"configure_flow", "digits", "friendly_name"}},
			{"/api/v3/stages/authenticator/static/", resource.AuthenticatorStaticStages,
				[]string{"configure_flow", "friendly_name", "token_count", "token_length"}},
			{"/api/v3/stages/authenticator/webauthn/", resource.AuthenticatorWebAuthnStages,
				[]string{"authenticator_attachment", "configure_flow", "friendly_name", "resident_key_requirement", "user_verification"}},
			{"/api/v3/stages/authenticator/email/", resource.AuthenticatorEmailStages,
				[]string{"configure_flow", "friendly_name", "from_address", "host", "port", "subject", "template", "token_expiry",
					"use_global_settings", "use_ssl", "use_tls", "username"}},
			{"/api/v3/stages/authenticator/validate/", resource.AuthenticatorValidateStages,
				[]string{"configuration_stages", "not_configured_action"}},
		} {
			f := withAliases(filters(append([]string{"name"}, s.fields...)...), "stage_uuid", "pk")
			crud(h, mux, endpoint[store.Stage]{path: s.path, model: s.model, filters: f, search: []string{"name"}, order: "name"})
		}
	})
}
