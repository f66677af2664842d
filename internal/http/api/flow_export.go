package api

import (
	"net/http"

	"github.com/usher-id/usher/internal/blueprint"
)

func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		mux.HandleFunc("GET /api/v3/flows/instances/{slug}/export/{$}", h.superuser(h.flowExport))
	})
}

// flowExport answers GET /api/v3/flows/instances/{slug}/export/ with the
// flow as a blueprint file, as authentik's export does.
func (h *Handler) flowExport(w http.ResponseWriter, r *http.Request, c *call) error {
	slug := r.PathValue("slug")
	data, err := blueprint.ExportFlow(r.Context(), h.App.Store, slug)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/yaml")
	// Slugs are letters, digits, "-" and "_" (checked on save), safe to quote as is.
	w.Header().Set("Content-Disposition", `attachment; filename="`+slug+`.yaml"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
	return nil
}
