package console

import (
	"net/http"

	"github.com/usher-id/usher/internal/store"
)

type stat struct {
	Label, URL string
	Count      int
}

// adminOverview shows counts (paged queries with limit 1 return the total)
// and where to start.
func (h *Handler) adminOverview(w http.ResponseWriter, r *http.Request, u *store.User) error {
	ctx := r.Context()
	s := h.App.Store
	_, users, err1 := s.ListUsers(ctx, store.UserFilter{Limit: 1})
	_, groups, err2 := s.ListGroups(ctx, store.GroupFilter{Limit: 1})
	_, invs, err3 := s.ListInvitations(ctx, store.InvitationFilter{Limit: 1})
	flows, err4 := s.ListFlows(ctx)
	apps, err5 := s.ListApplications(ctx)
	for _, err := range []error{err1, err2, err3, err4, err5} {
		if err != nil {
			return err
		}
	}
	v := h.view(r, u, "Overview", "overview")
	v.P = struct{ Stats []stat }{[]stat{
		{"Users", "/if/admin/users/", users}, {"Groups", "/if/admin/groups/", groups},
		{"Invitations", "/if/admin/invitations/", invs}, {"Flows", "/if/admin/flows/", len(flows)},
		{"Applications", "/if/admin/applications/", len(apps)},
	}}
	return h.render(w, r, http.StatusOK, "admin_overview", v)
}
