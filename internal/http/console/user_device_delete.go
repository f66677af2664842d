package console

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/usher-id/usher/internal/domain/totp"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
)

// userDeviceDelete removes one of the signed-in user's own TOTP devices
// and records model_deleted, in one transaction.
func (h *Handler) userDeviceDelete(w http.ResponseWriter, r *http.Request, u *store.User) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return store.ErrNotFound
	}
	err = h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		d, err := totp.Remove(r.Context(), q, u.PK, id)
		if err != nil {
			return err
		}
		return h.record(r.Context(), q, r, u, event.ModelDeleted,
			map[string]any{"model": event.Model(store.ModelTOTPDevice, d.ID, d.Name)})
	})
	if errors.Is(err, store.ErrNotFound) {
		return h.redirect(w, r, "/if/user/", flash{"error", "That device does not exist (it may have been removed already)."})
	}
	if err != nil {
		return err
	}
	return h.redirect(w, r, "/if/user/", flash{"ok", "The authenticator app was removed."})
}
