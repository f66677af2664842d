package console

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// stageTypes names each stage kind as the admin console and the API do.
var stageTypes = map[store.StageKind]struct {
	Label       string
	Model       *resource.Model[store.Stage]
	Description string
}{
	store.StageInvitation:     {"Invitation Stage", resource.InvitationStages, "Checks that an invitation was given and pre-fills its data. Use it in enrollment flows."},
	store.StagePrompt:         {"Prompt Stage", resource.PromptStages, "Asks the user for the values of prompt fields."},
	store.StageUserWrite:      {"User Write Stage", resource.UserWriteStages, "Creates or updates the user from the collected data."},
	store.StageUserLogin:      {"User Login Stage", resource.UserLoginStages, "Signs the pending user in."},
	store.StageIdentification: {"Identification Stage", resource.IdentificationStages, "Asks who the user is (username or email)."},
	store.StagePassword:       {"Password Stage", resource.PasswordStages, "Checks the user's password."},
	store.StageUserLogout:     {"User Logout Stage", resource.UserLogoutStages, "Signs the user out."},
	store.StageDeny:           {"Deny Stage", resource.DenyStages, "Stops the flow with a message."},
	store.StageEmail: {"Email Stage", resource.EmailStages,
		"Emails the user a link that continues the flow: verifies an address at enrollment, or recovers an account."},
	store.StageConsent: {"Consent Stage", resource.ConsentStages,
		"Asks the user to let an application access their data; can remember the answer."},
}

func stageKindLabel(k store.StageKind) string {
	if t, ok := stageTypes[k]; ok {
		return t.Label
	}
	return string(k)
}

func (h *Handler) mountStages(mux *routes) {
	mux.HandleFunc("GET /if/admin/stages/", h.admin(h.stageList))
	// Create is two steps on one URL: without ?type= the type list, with it
	// that type's form.
	type newFunc func(e *entity[store.Stage], w http.ResponseWriter, r *http.Request, u *store.User, obj *store.Stage) error
	byKind := func(fn newFunc) pageFunc {
		return func(w http.ResponseWriter, r *http.Request, u *store.User) error {
			kind := store.StageKind(r.URL.Query().Get("type"))
			if _, ok := stageTypes[kind]; !ok {
				if r.Method == http.MethodGet {
					return h.stageTypeList(w, r, u)
				}
				return store.ErrNotFound
			}
			return fn(h.stageEntity(kind), w, r, u, nil)
		}
	}
	mux.HandleFunc("GET /if/admin/stages/new/", h.admin(byKind((*entity[store.Stage]).show)))
	mux.HandleFunc("POST /if/admin/stages/new/", h.admin(byKind((*entity[store.Stage]).submit)))
	// Edit and delete load the stage first, then use its kind's entity.
	loaded := func(fn objectFunc[store.Stage]) pageFunc {
		return h.stageEntity("").with(func(w http.ResponseWriter, r *http.Request, u *store.User, _ *entity[store.Stage], s store.Stage) error {
			return fn(w, r, u, h.stageEntity(s.Kind), s)
		})
	}
	mux.HandleFunc("GET /if/admin/stages/{id}/edit/", h.admin(loaded(editForm)))
	mux.HandleFunc("POST /if/admin/stages/{id}/edit/", h.admin(loaded(editSave)))
	mux.HandleFunc("GET /if/admin/stages/{id}/delete/", h.admin(loaded(confirmDelete)))
	mux.HandleFunc("POST /if/admin/stages/{id}/delete/", h.admin(loaded(deleteRow)))
}

func (h *Handler) stageEntity(kind store.StageKind) *entity[store.Stage] {
	t := stageTypes[kind]
	return &entity[store.Stage]{h: h,
		Singular: t.Label, Base: "/if/admin/stages/", Nav: "stages", model: t.Model,
		NewPath: "/if/admin/stages/new/?type=" + string(kind),
		load: func(ctx context.Context, id string) (store.Stage, error) {
			return h.App.Store.GetStage(ctx, id)
		},
		form: func(ctx context.Context, obj *store.Stage) (*formDef, error) {
			fields, err := h.stageFields(ctx, kind)
			if err != nil {
				return nil, err
			}
			f := &formDef{Intro: "", Fields: append([]*field{{Name: "name", Label: "Name", Kind: "text", Required: true}}, fields...)}
			return f, nil
		},
		values: func(obj *store.Stage) url.Values {
			var s store.Stage
			if obj == nil {
				s, _ = store.NewStage(kind, "")
			} else {
				s = *obj
			}
			raw, _ := s.SettingsJSON()
			m := map[string]any{}
			_ = json.Unmarshal(raw, &m)
			v := valuesOf(m)
			v.Set("name", s.Name)
			return v
		},
		ident: func(s store.Stage) (string, string) {
			return s.UUID, s.Name
		},
		data: func(f *formDef, v url.Values, _ *store.Stage) map[string]any {
			d := genericData(f, v)
			// The SMTP password is write-only: an empty box keeps the stored one.
			if kind == store.StageEmail && v.Get("password") != "" {
				d["password"] = v.Get("password")
			}
			return d
		},
	}
}

