package api

import (
	"net/http"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// stageAllList answers GET /api/v3/stages/all/: every stage in the common
// Stage shape plus its own fields.
func (h *Handler) stageAllList(w http.ResponseWriter, r *http.Request, c *call) error {
	p, ok := pageOf(r)
	if !ok {
		return errInvalidPage
	}
	rc := h.resourceCtx(r, c, h.App.Store)
	stages, err := h.App.Store.ListStages(r.Context())
	if err != nil {
		return err
	}
	objs := make([]map[string]any, 0, len(stages))
	for _, s := range stages {
		m, err := resource.SerializeStage(rc, s)
		if err != nil {
			return err
		}
		objs = append(objs, m)
	}
	q := r.URL.Query()
	lq := listQuery{Page: p, Ordering: q.Get("ordering"), Search: q.Get("search"), Params: q}
	writePage(w, r, lq, objs, withAliases(filters("name"), "stage_uuid", "pk"), []string{"name"}, "name")
	return nil
}

func (h *Handler) anyStage(r *http.Request) (store.Stage, *resource.Model[store.Stage], error) {
	id, ok := resource.NormUUID(r.PathValue("pk"))
	if !ok {
		return store.Stage{}, nil, store.ErrNotFound
	}
	s, err := h.App.Store.GetStage(r.Context(), id)
	if err != nil {
		return s, nil, err
	}
	m, ok := resource.StageModel(s.Kind)
	if !ok {
		return s, nil, store.ErrNotFound
	}
	return s, m, nil
}

func (h *Handler) stageAllRetrieve(w http.ResponseWriter, r *http.Request, c *call) error {
	s, _, err := h.anyStage(r)
	if err != nil {
		return err
	}
	m, err := resource.SerializeStage(h.resourceCtx(r, c, h.App.Store), s)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (h *Handler) stageAllDelete(w http.ResponseWriter, r *http.Request, c *call) error {
	s, m, err := h.anyStage(r)
	if err == nil {
		err = h.App.Store.Tx(r.Context(), func(q store.Queries) error {
			if err := m.Delete(h.resourceCtx(r, c, q), s); err != nil {
				return err
			}
			return h.record(r, q, c, event.ModelDeleted, ref(m, s))
		})
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
