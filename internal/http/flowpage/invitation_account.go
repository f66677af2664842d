package flowpage

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

// Invitations for people who already have an account (issue 18). An
// invitation link opened by someone who should not enroll again is
// answered here, before the flow runs:
//   - bound to the address of an existing account, visitor not signed in:
//     a page asking them to sign in (the login flow comes back to the link);
//   - signed in as that account: a page to accept, whose POST adds the
//     account to the invitation's groups and attributes (domain/invitation.Accept);
//   - signed in as someone else while the invitation is bound to another
//     address: told so, with "sign out and continue";
//   - signed in at all, on an invitation that makes a new account (a flow
//     for unauthenticated users): told who is signed in, with "sign out
//     and continue" (authentik only says the flow does not apply).
// Everything else (no binding, nobody with that address, an invitation that
// cannot be used) goes to the flow as before, which reports its own errors.

const defaultAuthFlow = "default-authentication-flow"

// invitationAction is where the accept and sign-out forms post.
func invitationAction(slug, action, rawQuery string) string {
	return "/if/flow/" + url.PathEscape(slug) + "/-/invitation/" + action + "/?" + rawQuery
}

// existingAccount answers the request when the invitation in its query is
// for an existing account or another address; it reports whether it did.
func (h *Handler) existingAccount(w http.ResponseWriter, r *http.Request, sess *auth.Session, slug string) bool {
	a := h.Exec.App
	ctx := r.Context()
	inv, ok := h.liveInvitation(r, slug)
	if !ok {
		return false
	}
	current := sessionUser(r, a.Store, sess)
	if current != nil && !invitation.AddressedTo(inv, *current) {
		h.page(w, r, page{Title: "This invitation is for someone else",
			Message: "You are signed in as " + current.Username + ", but this invitation was sent to a different email address. Sign out to continue with the invitation.",
			Form:    true, Submit: "Sign out and continue", Action: invitationAction(slug, "sign-out", r.URL.RawQuery),
			CSRFField: auth.CSRFField, CSRF: auth.CSRFToken(a.Secret, sess)})
		return true
	}
	acct, err := invitation.ExistingAccount(ctx, a.Store, inv)
	if err != nil {
		h.fail(w, r, err)
		return true
	}
	if acct == nil {
		if current == nil {
			return false
		}
		// Signed in, and the invitation makes a new account: the flow
		// would only say it does not apply to the current user.
		if f, err := a.Store.GetFlowBySlug(ctx, slug); err != nil || f.Authentication != "require_unauthenticated" {
			return false
		}
		h.page(w, r, page{Title: "You are already signed in",
			Message: "You are signed in as " + current.Username + ". This invitation creates a new account: sign out to continue with it, or go back to your account.",
			Form:    true, Submit: "Sign out and continue", Action: invitationAction(slug, "sign-out", r.URL.RawQuery),
			CSRFField: auth.CSRFField, CSRF: auth.CSRFToken(a.Secret, sess),
			Links: []link{{URL: "/if/user/", Label: "Back to my account"}}})
		return true
	}
	if current == nil {
		h.page(w, r, page{Title: "Sign in to accept your invitation",
			Message: "An account for " + inv.Email + " already exists. Sign in to accept the invitation; you do not need to enroll again.",
			Links:   []link{{URL: h.loginURL(r, r.URL.Path+"?"+r.URL.RawQuery), Label: "Sign in"}}})
		return true
	}
	msg := "Accept this invitation to add it to your account " + current.Username + "."
	if gs, err := a.Store.InvitationGroups(ctx, []string{inv.UUID}); err == nil && len(gs[inv.UUID]) > 0 {
		msg += " You will join:"
		for i, g := range gs[inv.UUID] {
			if i > 0 {
				msg += ","
			}
			msg += " " + g.Name
		}
		msg += "."
	}
	h.page(w, r, page{Title: "Accept your invitation", Message: msg, Form: true, Submit: "Accept invitation",
		Action: invitationAction(slug, "accept", r.URL.RawQuery), CSRFField: auth.CSRFField, CSRF: auth.CSRFToken(a.Secret, sess)})
	return true
}

