package api

import (
	"net/http"
	"strconv"

	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// invitationUsedBy answers GET .../invitations/{pk}/used_by/ in authentik's
// UsedBy shape, one entry per recorded use: the use records go with the
// invitation when it is deleted ("cascade"). usher adds who used it and
// when: user (pk or null once deleted), username, used_at, client_ip.
func (h *Handler) invitationUsedBy(w http.ResponseWriter, r *http.Request, c *call) error {
	id, ok := resource.NormUUID(r.PathValue("pk"))
	if !ok {
		return store.ErrNotFound
	}
	if _, err := h.App.Store.GetInvitation(r.Context(), id); err != nil {
		return err
	}
	uses, err := h.App.Store.ListInvitationUses(r.Context(), id)
	if err != nil {
		return err
	}
	out := []any{}
	for _, u := range uses {
		var user any
		if u.UserPK != nil {
			user = *u.UserPK
		}
		out = append(out, map[string]any{
			"app": "authentik_stages_invitation", "model_name": "invitationuse", "pk": strconv.FormatInt(u.ID, 10),
			"name": u.Username, "action": "cascade",
			"user": user, "username": u.Username, "used_at": fieldrule.FormatTime(u.UsedAt), "client_ip": u.ClientIP,
		})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
