package api

import (
	"net/http"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// /api/v3/policies/password/: authentik's password policies (generic CRUD
// over resource.PasswordPolicies).
func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		crud(h, mux, endpoint[store.Policy]{path: "/api/v3/policies/password/", model: resource.PasswordPolicies,
			filters: withAliases(filters("name", "execution_logging", "password_field", "length_min", "check_zxcvbn",
				"check_have_i_been_pwned", "check_static_rules"), "policy_uuid", "pk"),
			search: []string{"name"}, order: "name"})
	})
}
