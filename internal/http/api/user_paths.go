package api

import (
	"net/http"
	"strings"
)

// userPaths answers GET /api/v3/core/users/paths/ with every user path,
// optionally filtered by ?search=.
func (h *Handler) userPaths(w http.ResponseWriter, r *http.Request, c *call) error {
	paths, err := h.App.Store.UserPaths(r.Context())
	if err != nil {
		return err
	}
	term := strings.ToLower(r.URL.Query().Get("search"))
	out := []string{}
	for _, p := range paths {
		if term == "" || strings.Contains(strings.ToLower(p), term) {
			out = append(out, p)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"paths": out})
	return nil
}
