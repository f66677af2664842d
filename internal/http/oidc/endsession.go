package oidc

import (
	"net/http"
	"net/url"

	"github.com/usher-id/usher/internal/domain/oauth2"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

// endSession is RP-initiated logout: the provider's (or the brand's)
// invalidation flow signs the user out, which revokes the tokens the
// session's applications hold; then the browser returns to the client's
// post_logout_redirect_uri when it is one of the provider's URIs.
func (h *Handler) endSession(w http.ResponseWriter, r *http.Request) {
	t := oauth2.TargetFrom(r.Context())
	done := "/application/o/" + url.PathEscape(t.App.Slug) + "/end-session/done/"
	if to := r.Form.Get("post_logout_redirect_uri"); to != "" {
		if !oauth2.MatchRedirect(t.Provider, to) {
			h.page(w, r, http.StatusBadRequest, "Logout redirect not allowed",
				"The application asked to return to "+to+" after signing out, which is not one of its provider's redirect URIs.", nil)
			return
		}
		q := url.Values{"post_logout_redirect_uri": {to}}
		if s := r.Form.Get("state"); s != "" {
			q.Set("state", s)
		}
		done += "?" + q.Encode()
	}
	httpx.Redirect(w, r, h.flowURL(r.Context(), t.Provider.InvalidationFlow, store.DesignationInvalidation)+"?next="+url.QueryEscape(done), "/", http.StatusFound)
}

// endSessionDone sends the signed-out browser back to the client.
func (h *Handler) endSessionDone(w http.ResponseWriter, r *http.Request) {
	t := oauth2.TargetFrom(r.Context())
	to := r.Form.Get("post_logout_redirect_uri")
	if to == "" || !oauth2.MatchRedirect(t.Provider, to) {
		h.page(w, r, http.StatusOK, "Signed out", "You have been signed out of "+t.App.Name+".", []link{{URL: "/", Label: "Sign in again"}})
		return
	}
	if s := r.Form.Get("state"); s != "" {
		to = withParam(to, "state", s)
	}
	httpx.SendRedirect(w, r, to, http.StatusFound)
}
