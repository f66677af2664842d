package console

import (
	"net/http"

	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/store"
)

// Default flow slugs when the brand names none.
const (
	defaultAuthFlow         = "default-authentication-flow"
	defaultInvalidationFlow = "default-invalidation-flow"
)

// brandFor picks the request's brand (internal/brand rules); a database
// error falls back to the built-in brand so error pages still render.
func (h *Handler) brandFor(r *http.Request) store.Brand {
	b, err := brand.ForRequest(r.Context(), h.App.Store, r)
	if err != nil {
		h.log().WarnContext(r.Context(), "web: brand lookup", "error", err)
		return brand.Builtin
	}
	b.BrandingTitle = brand.Title(b)
	return b
}

// flowSlug returns the slug of the brand's flow uuid, or def when the brand
// sets none or the flow is gone.
func (h *Handler) flowSlug(r *http.Request, uuid *string, def string) string {
	if uuid == nil || *uuid == "" {
		return def
	}
	f, err := h.App.Store.GetFlow(r.Context(), *uuid)
	if err != nil {
		return def
	}
	return f.Slug
}
