package api

import (
	"net/http"

	"github.com/usher-id/usher/internal/resource"
)

func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		mux.HandleFunc("GET /api/v3/stages/email/templates/{$}", h.superuser(h.emailTemplates))
	})
}

// emailTemplates lists the email stage's template choices as authentik's
// TypeCreate list (stages/email/api.py, EmailStageViewSet.templates):
// name is the value to store, description its label.
func (h *Handler) emailTemplates(w http.ResponseWriter, r *http.Request, c *call) error {
	out := []map[string]any{}
	for _, o := range resource.EmailTemplateOptions(h.App.TemplatesDir) {
		out = append(out, map[string]any{"name": o[0], "description": o[1], "component": "", "model_name": ""})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
