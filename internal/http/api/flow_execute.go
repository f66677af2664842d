package api

import (
	"net/http"
	"net/url"

	"github.com/usher-id/usher/internal/httpx"
)

// flowExecute answers GET /api/v3/flows/instances/{slug}/execute/ with the
// absolute link that runs the flow.
func (h *Handler) flowExecute(w http.ResponseWriter, r *http.Request, c *call) error {
	f, err := h.App.Store.GetFlowBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"link": httpx.BaseURL(r) + "/if/flow/" + url.PathEscape(f.Slug) + "/"})
	return nil
}