// stageFields are each kind's settings, named like the API fields.
func (h *Handler) stageFields(ctx context.Context, kind store.StageKind) ([]*field, error) {
	q := h.App.Store
	switch kind {
	case store.StageInvitation:
		return []*field{{Name: "continue_flow_without_invitation", Label: "Continue flow without invitation", Kind: "checkbox",
			Help: "If enabled, this stage jumps to the next stage when no invitation is given. By default the flow is cancelled without a valid invitation."},
			{Name: "trust_invitation_email", Label: "Trust the invitation's email address", Kind: "checkbox",
				Help: "When the invitation is bound to an email address, that address counts as verified: email stages later in the flow pass without sending a link, and the account is marked as having a verified address."}}, nil
	case store.StagePrompt:
		prompts, err := q.ListPrompts(ctx)
		if err != nil {
			return nil, err
		}
		sort.Slice(prompts, func(i, j int) bool { return prompts[i].Name < prompts[j].Name })
		var popts []option
		for _, p := range prompts {
			popts = append(popts, option{Value: p.UUID, Label: p.Name + " (" + p.FieldKey + ", " + p.Type + ")"})
		}
		policies, err := q.ListPolicies(ctx)
		if err != nil {
			return nil, err
		}
		var polopts []option
		for _, p := range policies {
			polopts = append(polopts, option{Value: p.UUID, Label: p.Name})
		}
		return []*field{
			{Name: "fields", Label: "Fields", Kind: "multiselect", Options: popts,
				Help: "The prompt fields this stage asks for (hold Ctrl or ⌘ to select several). Create fields under Flows and Stages › Prompts."},
			{Name: "validation_policies", Label: "Validation policies", Kind: "multiselect", Options: polopts,
				Help: "Policies that must all pass for the answers to be accepted."},
		}, nil
	case store.StageUserWrite:
		gopts, err := groupOptions(ctx, q, "No group", "")
		if err != nil {
			return nil, err
		}
		return []*field{
			{Name: "user_creation_mode", Label: "User creation mode", Kind: "select", Options: choices(
				"never_create", "Never create users", "create_when_required", "Create users when required", "always_create", "Always create new users")},
			{Name: "create_users_as_inactive", Label: "Create users as inactive", Kind: "checkbox", Help: "Mark newly created users as inactive."},
			{Name: "user_type", Label: "User type", Kind: "select", Options: choices("internal", "Internal", "external", "External",
				"service_account", "Service account", "internal_service_account", "Internal service account"),
				Help: "External users cannot use the user interface; set a Default application on the brand for them."},
			{Name: "user_path_template", Label: "User path template", Kind: "text", Placeholder: "users",
				Help: "Path new users are created under, e.g. users/external. Empty means users."},
			{Name: "create_users_group", Label: "Create users group", Kind: "select", Options: gopts, Nullable: true,
				Help: "Newly created users are added to this group."},
		}, nil
	case store.StageUserLogin:
		return []*field{
			{Name: "session_duration", Label: "Session duration", Kind: "text",
				Help: "How long sessions last, e.g. hours=8 or days=1;hours=2. seconds=0 ends the session when the browser closes."},
			{Name: "remember_me_offset", Label: "Stay signed in offset", Kind: "text",
				Help: "If above seconds=0, the user may choose to stay signed in this much longer."},
			{Name: "terminate_other_sessions", Label: "Terminate other sessions", Kind: "checkbox",
				Help: "When enabled, the user's other sessions end when they sign in."},
			{Name: "network_binding", Label: "Network binding", Kind: "select", Options: choices("no_binding", "No binding",
				"bind_asn", "Bind ASN", "bind_asn_network", "Bind ASN and network", "bind_asn_network_ip", "Bind ASN, network and IP")},
			{Name: "geoip_binding", Label: "GeoIP binding", Kind: "select", Options: choices("no_binding", "No binding",
				"bind_continent", "Bind continent", "bind_continent_country", "Bind continent and country",
				"bind_continent_country_city", "Bind continent, country and city")},
			{Name: "remember_device", Label: "Remember device", Kind: "text", Help: "e.g. days=30."},
		}, nil
	case store.StageIdentification:
		stages, err := q.ListStages(ctx)
		if err != nil {
			return nil, err
		}
		pw := []option{{Value: "", Label: "No password stage"}}
		for _, s := range stages {
			if s.Kind == store.StagePassword {
				pw = append(pw, option{Value: s.UUID, Label: s.Name})
			}
		}
		flowOpts, err := h.flowOptions(ctx, "No flow")
		if err != nil {
			return nil, err
		}
		return []*field{
			{Name: "user_fields", Label: "User fields", Kind: "multiselect", Options: choices("username", "Username", "email", "Email", "upn", "UPN"),
				Help: "Fields a user can identify with."},
			{Name: "password_stage", Label: "Password stage", Kind: "select", Options: pw, Nullable: true,
				Help: "When set, the password field is shown on the same page."},
			{Name: "case_insensitive_matching", Label: "Case insensitive matching", Kind: "checkbox"},
			{Name: "show_matched_user", Label: "Show matched user", Kind: "checkbox"},
			{Name: "pretend_user_exists", Label: "Pretend user exists", Kind: "checkbox"},
			{Name: "enable_remember_me", Label: "Enable remember me", Kind: "checkbox"},
			{Name: "show_source_labels", Label: "Show source labels", Kind: "checkbox"},
			{Name: "enrollment_flow", Label: "Enrollment flow", Kind: "select", Options: flowOpts, Nullable: true,
				Help: "Linked as “Sign up” on the sign-in page."},
			{Name: "recovery_flow", Label: "Recovery flow", Kind: "select", Options: flowOpts, Nullable: true},
			{Name: "passwordless_flow", Label: "Passwordless flow", Kind: "select", Options: flowOpts, Nullable: true},
		}, nil
	case store.StagePassword:
		flowOpts, err := h.flowOptions(ctx, "No flow")
		if err != nil {
			return nil, err
		}
		return []*field{
			{Name: "backends", Label: "Backends", Kind: "multiselect", Options: choices(
				"authentik.core.auth.InbuiltBackend", "User database + standard password",
				"authentik.core.auth.TokenBackend", "User database + app passwords")},
			{Name: "configure_flow", Label: "Configuration flow", Kind: "select", Options: flowOpts, Nullable: true},
			{Name: "failed_attempts_before_cancel", Label: "Failed attempts before cancel", Kind: "number", Required: true},
			{Name: "allow_show_password", Label: "Allow show password", Kind: "checkbox"},
		}, nil
	case store.StageConsent:
		return []*field{
			{Name: "mode", Label: "Mode", Kind: "select", Options: choices(
				store.ConsentAlwaysRequire, "Always require consent",
				store.ConsentPermanent, "Consent given lasts indefinitely",
				store.ConsentExpiring, "Consent expires")},
			{Name: "consent_expire_in", Label: "Consent expires in", Kind: "text",
				Help: "With mode “Consent expires”: how long consent lasts, e.g. weeks=4 or hours=1;minutes=2."},
		}, nil
	case store.StageDeny:
		return []*field{{Name: "deny_message", Label: "Deny message", Kind: "text", Help: "Shown to the user; empty shows a generic message."}}, nil
	case store.StageEmail:
		var topts []option
		for _, o := range resource.EmailTemplateOptions(h.App.TemplatesDir) {
			topts = append(topts, option{Value: o[0], Label: o[1]})
		}
		return []*field{
			{Name: "use_global_settings", Label: "Use global connection settings", Kind: "checkbox",
				Help: "Send through the server's USHER_EMAIL__* settings; the connection settings below are then ignored."},
			{Name: "host", Label: "SMTP host", Kind: "text"},
			{Name: "port", Label: "SMTP port", Kind: "number", Required: true},
			{Name: "username", Label: "SMTP username", Kind: "text"},
			{Name: "password", Label: "SMTP password", Kind: "password", Help: "Leave empty to keep the stored password."},
			{Name: "use_tls", Label: "Use TLS (STARTTLS)", Kind: "checkbox"},
			{Name: "use_ssl", Label: "Use SSL (TLS from the start)", Kind: "checkbox"},
			{Name: "timeout", Label: "Timeout (seconds)", Kind: "number", Required: true},
			{Name: "from_address", Label: "From address", Kind: "text"},
			{Name: "subject", Label: "Subject", Kind: "text"},
			{Name: "template", Label: "Template", Kind: "select", Options: topts},
			{Name: "token_expiry", Label: "Token expiry", Kind: "text",
				Help: "How long the link in the email works, e.g. minutes=30 or hours=24."},
			{Name: "activate_user_on_success", Label: "Activate pending user on success", Kind: "checkbox",
				Help: "An inactive account (enrollment with verification) becomes active when its link is used."},
			{Name: "recovery_max_attempts", Label: "Max recovery attempts", Kind: "number", Required: true,
				Help: "Emails one address or username may request within the window below."},
			{Name: "recovery_cache_timeout", Label: "Recovery attempt window", Kind: "text", Help: "e.g. minutes=5."},
		}, nil
	}
	return h.authenticatorStageFields(ctx, kind)
}

// flowOptions is a select list of every flow with an empty choice first.
func (h *Handler) flowOptions(ctx context.Context, none string) ([]option, error) {
	flows, err := h.App.Store.ListFlows(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(flows, func(i, j int) bool { return flows[i].Slug < flows[j].Slug })
	opts := []option{{Value: "", Label: none}}
	for _, f := range flows {
		opts = append(opts, option{Value: f.UUID, Label: f.Name + " (" + f.Slug + ")"})
	}
	return opts, nil
}
