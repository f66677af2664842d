package console

import (
	"net/http"
	"sort"

	"github.com/usher-id/usher/internal/store"
)

type stageRow struct {
	Stage store.Stage
	Kind  string
	Flows []store.Flow
}

// stageList is Flows and Stages > Stages, with the flows each stage is bound to.
func (h *Handler) stageList(w http.ResponseWriter, r *http.Request, u *store.User) error {
	ctx := r.Context()
	ff, err := loadFlowFacts(ctx, h.App.Store)
	if err != nil {
		return err
	}
	stages, err := h.App.Store.ListStages(ctx)
	if err != nil {
		return err
	}
	bindings, err := h.App.Store.ListBindings(ctx, "")
	if err != nil {
		return err
	}
	flowsOf := map[string][]store.Flow{}
	for _, b := range bindings {
		if f, ok := ff.byUUID[b.Target]; ok {
			flowsOf[b.Stage] = append(flowsOf[b.Stage], f)
		}
	}
	search := listSearch(r)
	var rows []stageRow
	for _, s := range stages {
		label := stageKindLabel(s.Kind)
		if !matches(search, s.Name, label) {
			continue
		}
		rows = append(rows, stageRow{s, label, flowsOf[s.UUID]})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Stage.Name < rows[j].Stage.Name })
	v := h.view(r, u, "Stages", "stages")
	v.P = searchedList[stageRow]{rows, &pager{Base: "/if/admin/stages/", Search: search}}
	return h.render(w, r, http.StatusOK, "stage_list", v)
}

type stageType struct {
	Kind                    store.StageKind
	Label, Description, URL string
}

// stageTypeList is the first step of Create: pick the stage type.
func (h *Handler) stageTypeList(w http.ResponseWriter, r *http.Request, u *store.User) error {
	var types []stageType
	for _, k := range store.StageKinds {
		t := stageTypes[k]
		types = append(types, stageType{k, t.Label, t.Description, "/if/admin/stages/new/?type=" + string(k)})
	}
	v := h.view(r, u, "Create Stage", "stages")
	v.Back = &link{URL: "/if/admin/stages/", Label: "Stages"}
	v.P = types
	return h.render(w, r, http.StatusOK, "stage_types", v)
}
