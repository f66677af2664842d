package api

import (
	"net/http"
	"strconv"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/domain/user"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		mux.HandleFunc("POST /api/v3/core/users/{id}/set_password/{$}", h.superuser(h.userSetPassword))
	})
}

// userSetPassword sets a user's password (authentik's UserViewSet.set_password:
// {"password": "..."}, 204). The rule is domain/user.SetPassword's, as in the
// console and CLI: hash, end the user's other sessions, record password_set.
func (h *Handler) userSetPassword(w http.ResponseWriter, r *http.Request, c *call) error {
	pk, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return store.ErrNotFound
	}
	data, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	pw, _ := data["password"].(string)
	if pw == "" {
		return resource.NewValidationError("password", "This field is required.")
	}
	keep := ""
	if sess := auth.FromContext(r.Context()); sess != nil {
		keep = auth.HashID(sess.ID)
	}
	err = h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		u, err := q.GetUser(r.Context(), pk)
		if err != nil {
			return err
		}
		if err := user.SetPassword(r.Context(), q, h.App.Passwords, h.App.Clock(),
			user.RequestAudit(r.Context(), h.App.Events, r), &u, pw, keep); err != nil {
			return err
		}
		return h.record(r, q, c, event.ModelUpdated, ref(resource.Users, u))
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
