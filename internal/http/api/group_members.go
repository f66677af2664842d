package api

import (
	"net/http"

	"github.com/usher-id/usher/internal/domain/group"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		mux.HandleFunc("POST /api/v3/core/groups/{pk}/add_user/{$}", h.superuser(h.groupMember(true)))
		mux.HandleFunc("POST /api/v3/core/groups/{pk}/remove_user/{$}", h.superuser(h.groupMember(false)))
	})
}

// groupMember adds or removes the user {"pk": n} (authentik's
// GroupViewSet.add_user / remove_user: 204; an unknown group or user is a
// 404), through domain/group as the console does.
func (h *Handler) groupMember(add bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		id, ok := resource.NormUUID(r.PathValue("pk"))
		if !ok {
			return store.ErrNotFound
		}
		data, err := h.readBody(w, r)
		if err != nil {
			return err
		}
		pk, ok := data["pk"].(float64)
		if !ok || pk != float64(int64(pk)) {
			return resource.NewValidationError("pk", "A valid integer is required.")
		}
		err = h.App.Store.Tx(r.Context(), func(q store.Queries) error {
			g, err := q.GetGroup(r.Context(), id)
			if err != nil {
				return err
			}
			u, err := q.GetUser(r.Context(), int64(pk))
			if err != nil {
				return err
			}
			if add {
				err = group.AddMember(r.Context(), q, g.UUID, u.PK)
			} else {
				err = group.RemoveMember(r.Context(), q, g.UUID, u.PK)
			}
			if err != nil {
				return err
			}
			return h.record(r, q, c, event.ModelUpdated, ref(resource.Groups, g))
		})
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
