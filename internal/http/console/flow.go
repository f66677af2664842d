package console

import (
	"context"
	"net/url"
	"strings"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

var (
	designationOptions = choices("authentication", "Authentication", "authorization", "Authorization",
		"enrollment", "Enrollment", "invalidation", "Invalidation", "recovery", "Recovery",
		"stage_configuration", "Stage Configuration", "unenrollment", "Unenrollment")
	authenticationOptions = choices("none", "No requirement", "require_authenticated", "Require authenticated",
		"require_unauthenticated", "Require unauthenticated", "require_superuser", "Require superuser",
		"require_redirect", "Require being redirected from another flow", "require_outpost", "Require outpost")
	engineModeOptions = choices("any", "any: any policy must match to grant access",
		"all", "all: all policies must match to grant access")
	deniedActionOptions = choices("message_continue", "Message, then continue: follow ?next if set, otherwise show a message",
		"message", "Message: tell the user the flow does not apply", "continue", "Continue: follow ?next or go to the default interface")
	layoutOptions = choices("stacked", "Stacked", "content_left", "Content left", "content_right", "Content right",
		"sidebar_left", "Sidebar left", "sidebar_right", "Sidebar right",
		"sidebar_left_frame_background", "Sidebar left (frame background)", "sidebar_right_frame_background", "Sidebar right (frame background)")
)

func (h *Handler) mountFlows(mux *routes) {
	e := h.flowEntity()
	mux.HandleFunc("GET /if/admin/flows/", h.admin(h.flowList))
	mux.HandleFunc("GET "+importPath, h.admin(h.flowImportForm))
	mux.HandleFunc("POST "+importPath, h.admin(h.flowImport))
	e.mount(mux)
	mux.HandleFunc("GET /if/admin/flows/{id}/", h.admin(e.with(h.flowDetail)))
	mux.HandleFunc("GET /if/admin/flows/{id}/bindings/", h.admin(e.with(h.flowDetail)))
	mux.HandleFunc("GET /if/admin/flows/{id}/policies/", h.admin(e.with(h.flowDetail)))
	mux.HandleFunc("POST /if/admin/flows/{id}/add-invitation-stage/", h.admin(e.with(h.addInvitationStage)))
	h.mountBindings(mux, e)
	h.mountPolicyBindings(mux, e)
}

func (h *Handler) flowEntity() *entity[store.Flow] {
	return &entity[store.Flow]{h: h,
		Singular: "Flow", Base: "/if/admin/flows/", Nav: "flows", model: resource.Flows,
		load: func(ctx context.Context, slug string) (store.Flow, error) {
			return h.App.Store.GetFlowBySlug(ctx, slug)
		},
		form: func(ctx context.Context, obj *store.Flow) (*formDef, error) {
			return &formDef{Fields: []*field{
				{Name: "name", Label: "Name", Kind: "text", Required: true},
				{Name: "title", Label: "Title", Kind: "text", Required: true, Help: "Shown to users while they go through the flow."},
				{Name: "slug", Label: "Slug", Kind: "text", Required: true, Help: "Visible in the URL: /if/flow/<slug>/. Letters, numbers, underscores or hyphens."},
				{Name: "designation", Label: "Designation", Kind: "select", Required: true, Options: designationOptions,
					Help: "Decides what this flow is used for. Invitation flows are Enrollment flows."},
				{Name: "authentication", Label: "Authentication", Kind: "select", Options: authenticationOptions,
					Help: "Required authentication level. Enrollment flows should require unauthenticated users."},
				{Kind: "heading", Label: "Behavior settings"},
				{Name: "policy_engine_mode", Label: "Policy engine mode", Kind: "select", Options: engineModeOptions},
				{Name: "denied_action", Label: "Denied action", Kind: "select", Options: deniedActionOptions,
					Help: "What happens when a policy denies access to the flow."},
				{Name: "compatibility_mode", Label: "Compatibility mode", Kind: "checkbox",
					Help: "Enable for flows shown in embedded browsers of older clients."},
				{Kind: "heading", Label: "Appearance settings"},
				{Name: "layout", Label: "Layout", Kind: "select", Options: layoutOptions},
			}}, nil
		},
		values: func(obj *store.Flow) url.Values {
			if obj == nil {
				return url.Values{"designation": {"enrollment"}, "authentication": {"none"}, "policy_engine_mode": {"any"},
					"denied_action": {"message_continue"}, "layout": {"stacked"}}
			}
			f := *obj
			return url.Values{"name": {f.Name}, "title": {f.Title}, "slug": {f.Slug}, "designation": {f.Designation},
				"authentication": {f.Authentication}, "policy_engine_mode": {f.PolicyEngineMode}, "denied_action": {f.DeniedAction},
				"layout": {f.Layout}, "compatibility_mode": {boolStr(f.CompatibilityMode)}}
		},
		data: func(f *formDef, v url.Values, _ *store.Flow) map[string]any {
			d := map[string]any{"compatibility_mode": checked(v, "compatibility_mode")}
			for _, k := range []string{"name", "title", "slug", "designation", "authentication", "policy_engine_mode", "denied_action", "layout"} {
				d[k] = strings.TrimSpace(v.Get(k))
			}
			return d
		},
		ident: func(f store.Flow) (string, string) {
			return f.Slug, f.Name
		},
		next: func(obj store.Flow) string {
			return "/if/admin/flows/" + url.PathEscape(obj.Slug) + "/"
		},
	}
}
