package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/domain/application"
	"github.com/usher-id/usher/internal/domain/oauth2"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

func init() { flow.RegisterFinisher(ctxRequest, finishAuthorization) }

// validator adds usher's checks to op's validation of an authorization
// request: only the code flow (implicit and hybrid get
// unsupported_response_type), and PKCE with S256 for public clients.
type validator struct{ *op.Provider }

func (v validator) ValidateAuthRequest(ctx context.Context, req *oidc.AuthRequest, st op.Storage, verifier *op.IDTokenHintVerifier) (string, error) {
	c, err := st.GetClientByClientID(ctx, req.ClientID)
	if err != nil {
		return "", oidc.ErrInvalidRequestRedirectURI().WithDescription("unknown client_id")
	}
	if err := op.ValidateAuthReqRedirectURI(c, req.RedirectURI, oidc.ResponseTypeCode); err != nil {
		return "", err
	}
	if req.ResponseType != oidc.ResponseTypeCode {
		return "", (&oidc.Error{ErrorType: "unsupported_response_type"}).WithDescription("usher supports the authorization code flow only (response_type=code)")
	}
	if c.AuthMethod() == oidc.AuthMethodNone && (req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256) {
		return "", oidc.ErrInvalidRequest().WithDescription("a public client must use PKCE with code_challenge_method=S256")
	}
	return op.ValidateAuthRequestClient(ctx, req, c, verifier)
}

// authorize is /application/o/authorize/. A request whose client or
// redirect URI is wrong cannot be sent back to the client: it gets a page
// that says which, for the administrator to fix.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := r.ParseForm(); err != nil {
		h.page(w, r, http.StatusBadRequest, "This sign-in link is broken", "The request could not be read.", nil)
		return
	}
	clientID, redirect := r.Form.Get("client_id"), r.Form.Get("redirect_uri")
	p, a, err := h.svc.ProviderByClientID(r.Context(), clientID)
	if errors.Is(err, store.ErrNotFound) {
		h.page(w, r, http.StatusBadRequest, "Unknown application",
			fmt.Sprintf("No OAuth2/OpenID provider has the client ID %q. Check the client ID configured in the application.", clientID), nil)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !oauth2.MatchRedirect(p, redirect) {
		h.page(w, r, http.StatusBadRequest, "Redirect URI not allowed",
			fmt.Sprintf("The application asked to return to %q, which is not one of the redirect URIs of the provider %q. An administrator can add it under Applications > Providers (matching is exact unless the URI is a regular expression).", redirect, p.Name), nil)
		return
	}
	if a == nil {
		h.page(w, r, http.StatusBadRequest, "Provider not in use",
			fmt.Sprintf("The provider %q is not assigned to an application. An administrator can link it under Applications.", p.Name), nil)
		return
	}
	op.Authorize(w, h.withTarget(r, p, a), validator{h.provider})
}

