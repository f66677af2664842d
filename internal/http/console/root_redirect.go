package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/usher-id/usher/internal/domain/application"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/store"
)

// Message shown to non-internal users with nowhere to go (authentik's core/views/interface.py; the invitations
// page's troubleshooting quotes it).
const internalOnlyMessage = "Interface can only be accessed by internal users."

// rootRedirect sends anonymous visitors to sign in and signed-in users to
// their interface.
func (h *Handler) rootRedirect(w http.ResponseWriter, r *http.Request) error {
	u, err := h.currentUser(r)
	if err != nil {
		return err
	}
	if u == nil {
		httpx.Redirect(w, r, h.loginURL(r, "/"), "/", http.StatusFound)
		return nil
	}
	if ok, err := h.internalOnly(w, r, u); !ok {
		return err
	}
	httpx.Redirect(w, r, "/if/user/", "/", http.StatusFound)
	return nil
}

// internalOnly reports whether u may use the interfaces. Other user types
// go to the brand's default application or, without one, get the
// access-denied page (HTTP 200, as authentik does). When it reports false
// it has answered, or returns the error to show.
func (h *Handler) internalOnly(w http.ResponseWriter, r *http.Request, u *store.User) (bool, error) {
	if u.Type == store.UserTypeInternal || u.Type == "" {
		return true, nil
	}
	b := h.brandFor(r)
	if b.DefaultApplication != nil {
		if a, err := h.App.Store.GetApplication(r.Context(), *b.DefaultApplication); err == nil {
			httpx.Redirect(w, r, "/application/launch/"+url.PathEscape(a.Slug)+"/", "/", http.StatusFound)
			return false, nil
		}
	}
	v := h.view(r, u, "Access denied", "")
	v.P = internalOnlyMessage
	return false, h.render(w, r, http.StatusOK, "access_denied", v)
}

func (h *Handler) logoutURL(r *http.Request) string { return h.logoutURLFor(r, h.brandFor(r)) }

// logoutURLFor is the brand's invalidation flow.
func (h *Handler) logoutURLFor(r *http.Request, b store.Brand) string {
	return "/if/flow/" + url.PathEscape(h.flowSlug(r, b.FlowInvalidation, defaultInvalidationFlow)) + "/"
}

// appLaunch sends a signed-in user to the application's launch URL (its
// meta_launch_url, else derived from its provider), when the application's
// bindings let the user open it: the user page lists only those, and the
// launch link must not be a way around them.
func (h *Handler) appLaunch(w http.ResponseWriter, r *http.Request, u *store.User) error {
	a, err := h.App.Store.GetApplicationBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return store.ErrNotFound
	}
	ok, msgs, err := application.Access(r.Context(), policy.NewEngine(h.App), h.App.Store, a, u, r)
	if err != nil {
		return err
	}
	if !ok {
		msg := "You do not have access to the application " + a.Name + "."
		if len(msgs) > 0 {
			msg += " " + strings.Join(msgs, " ")
		}
		return errPage(http.StatusForbidden, "Permission denied", msg)
	}
	to, ok := launchTarget(application.LaunchURL(r.Context(), h.App.Store, a))
	if !ok {
		return errPage(http.StatusNotFound, "No launch URL",
			"The application "+a.Name+" has no usable launch URL (it must start with http://, https:// or /). An administrator can set one under Applications.")
	}
	httpx.SendRedirect(w, r, to, http.StatusFound)
	return nil
}

// safeLaunchURL accepts http(s) URLs and site-relative paths, never
// javascript: or other schemes.
func safeLaunchURL(s string) bool {
	_, ok := launchTarget(s)
	return ok
}

// launchTarget is the Location for a launch URL: an administrator's absolute
// http(s) URL as is (with non-ASCII escaped, as http.Redirect does), or a
// path that httpx.LocalRedirect accepts, as it returns it.
func launchTarget(s string) (string, bool) {
	if to, ok := httpx.LocalRedirect(s); ok {
		return to, true
	}
	if s == "" || s[0] == '/' || s[0] == '\\' {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	return u.String(), true
}
