// Package api serves usher's authentik-compatible REST API under /api/v3/.
// Models go through internal/resource (the same validation and JSON shapes
// the blueprint importer uses); this package adds authentication,
// permissions, authentik's pagination envelope, filters and audit events.
//
// Other files in this package (policy_*.go, event_*.go, blueprint*.go,
// written by other areas) add routes by calling extend in their init; they
// can use h.superuser / h.authenticated, h.crud and paginate. Handlers
// return an error (errors.go lists the kinds); writeError answers it.
package api

import (
	"net/http"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// Handler is the API area.
type Handler struct {
	App *app.App
	// Limiter throttles clients that keep sending bad API tokens (nil: no
	// throttling).
	Limiter *ratelimit.Limiter
}

// New returns the API area for a, with rate limits from USHER_RATELIMIT_*.
func New(a *app.App) *Handler {
	return &Handler{App: a, Limiter: ratelimit.For(a.Limiter, a.Store, a.Events, a.Log)}
}

// extensions are route groups other files of the package register.
var extensions []func(h *Handler, mux *http.ServeMux)

// extend adds a route group; call it from init.
func extend(f func(h *Handler, mux *http.ServeMux)) { extensions = append(extensions, f) }

// Mount registers every API route.
func (h *Handler) Mount(mux *http.ServeMux) {
	crud(h, mux, endpoint[store.User]{path: "/api/v3/core/users/", model: resource.Users, lister: h.listUsers})
	crud(h, mux, endpoint[store.Group]{path: "/api/v3/core/groups/", model: resource.Groups, lister: h.listGroups})
	crud(h, mux, endpoint[store.Application]{path: "/api/v3/core/applications/", model: resource.Applications, lookup: "slug",
		filters: filters("name", "slug", "group", "meta_launch_url", "meta_description", "meta_publisher"),
		search:  []string{"name", "slug", "meta_launch_url", "meta_description", "meta_publisher", "group"},
		order:   "name"})
	crud(h, mux, endpoint[store.Brand]{path: "/api/v3/core/brands/", model: resource.Brands,
		filters: filters("domain", "default", "branding_title", "brand_uuid", "branding_logo", "branding_favicon",
			"branding_default_flow_background", "flow_authentication", "flow_invalidation", "flow_recovery",
			"flow_unenrollment", "flow_user_settings", "flow_device_code", "flow_user_switch", "flow_lockdown",
			"flow_request", "web_certificate", "client_certificates"),
		search: []string{"domain", "branding_title"}, order: "domain"})
	crud(h, mux, endpoint[store.Flow]{path: "/api/v3/flows/instances/", model: resource.Flows, lookup: "slug",
		filters: withAliases(filters("name", "slug", "designation", "denied_action"), "flow_uuid", "pk"),
		search:  []string{"name", "slug", "designation", "title"}, order: "slug"})
	crud(h, mux, endpoint[store.FlowStageBinding]{path: "/api/v3/flows/bindings/", model: resource.FlowStageBindings,
		filters: withAliases(filters("target", "stage", "order", "evaluate_on_plan", "re_evaluate_policies",
			"policy_engine_mode", "invalid_response_action"), "fsb_uuid", "pk", "pbm_uuid", "pk"),
		search: []string{"stage_obj.name", "order"}, order: "order"})
	crud(h, mux, endpoint[store.Invitation]{path: "/api/v3/stages/invitation/invitations/", model: resource.Invitations,
		lister: h.listInvitations})
	crud(h, mux, endpoint[store.Prompt]{path: "/api/v3/stages/prompt/prompts/", model: resource.Prompts,
		filters: filters("field_key", "label", "name", "type", "placeholder"),
		search:  []string{"field_key", "label", "type", "placeholder", "name"}, order: "field_key"})
	crud(h, mux, endpoint[store.Policy]{path: "/api/v3/policies/expression/", model: resource.ExpressionPolicies,
		filters: withAliases(filters("name", "execution_logging", "expression"), "policy_uuid", "pk"),
		search:  []string{"name"}, order: "name"})
	crud(h, mux, endpoint[store.PolicyBinding]{path: "/api/v3/policies/bindings/", model: resource.PolicyBindings,
		filters: withAliases(filters("policy", "target", "enabled", "order", "timeout"), "policy_binding_uuid", "pk",
			"policy__isnull", "isnull:policy", "target_in", "target"),
		search: []string{"policy_obj.name", "group_obj.name", "user_obj.username"}, order: "order"})
	crud(h, mux, endpoint[store.BlueprintInstance]{path: "/api/v3/managed/blueprints/", model: resource.BlueprintInstances,
		filters: filters("name", "path"), search: []string{"name", "path"}, order: "name"})
	// Stage endpoints filter on their own fields as authentik's filtersets do.
	for _, s := range []struct {
		path    string
		model   *resource.Model[store.Stage]
		fields  []string
		aliases []string // parameter, field path pairs
	}{
		{"/api/v3/stages/invitation/stages/", resource.InvitationStages,
			[]string{"continue_flow_without_invitation"}, []string{"no_flows", "isnull:flow_set"}},
		{"/api/v3/stages/prompt/stages/", resource.PromptStages,
			[]string{"fields", "validation_policies"}, nil},
		{"/api/v3/stages/user_write/", resource.UserWriteStages,
			[]string{"create_users_as_inactive", "create_users_group", "user_creation_mode", "user_path_template", "user_type"}, nil},
		{"/api/v3/stages/user_login/", resource.UserLoginStages,
			[]string{"geoip_binding", "network_binding", "remember_device", "remember_me_offset", "session_duration",
				"terminate_other_sessions"}, nil},
		{"/api/v3/stages/identification/", resource.IdentificationStages,
			[]string{"captcha_stage", "case_insensitive_matching", "enrollment_flow", "password_stage", "passwordless_flow",
				"recovery_flow", "show_matched_user", "show_source_labels", "webauthn_stage"}, nil},
		{"/api/v3/stages/password/", resource.PasswordStages,
			[]string{"allow_show_password", "configure_flow", "failed_attempts_before_cancel"}, nil},
		{"/api/v3/stages/user_logout/", resource.UserLogoutStages, nil, nil},
		{"/api/v3/stages/deny/", resource.DenyStages, []string{"deny_message"}, nil},
		{"/api/v3/stages/email/", resource.EmailStages,
			[]string{"activate_user_on_success", "from_address", "host", "port", "subject", "template", "timeout",
				"token_expiry", "use_global_settings", "use_ssl", "use_tls", "username"}, nil},
		{"/api/v3/stages/consent/", resource.ConsentStages, []string{"consent_expire_in", "mode"}, nil},
	} {
		f := withAliases(filters(append([]string{"name"}, s.fields...)...), append([]string{"stage_uuid", "pk"}, s.aliases...)...)
		crud(h, mux, endpoint[store.Stage]{path: s.path, model: s.model, filters: f, search: []string{"name"}, order: "name"})
	}

	mux.HandleFunc("GET /api/v3/core/users/me/{$}", h.authenticated(h.userMe))
	mux.HandleFunc("GET /api/v3/core/users/paths/{$}", h.superuser(h.userPaths))
	mux.HandleFunc("GET /api/v3/flows/instances/{slug}/execute/{$}", h.superuser(h.flowExecute))
	mux.HandleFunc("GET /api/v3/stages/all/{$}", h.superuser(h.stageAllList))
	mux.HandleFunc("GET /api/v3/stages/all/{pk}/{$}", h.superuser(h.stageAllRetrieve))
	mux.HandleFunc("DELETE /api/v3/stages/all/{pk}/{$}", h.superuser(h.stageAllDelete))
	mux.HandleFunc("GET /api/v3/stages/invitation/invitations/{pk}/used_by/{$}", h.superuser(h.invitationUsedBy))
	mux.HandleFunc("POST /api/v3/stages/invitation/invitations/{pk}/send_email/{$}", h.superuser(h.invitationSendEmail))
	mux.HandleFunc("GET /api/v3/managed/blueprints/available/{$}", h.superuser(h.blueprintAvailable))
	mux.HandleFunc("POST /api/v3/managed/blueprints/import/{$}", h.superuser(h.blueprintImport))
	mux.HandleFunc("POST /api/v3/managed/blueprints/{pk}/apply/{$}", h.superuser(h.blueprintApply))
	for _, f := range extensions {
		f(h, mux)
	}
	mux.HandleFunc("/api/v3/", h.notFound)
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.writeError(w, r, store.ErrNotFound)
}