// continueAuthorization is where op sends the browser with the stored
// request: sign in first (the provider's or the brand's authentication
// flow), then the application's access policies, then the provider's
// authorization flow, seeded with the application and the scopes.
func (h *Handler) continueAuthorization(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	ctx := r.Context()
	id := r.URL.Query().Get("request")
	req, row, err := h.svc.LoadRequest(ctx, id)
	if err != nil || row.UserPK != nil {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			h.fail(w, r, err)
			return
		}
		h.page(w, r, http.StatusBadRequest, "This sign-in has expired",
			"The sign-in request is no longer valid (it expired or was already completed). Go back to the application and sign in again.", nil)
		return
	}
	p, a, ok := h.requestTarget(w, r, row)
	if !ok {
		return
	}
	sess, u, err := h.sessionUser(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	here := r.URL.RequestURI()
	if u == nil && slices.Contains(req.Req.Prompt, oidc.PromptNone) {
		// The client asked not to show anything: tell it a login is needed.
		httpx.SendRedirect(w, r, errorRedirect(req, &oidc.Error{ErrorType: oidc.LoginRequired,
			Description: "the user is not signed in"}, oauth2.Issuer(httpx.BaseURL(r), p, &a)), http.StatusFound)
		return
	}
	if u == nil {
		// Remember the authorization: if the person has no account yet
		// and enrolls with an invitation, the end of that flow resumes it.
		sess.Set(flow.SessionPendingAuthorization, here)
		sess.KeepCookie()
		if err := h.App.Sessions.Save(w, r, sess); err != nil {
			h.fail(w, r, err)
			return
		}
		httpx.Redirect(w, r, h.flowURL(ctx, p.AuthenticationFlow, store.DesignationAuthentication)+"?next="+url.QueryEscape(here), "/", http.StatusFound)
		return
	}
	ok, msgs, err := application.Access(ctx, h.Policies, h.App.Store, a, u, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !ok {
		msg := fmt.Sprintf("You (%s) do not have access to %s.", u.Username, a.Name)
		for _, m := range msgs {
			msg += " " + m
		}
		back := errorRedirect(req, oidc.ErrAccessDenied().WithDescription("the user may not access this application"),
			oauth2.Issuer(httpx.BaseURL(r), p, &a))
		h.page(w, r, http.StatusForbidden, "Access denied", msg, []link{{URL: back, Label: "Return to " + a.Name}, {URL: "/", Label: "Go to your account"}})
		return
	}
	slug := h.flowSlug(ctx, &p.AuthorizationFlow)
	if slug == "" {
		h.page(w, r, http.StatusInternalServerError, "Provider misconfigured",
			fmt.Sprintf("The provider %q has no authorization flow. An administrator can choose one under Applications > Providers.", p.Name), nil)
		return
	}
	perms, err := h.svc.ConsentPermissions(ctx, p, req.Req.Scopes)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	permList := make([]any, 0, len(perms))
	for _, pm := range perms {
		permList = append(permList, map[string]any{"id": pm.ID, "name": pm.Name})
	}
	err = h.exec.StartWith(w, r, sess, slug, map[string]any{
		ctxRequest:                 id,
		flow.CtxApplication:        map[string]any{"pk": a.UUID, "name": a.Name, "slug": a.Slug},
		flow.CtxConsentPermissions: permList,
	})
	if errors.Is(err, flow.ErrFlowNotApplicable) {
		h.page(w, r, http.StatusForbidden, "Access denied",
			fmt.Sprintf("The authorization flow of %s does not apply to you (%s).", a.Name, u.Username), []link{{URL: "/", Label: "Go to your account"}})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.App.Sessions.Save(w, r, sess); err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.Redirect(w, r, "/if/flow/"+url.PathEscape(slug)+"/", "/", http.StatusFound)
}

// finishAuthorization ends the provider's authorization flow: the request
// is bound, once, to the user who completed it and to the session, and the
// browser goes on to receive the code.
func finishAuthorization(ex *flow.Execution, v any) (string, error) {
	id, _ := v.(string)
	if ex.Session.UserPK == nil {
		return "", errors.New("You need to be signed in to authorize an application.")
	}
	err := oauth2.Authorize(ex.Ctx(), ex.Store(), id, *ex.Session.UserPK, auth.HashID(ex.Session.ID), ex.Now())
	if errors.Is(err, store.ErrNotFound) {
		return "", errors.New("This sign-in request expired or was already completed. Go back to the application and sign in again.")
	}
	if err != nil {
		return "", err
	}
	return "/application/o/authorize/callback/?request=" + url.QueryEscape(id), nil
}

// callback issues the code to the user who authorized the request, and
// sends it to the client with state and iss (RFC 9207).
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	ctx := r.Context()
	req, row, err := h.svc.LoadRequest(ctx, r.URL.Query().Get("request"))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			h.fail(w, r, err)
			return
		}
		h.page(w, r, http.StatusBadRequest, "This sign-in has expired",
			"The sign-in request is no longer valid. Go back to the application and sign in again.", nil)
		return
	}
	_, u, err := h.sessionUser(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if u == nil || row.UserPK == nil || *row.UserPK != u.PK || row.CodeHash != nil {
		h.page(w, r, http.StatusBadRequest, "This sign-in has expired",
			"This sign-in was not completed in this browser, or its code was already issued. Go back to the application and sign in again.", nil)
		return
	}
	p, a, ok := h.requestTarget(w, r, row)
	if !ok {
		return
	}
	if req.Req.ResponseMode == oidc.ResponseModeFormPost {
		h.page(w, r, http.StatusBadRequest, "Unsupported response mode",
			"usher answers authorization requests in the query (response_mode=query).", nil)
		return
	}
	r = h.withTarget(r, p, &a)
	to, err := op.BuildAuthResponseCallbackURL(r.Context(), req, h.provider)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	to = withParam(to, "iss", oauth2.Issuer(httpx.BaseURL(r), p, &a))
	h.recordAuthorized(r, u, &a, req.Req.Scopes)
	httpx.SendRedirect(w, r, to, http.StatusFound)
}

// errorRedirect is the client's redirect URI carrying an error.
func errorRedirect(req *oauth2.AuthRequest, e *oidc.Error, iss string) string {
	u, err := url.Parse(req.Req.RedirectURI)
	if err != nil {
		return "/"
	}
	q := u.Query()
	q.Set("error", string(e.ErrorType))
	q.Set("error_description", e.Description)
	if req.Req.State != "" {
		q.Set("state", req.Req.State)
	}
	q.Set("iss", iss)
	u.RawQuery = q.Encode()
	return u.String()
}

func withParam(raw, k, v string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	q.Set(k, v)
	u.RawQuery = q.Encode()
	return u.String()
}

// requestTarget loads the provider of a stored request and the
// application it serves; ok false means a page was written.
func (h *Handler) requestTarget(w http.ResponseWriter, r *http.Request, row store.OAuth2AuthRequest) (store.OAuth2Provider, store.Application, bool) {
	ctx := r.Context()
	p, err := h.App.Store.GetOAuth2Provider(ctx, row.ProviderPK)
	if err != nil {
		h.fail(w, r, err)
		return p, store.Application{}, false
	}
	a, err := h.App.Store.ApplicationOfProvider(ctx, p.PK)
	if errors.Is(err, store.ErrNotFound) {
		h.page(w, r, http.StatusBadRequest, "Provider not in use",
			fmt.Sprintf("The provider %q is no longer assigned to an application. Go back to the application and sign in again, or ask an administrator.", p.Name), nil)
		return p, a, false
	}
	if err != nil {
		h.fail(w, r, err)
		return p, a, false
	}
	return p, a, true
}
