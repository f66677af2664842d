package api

import (
	"net/http"
	"strings"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/resource"
)

func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		mux.HandleFunc("GET /api/v3/stages/all/types/{$}", h.superuser(h.types(resource.StageTypes)))
		mux.HandleFunc("GET /api/v3/policies/all/types/{$}", h.superuser(h.types(resource.PolicyTypes)))
		mux.HandleFunc("GET /api/v3/events/events/actions/{$}", h.authenticated(h.eventActions))
	})
}

// types lists the creatable subtypes (authentik's TypesMixin): a plain list.
func (h *Handler) types(list func() []resource.TypeCreate) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		writeJSON(w, http.StatusOK, list())
		return nil
	}
}

// eventActions lists the actions the events API shows (authentik's
// EventViewSet.actions: name is the label, component the value).
func (h *Handler) eventActions(w http.ResponseWriter, r *http.Request, c *call) error {
	out := []resource.TypeCreate{}
	for _, a := range event.APIActions() {
		name := strings.ReplaceAll(a, "_", " ")
		name = strings.ToUpper(name[:1]) + name[1:]
		out = append(out, resource.TypeCreate{Name: name, Description: "", Component: a, ModelName: ""})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
