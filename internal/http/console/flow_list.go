package console

import (
	"net/http"
	"sort"

	"github.com/usher-id/usher/internal/store"
)

type flowRow struct {
	Flow       store.Flow
	Stages     int
	Invitation bool
	// Designation as the form words it ("Enrollment").
	Designation string
}

// flowList is Flows and Stages > Flows.
func (h *Handler) flowList(w http.ResponseWriter, r *http.Request, u *store.User) error {
	ctx := r.Context()
	ff, err := loadFlowFacts(ctx, h.App.Store)
	if err != nil {
		return err
	}
	bindings, err := h.App.Store.ListBindings(ctx, "")
	if err != nil {
		return err
	}
	count := map[string]int{}
	for _, b := range bindings {
		count[b.Target]++
	}
	search := listSearch(r)
	var rows []flowRow
	for _, f := range ff.flows {
		if !matches(search, f.Name, f.Slug, f.Designation) {
			continue
		}
		rows = append(rows, flowRow{f, count[f.UUID], ff.invitable[f.UUID], optionLabel(designationOptions, f.Designation)})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Flow.Slug < rows[j].Flow.Slug })
	v := h.view(r, u, "Flows", "flows")
	v.P = searchedList[flowRow]{rows, &pager{Base: "/if/admin/flows/", Search: search}}
	return h.render(w, r, http.StatusOK, "flow_list", v)
}
