package console

import (
	"net/http"
	"strconv"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/domain/user"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

type userDetailPage struct {
	User      store.User
	Groups    []store.Group
	Superuser bool
	Password  *formDef
	Base      string
	Devices   []deviceRow
	Recovery  recoveryCard
}

// recoveryCard is the user page's account recovery card.
type recoveryCard struct {
	Flow   string        // the brand's recovery flow slug; "" when none
	Stages []store.Stage // email stages to send the link with
	Link   string        // a link just created
}

func adminPasswordForm(base string) *formDef {
	return &formDef{Action: base + "password/", Submit: "Set password", Fields: []*field{
		{Name: "password", Label: "New password", Kind: "password", Required: true, Autocomplete: "new-password"},
		{Name: "password_repeat", Label: "New password (repeat)", Kind: "password", Required: true, Autocomplete: "new-password"},
	}}
}

func (h *Handler) userDetail(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.User], target store.User) error {
	return h.renderUserDetail(w, r, u, target, http.StatusOK, adminPasswordForm(userBase(target)))
}

func userBase(u store.User) string { return "/if/admin/users/" + strconv.FormatInt(u.PK, 10) + "/" }

func (h *Handler) renderUserDetail(w http.ResponseWriter, r *http.Request, u *store.User, target store.User, status int, pw *formDef) error {
	return h.renderUserDetailLink(w, r, u, target, status, pw, "")
}

func (h *Handler) renderUserDetailLink(w http.ResponseWriter, r *http.Request, u *store.User, target store.User, status int, pw *formDef, recoveryLink string) error {
	ctx := r.Context()
	groups, err := h.App.Store.UserGroups(ctx, target.PK)
	if err != nil {
		return err
	}
	super, err := h.App.Store.IsSuperuser(ctx, target.PK)
	if err != nil {
		return err
	}
	devices, _, err := h.userDevices(ctx, &target)
	if err != nil {
		return err
	}
	v := h.view(r, u, target.Username, "users")
	v.Back = &link{URL: "/if/admin/users/", Label: "Users"}
	rc, err := h.recoveryCard(r)
	if err != nil {
		return err
	}
	rc.Link = recoveryLink
	v.P = userDetailPage{User: target, Groups: groups, Superuser: super, Password: pw, Base: userBase(target), Devices: devices, Recovery: rc}
	return h.render(w, r, status, "user_detail", v)
}

// userSetPassword sets a user's password (admin action, no current password).
func (h *Handler) userSetPassword(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.User], target store.User) error {
	f := adminPasswordForm(userBase(target))
	p1, p2 := r.PostFormValue("password"), r.PostFormValue("password_repeat")
	switch {
	case p1 == "":
		f.field("password").Errors = []string{"This field is required."}
	case p1 != p2:
		f.field("password_repeat").Errors = []string{"Passwords don't match."}
	}
	if f.hasErrors() {
		return h.renderUserDetail(w, r, u, target, http.StatusUnprocessableEntity, f)
	}
	// The admin's own session survives when they set their own password.
	keep := ""
	if sess := auth.FromContext(r.Context()); sess != nil {
		keep = auth.HashID(sess.ID)
	}
	err := h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		if err := user.SetPassword(r.Context(), q, h.App.Passwords, h.App.Clock(), h.audit(r), &target, p1, keep); err != nil {
			return err
		}
		return h.record(r.Context(), q, r, u, event.ModelUpdated, ref(resource.Users, target))
	})
	if err != nil {
		return err
	}
	return h.redirect(w, r, userBase(target), flash{"ok", "Password of " + target.Username + " set."})
}

func (h *Handler) userConfirmActive(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.User], target store.User) error {
	p := confirmPage{Action: userBase(target) + "active/", Cancel: userBase(target)}
	if target.IsActive {
		p.Question, p.Button = "Deactivate "+target.Username+"?", "Deactivate"
		p.Detail = "The user can no longer sign in and their sessions end. Invitations they created keep working."
	} else {
		p.Question, p.Button = "Activate "+target.Username+"?", "Activate"
		p.Detail = "The user can sign in again."
	}
	v := h.view(r, u, p.Question, "users")
	v.P = p
	return h.render(w, r, http.StatusOK, "confirm", v)
}

// userToggleActive deactivates (ending the user's sessions) or reactivates.
func (h *Handler) userToggleActive(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.User], target store.User) error {
	if target.PK == u.PK && target.IsActive {
		return h.redirect(w, r, userBase(target), flash{"error", "You cannot deactivate your own account."})
	}
	err := h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		if err := user.SetActive(r.Context(), q, &target, !target.IsActive); err != nil {
			return err
		}
		return h.record(r.Context(), q, r, u, event.ModelUpdated, ref(resource.Users, target))
	})
	if err != nil {
		return err
	}
	msg := target.Username + " deactivated."
	if target.IsActive {
		msg = target.Username + " activated."
	}
	return h.redirect(w, r, userBase(target), flash{"ok", msg})
}
