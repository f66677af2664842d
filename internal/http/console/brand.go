package console

import (
	"context"
	"net/http"
	"net/url"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

var brandFlowFields = []struct{ Name, Label, Help string }{
	{"flow_authentication", "Authentication flow", "Flow used to sign users in. Default: default-authentication-flow."},
	{"flow_invalidation", "Invalidation flow", "Flow used to sign users out. Default: default-invalidation-flow."},
	{"flow_recovery", "Recovery flow", ""},
	{"flow_unenrollment", "Unenrollment flow", ""},
	{"flow_user_settings", "User settings flow", ""},
}

func (h *Handler) mountBrands(mux *routes) {
	mux.HandleFunc("GET /if/admin/brands/", h.admin(h.brandList))
	h.brandEntity().mount(mux)
}

func (h *Handler) brandEntity() *entity[store.Brand] {
	return &entity[store.Brand]{h: h,
		Singular: "Brand", Base: "/if/admin/brands/", Nav: "brands", model: resource.Brands,
		load: func(ctx context.Context, id string) (store.Brand, error) { return h.App.Store.GetBrand(ctx, id) },
		form: func(ctx context.Context, obj *store.Brand) (*formDef, error) {
			flows, err := h.flowOptions(ctx, "Not set")
			if err != nil {
				return nil, err
			}
			apps, err := h.App.Store.ListApplications(ctx)
			if err != nil {
				return nil, err
			}
			aopts := []option{{Value: "", Label: "No default application"}}
			for _, a := range apps {
				aopts = append(aopts, option{Value: a.UUID, Label: a.Name + " (" + a.Slug + ")"})
			}
			fields := []*field{
				{Name: "domain", Label: "Domain", Kind: "text", Required: true,
					Help: "Matched against the request host: the domain itself and its subdomains."},
				{Name: "default", Label: "Default", Kind: "checkbox", Help: "Use this brand when no domain matches."},
				{Kind: "heading", Label: "Branding settings"},
				{Name: "branding_title", Label: "Title", Kind: "text", Help: "Shown in the browser tab and page headers."},
				{Name: "branding_logo", Label: "Logo", Kind: "text", Help: "URL or path of the logo."},
				{Name: "branding_favicon", Label: "Favicon", Kind: "text"},
				{Kind: "heading", Label: "Default flows"},
			}
			for _, bf := range brandFlowFields {
				fields = append(fields, &field{Name: bf.Name, Label: bf.Label, Kind: "select", Options: flows, Nullable: true, Help: bf.Help})
			}
			fields = append(fields, &field{Kind: "heading", Label: "Other global settings"},
				&field{Name: "default_application", Label: "Default application", Kind: "select", Options: aopts, Nullable: true,
					Help: "When set, external users will be redirected to this application after authenticating."})
			return &formDef{Fields: fields}, nil
		},
		values: func(obj *store.Brand) url.Values {
			if obj == nil {
				return url.Values{"branding_title": {"usher"}}
			}
			b := *obj
			return url.Values{"domain": {b.Domain}, "default": {boolStr(b.Default)}, "branding_title": {b.BrandingTitle},
				"branding_logo": {b.BrandingLogo}, "branding_favicon": {b.BrandingFavicon},
				"flow_authentication": {strPtr(b.FlowAuthentication)}, "flow_invalidation": {strPtr(b.FlowInvalidation)},
				"flow_recovery": {strPtr(b.FlowRecovery)}, "flow_unenrollment": {strPtr(b.FlowUnenrollment)},
				"flow_user_settings": {strPtr(b.FlowUserSettings)}, "default_application": {strPtr(b.DefaultApplication)}}
		},
		ident: func(b store.Brand) (string, string) {
			return b.UUID, b.Domain
		},
	}
}

type brandRow struct {
	Brand          store.Brand
	Auth, Inval    string
	DefaultAppName string
}

func (h *Handler) brandList(w http.ResponseWriter, r *http.Request, u *store.User) error {
	ctx := r.Context()
	brands, err := h.App.Store.ListBrands(ctx)
	if err != nil {
		return err
	}
	var rows []brandRow
	for _, b := range brands {
		row := brandRow{Brand: b, Auth: h.flowSlug(r, b.FlowAuthentication, "-"), Inval: h.flowSlug(r, b.FlowInvalidation, "-")}
		if b.DefaultApplication != nil {
			if a, err := h.App.Store.GetApplication(ctx, *b.DefaultApplication); err == nil {
				row.DefaultAppName = a.Name
			}
		}
		rows = append(rows, row)
	}
	v := h.view(r, u, "Brands", "brands")
	v.P = rows
	return h.render(w, r, http.StatusOK, "brand_list", v)
}
