package console

import (
	"net/http"

	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/store"
)

type userPage struct {
	Apps      []store.Application
	Groups    []store.Group
	Superuser bool
	LogoutURL string
	Password  *formDef
	CanInvite bool // a delegate (issue 18): links to /if/user/invitations/
	Devices   []deviceRow
	Setup     []setupLink
}

// userInterface is the signed-in user's page: applications, details, change
// password, sign out.
func (h *Handler) userInterface(w http.ResponseWriter, r *http.Request, u *store.User) error {
	return h.renderUserPage(w, r, u, http.StatusOK, passwordForm(nil))
}

func (h *Handler) renderUserPage(w http.ResponseWriter, r *http.Request, u *store.User, status int, pw *formDef) error {
	if ok, err := h.internalOnly(w, r, u); !ok {
		return err
	}
	ctx := r.Context()
	apps, err := h.App.Store.ListApplications(ctx)
	if err != nil {
		return err
	}
	var launchable []store.Application
	for _, a := range apps {
		if safeLaunchURL(a.MetaLaunchURL) {
			launchable = append(launchable, a)
		}
	}
	groups, err := h.App.Store.UserGroups(ctx, u.PK)
	if err != nil {
		return err
	}
	super, err := h.App.Store.IsSuperuser(ctx, u.PK)
	if err != nil {
		return err
	}
	allow, err := invitation.Allowances(ctx, h.App.Store, u.PK)
	if err != nil {
		return err
	}
	devices, setup, err := h.userDevices(ctx, u)
	if err != nil {
		return err
	}
	v := h.view(r, u, "My account", "")
	if mustChangePassword(u) && len(v.Flash) == 0 {
		v.Flash = append(v.Flash, flash{"warn", msgChangePassword})
	}
	v.P = userPage{Apps: launchable, Groups: groups, Superuser: super, LogoutURL: h.logoutURL(r), Password: pw,
		CanInvite: len(allow) > 0, Devices: devices, Setup: setup}
	return h.render(w, r, status, "user_interface", v)
}
