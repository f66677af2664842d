package console

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

// pageFunc is a handler that needs the signed-in user; it returns the error
// to show (see showError) or nil once it has answered.
type pageFunc func(w http.ResponseWriter, r *http.Request, u *store.User) error

// currentUser returns the session's active user, or nil when anonymous (or
// the user was deactivated or deleted since signing in).
func (h *Handler) currentUser(r *http.Request) (*store.User, error) {
	s := auth.FromContext(r.Context())
	if s == nil || s.UserPK == nil {
		return nil, nil
	}
	u, err := h.App.Store.GetUser(r.Context(), *s.UserPK)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !u.IsActive {
		return nil, nil
	}
	return &u, nil
}

// loginURL is the brand's authentication flow, coming back to next.
func (h *Handler) loginURL(r *http.Request, next string) string {
	b := h.brandFor(r)
	slug := h.flowSlug(r, b.FlowAuthentication, defaultAuthFlow)
	return "/if/flow/" + url.PathEscape(slug) + "/?" + url.Values{"next": {next}}.Encode()
}

// userOnly sends anonymous visitors to sign in and passes the user on; it
// is the adapter that shows the error fn returns.
func (h *Handler) userOnly(fn pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := h.currentUser(r)
		if err == nil && u == nil {
			h.toLogin(w, r)
			return
		}
		if err == nil && mustChangePassword(u) && r.URL.Path != "/if/user/" && r.URL.Path != "/if/user/password/" {
			// A generated first password: nothing else until it is replaced.
			if err := h.redirect(w, r, "/if/user/#change-password", flash{"warn", msgChangePassword}); err != nil {
				h.showError(w, r, u, err)
			}
			return
		}
		if err == nil {
			err = fn(w, r, u)
		}
		if err != nil {
			h.showError(w, r, u, err)
		}
	}
}

const msgChangePassword = "You signed in with the password generated on the first start. Choose your own password now: until you do, this is the only page usher shows you."

func mustChangePassword(u *store.User) bool {
	v, _ := u.Attributes[auth.AttrPasswordChangeRequired].(bool)
	return v
}

// admin lets only superusers through: anonymous visitors are sent to sign in,
// other users get a 403 page.
func (h *Handler) admin(fn pageFunc) http.HandlerFunc {
	return h.userOnly(func(w http.ResponseWriter, r *http.Request, u *store.User) error {
		// Service accounts and external users go to the brand's default
		// application first, as authentik's interface views send them.
		if ok, err := h.internalOnly(w, r, u); !ok {
			return err
		}
		ok, err := h.App.Store.IsSuperuser(r.Context(), u.PK)
		if err != nil {
			return err
		}
		if !ok {
			return errPage(http.StatusForbidden, "Permission denied",
				"The admin interface is only available to superusers. Ask an administrator to add you to a group with superuser rights.")
		}
		// The API's rule for query strings and paths (issue 12): the
		// console's searches and filters reach the same stores.
		if name, bad := badRequestText(r); bad {
			return errPage(http.StatusBadRequest, "Invalid address",
				name+": "+fieldrule.MsgText+" Correct the address and try again.")
		}
		return fn(w, r, u)
	})
}

func (h *Handler) toLogin(w http.ResponseWriter, r *http.Request) {
	// The escaped path, so next names the page asked for and the flow's
	// redirect check sees it as the browser sent it.
	next := r.URL.EscapedPath()
	if r.Method != http.MethodGet {
		next = "/"
	} else if r.URL.RawQuery != "" {
		next += "?" + r.URL.RawQuery
	}
	httpx.Redirect(w, r, h.loginURL(r, next), "/", http.StatusFound)
}

// badRequestText names the path or query parameter that is not storable
// text (NUL, bytes that are not UTF-8).
func badRequestText(r *http.Request) (string, bool) {
	if fieldrule.Text(r.URL.Path) != "" {
		return "The page address", true
	}
	for k, vs := range r.URL.Query() {
		if fieldrule.Text(k) != "" {
			return "A query parameter name", true
		}
		for _, v := range vs {
			if fieldrule.Text(v) != "" {
				return "Query parameter " + k, true
			}
		}
	}
	return "", false
}
