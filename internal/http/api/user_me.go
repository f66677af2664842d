package api

import (
	"net/http"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// userMe answers GET /api/v3/core/users/me/ in authentik's SessionUser
// shape: {"user": {...}, "users": [...]}. Any authenticated user may call it.
func (h *Handler) userMe(w http.ResponseWriter, r *http.Request, c *call) error {
	self, err := h.userSelf(r, c.User)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": self, "users": []any{self}})
	return nil
}

// userSelf is authentik's UserSelf serializer.
func (h *Handler) userSelf(r *http.Request, u store.User) (map[string]any, error) {
	ctx := r.Context()
	groups, err := h.App.Store.UserGroups(ctx, u.PK)
	if err != nil {
		return nil, err
	}
	super, err := h.App.Store.IsSuperuser(ctx, u.PK)
	if err != nil {
		return nil, err
	}
	gs := []any{}
	for _, g := range groups {
		gs = append(gs, map[string]any{"name": g.Name, "pk": g.UUID})
	}
	return map[string]any{
		"pk": u.PK, "username": u.Username, "name": u.Name, "is_active": u.IsActive, "is_superuser": super,
		"is_current": true, "groups": gs, "roles": []any{}, "email": u.Email, "avatar": resource.AvatarURL,
		"uid": resource.UserUID(u), "settings": map[string]any{}, "type": u.Type, "system_permissions": []string{},
	}, nil
}