// liveInvitation is the usable invitation named by the request's itoken for
// this flow (or for any flow when it names none).
func (h *Handler) liveInvitation(r *http.Request, slug string) (store.Invitation, bool) {
	a := h.Exec.App
	tok, ok := flow.ParseToken(r.URL.Query().Get("itoken"))
	if !ok {
		return store.Invitation{}, false
	}
	inv, err := a.Store.GetInvitation(r.Context(), tok)
	if err != nil || inv.Status(a.Clock()) != store.InvitationActive {
		return store.Invitation{}, false
	}
	if inv.Flow != nil {
		f, err := a.Store.GetFlowBySlug(r.Context(), slug)
		if err != nil || f.UUID != *inv.Flow {
			return store.Invitation{}, false
		}
	}
	return inv, true
}

// invitationPost handles the accept and sign-out forms (CSRF checked by the
// server middleware).
func (h *Handler) invitationPost(w http.ResponseWriter, r *http.Request) {
	a := h.Exec.App
	slug := r.PathValue("slug")
	link := "/if/flow/" + url.PathEscape(slug) + "/?" + r.URL.RawQuery
	sess, err := h.Exec.Session(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	switch r.PathValue("action") {
	case "sign-out":
		if err := a.Sessions.Destroy(w, r, sess); err != nil {
			h.fail(w, r, err)
			return
		}
		httpx.Redirect(w, r, link, "/", http.StatusSeeOther)
	case "accept":
		inv, ok := h.liveInvitation(r, slug)
		u := sessionUser(r, a.Store, sess)
		if !ok || u == nil {
			// Signed out or the invitation changed meanwhile: the link
			// explains what is the matter now.
			httpx.Redirect(w, r, link, "/", http.StatusSeeOther)
			return
		}
		err := a.Store.Tx(r.Context(), func(q store.Queries) error {
			_, err := invitation.Accept(r.Context(), a, q, r, inv.UUID, u, httpx.ClientIP(r))
			return err
		})
		switch {
		case errors.Is(err, invitation.ErrNotUsable), errors.Is(err, invitation.ErrNotForYou):
			h.message(w, r, a.Store, http.StatusConflict, "Invitation not accepted", err.Error())
		case err != nil:
			h.fail(w, r, err)
		default:
			to, err := invitation.Redirect(r.Context(), a.Store, inv.UUID)
			if err != nil || to == "" {
				to = "/if/user/"
			}
			httpx.Redirect(w, r, to, "/", http.StatusSeeOther)
		}
	default:
		h.message(w, r, a.Store, http.StatusNotFound, "Page not found", "There is no such page. Check the link you followed.")
	}
}

// sessionUser is the session's active account, nil when anonymous.
func sessionUser(r *http.Request, q store.Queries, sess *auth.Session) *store.User {
	if sess == nil || sess.UserPK == nil {
		return nil
	}
	u, err := q.GetUser(r.Context(), *sess.UserPK)
	if err != nil || !u.IsActive {
		return nil
	}
	return &u
}

// loginURL is the brand's authentication flow, coming back to next.
func (h *Handler) loginURL(r *http.Request, next string) string {
	slug := defaultAuthFlow
	if b, err := brand.ForRequest(r.Context(), h.Exec.App.Store, r); err == nil && b.FlowAuthentication != nil {
		if f, err := h.Exec.App.Store.GetFlow(r.Context(), *b.FlowAuthentication); err == nil {
			slug = f.Slug
		}
	}
	return "/if/flow/" + url.PathEscape(slug) + "/?" + url.Values{"next": {next}}.Encode()
}

// page renders p with the brand filled in.
func (h *Handler) page(w http.ResponseWriter, r *http.Request, p page) {
	base, err := h.base(r, nil)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.BrandTitle, p.BrandLogo, p.CSS = base.BrandTitle, base.BrandLogo, base.CSS
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, p); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}
