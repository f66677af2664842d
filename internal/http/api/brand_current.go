package api

import (
	"net/http"

	"github.com/usher-id/usher/internal/brand"
)

func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		mux.HandleFunc("GET /api/v3/core/brands/current/{$}", h.public(h.brandCurrent))
	})
}

// brandCurrent is the brand serving this request (authentik's
// BrandViewSet.current, open to anyone): branding and its flows by slug.
func (h *Handler) brandCurrent(w http.ResponseWriter, r *http.Request) error {
	b, err := brand.ForRequest(r.Context(), h.App.Store, r)
	if err != nil {
		return err
	}
	slug := func(id *string) any {
		if id == nil {
			return nil
		}
		f, err := h.App.Store.GetFlow(r.Context(), *id)
		if err != nil {
			return nil
		}
		return f.Slug
	}
	title := brand.Title(b)
	logo := b.BrandingLogo
	if logo == "" {
		logo = brand.DefaultLogo
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"matched_domain": b.Domain, "branding_title": title, "branding_logo": logo,
		"branding_logo_themed_urls": nil, "branding_favicon": b.BrandingFavicon, "branding_favicon_themed_urls": nil,
		"branding_custom_css": "", "branding_map_tiles": "", "ui_footer_links": []any{}, "ui_theme": "automatic",
		"flow_authentication": slug(b.FlowAuthentication), "flow_invalidation": slug(b.FlowInvalidation),
		"flow_recovery": slug(b.FlowRecovery), "flow_unenrollment": slug(b.FlowUnenrollment),
		"flow_user_settings": slug(b.FlowUserSettings), "flow_user_switch": nil, "flow_device_code": nil,
		"flow_lockdown": nil, "flow_request": nil, "default_locale": "",
		"flags": map[string]any{"flows_continuous_login": false, "flows_refresh_others": false},
	})
	return nil
}
