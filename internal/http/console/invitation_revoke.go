package console

import (
	"net/http"
	"net/url"

	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/store"
)

func (h *Handler) invitationConfirmRevoke(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.Invitation], inv store.Invitation) error {
	v := h.view(r, u, "Revoke invitation", e.Nav)
	v.P = confirmPage{
		Question: "Revoke invitation " + inv.Name + "?",
		Detail:   "Its link stops working at once. The invitation stays listed, with who used it, until you delete it.",
		Action:   e.Base + url.PathEscape(inv.UUID) + "/revoke/", Cancel: e.Base, Button: "Revoke",
	}
	return h.render(w, r, http.StatusOK, "confirm", v)
}

// invitationRevoke marks the invitation revoked (usher's addition; the
// API has no field for it) and records invitation_revoked.
func (h *Handler) invitationRevoke(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.Invitation], inv store.Invitation) error {
	err := h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		_, err := invitation.Revoke(r.Context(), h.App, q, u, inv.UUID)
		return err
	})
	if err != nil {
		return err
	}
	return h.redirect(w, r, e.Base, flash{"ok", "Invitation " + inv.Name + " revoked."})
}
