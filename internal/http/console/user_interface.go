package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"

	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/domain/application"
	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/domain/user"
	"github.com/usher-id/usher/internal/policy"
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
	// SettingsURL runs the brand's user settings flow (flow_user_settings),
	// "" when none is set; an email stage in it verifies a new address.
	SettingsURL   string
	EmailVerified bool
	// PasswordFlowURL runs the password stage's configure_flow (authentik's
	// user settings link "Change password"), which applies the flow's
	// password policies; "" shows the form on the page.
	PasswordFlowURL string
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
	launchable, err := h.openableApps(r, u, apps)
	if err != nil {
		return err
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
	settingsURL := ""
	if b, err := brand.ForRequest(ctx, h.App.Store, r); err != nil {
		return err
	} else if b.FlowUserSettings != nil {
		if f, err := h.App.Store.GetFlow(ctx, *b.FlowUserSettings); err == nil {
			settingsURL = "/if/flow/" + url.PathEscape(f.Slug) + "/?next=" + url.QueryEscape("/if/user/")
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	pwFlow := ""
	if !mustChangePassword(u) {
		if pwFlow, err = h.passwordChangeFlow(ctx); err != nil {
			return err
		}
	}
	v := h.view(r, u, "My account", "")
	if mustChangePassword(u) && len(v.Flash) == 0 {
		v.Flash = append(v.Flash, flash{"warn", msgChangePassword})
	}
	v.P = userPage{Apps: launchable, Groups: groups, Superuser: super, LogoutURL: h.logoutURL(r), Password: pw,
		CanInvite: len(allow) > 0, Devices: devices, Setup: setup, SettingsURL: settingsURL,
		EmailVerified: user.EmailVerified(*u), PasswordFlowURL: pwFlow}
	return h.render(w, r, status, "user_interface", v)
}

// passwordChangeFlow is the page that changes a password through a flow:
// the configure_flow of a password stage (authentik's PasswordStage
// ui_user_settings), first by stage name; "" when none has one.
func (h *Handler) passwordChangeFlow(ctx context.Context) (string, error) {
	stages, err := h.App.Store.ListStages(ctx)
	if err != nil {
		return "", err
	}
	for _, st := range stages {
		if st.Kind != store.StagePassword || st.Password == nil || st.Password.ConfigureFlow == nil {
			continue
		}
		f, err := h.App.Store.GetFlow(ctx, *st.Password.ConfigureFlow)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return "", err
		}
		return "/if/flow/" + url.PathEscape(f.Slug) + "/?next=" + url.QueryEscape("/if/user/"), nil
	}
	return "", nil
}

// openableApps are the applications of apps that u may open (their
// policy, group and user bindings; authentik's user library lists only
// those) and that have a usable launch URL, in name order.
func (h *Handler) openableApps(r *http.Request, u *store.User, apps []store.Application) ([]store.Application, error) {
	ctx := r.Context()
	engine := policy.NewEngine(h.App)
	var out []store.Application
	for _, a := range apps {
		if !safeLaunchURL(application.LaunchURL(ctx, h.App.Store, a)) {
			continue
		}
		ok, _, err := application.Access(ctx, engine, h.App.Store, a, u, r)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, a)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
