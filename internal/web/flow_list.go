package web

import (
	"net/http"
	"sort"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

type flowRow struct {
	Flow       store.Flow
	Stages     int
	Invitation bool
}

// flowList is Flows and Stages > Flows.
func (h *Handler) flowList(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	ff, err := loadFlowFacts(ctx, h.App.Store)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	bindings, err := h.App.Store.ListBindings(ctx, "")
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	count := map[string]int{}
	for _, b := range bindings {
		count[b.Target]++
	}
	search := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("search")))
	var rows []flowRow
	for _, f := range ff.flows {
		if search != "" && !strings.Contains(strings.ToLower(f.Name+" "+f.Slug+" "+f.Designation), search) {
			continue
		}
		rows = append(rows, flowRow{f, count[f.UUID], ff.invitable[f.UUID]})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Flow.Slug < rows[j].Flow.Slug })
	v := h.view(r, u, "Flows", "flows")
	v.P = struct {
		Rows  []flowRow
		Pager *pager
	}{rows, &pager{Base: "/if/admin/flows/", Search: search}}
	h.render(w, r, http.StatusOK, "flow_list", v)
}
