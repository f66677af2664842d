// Package oidc serves usher's OpenID Provider at authentik's paths
// (/application/o/...). The protocol (request parsing and validation,
// token responses, signing) is zitadel/oidc's op package; this package
// finds the provider a request is about, runs the sign-in and the
// provider's authorization flow, and renders the pages people see.
package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/domain/oauth2"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/http/flowpage"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
)

// ctxRequest is the plan context key of the authorization request a flow
// authorizes (authentik plans its flow with the request in the context).
const ctxRequest = "oauth_authorization_request"

// Handler is the OpenID Provider's HTTP area.
type Handler struct {
	App      *app.App
	Policies *policy.Engine
	svc      *oauth2.Service
	storage  *oauth2.Storage
	provider *op.Provider
	exec     *flow.Executor
}

// New builds the provider over a.
func New(a *app.App, engine *policy.Engine, exec *flow.Executor) (*Handler, error) {
	svc := &oauth2.Service{App: a, Policies: engine}
	st := &oauth2.Storage{S: svc, Limiter: ratelimit.For(a.Limiter, a.Store, a.Events, a.Log)}
	cfg := &op.Config{CryptoKey: svc.CryptoKey(), CodeMethodS256: true, AuthMethodPost: true, GrantTypeRefreshToken: true}
	// The issuer op is built with is never used: every request carries its
	// provider's issuer in the context (withTarget).
	p, err := op.NewProvider(cfg, st, op.StaticIssuer("http://usher.invalid/"), op.WithAllowInsecure())
	if err != nil {
		return nil, err
	}
	h := &Handler{App: a, Policies: engine, svc: svc, storage: st, provider: p, exec: exec}
	return h, nil
}

// Mount registers authentik's OAuth2 paths.
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /application/o/authorize/{$}", h.authorize)
	mux.HandleFunc("POST /application/o/authorize/{$}", h.authorize)
	mux.HandleFunc("GET /application/o/authorize/continue/{$}", h.continueAuthorization)
	mux.HandleFunc("GET /application/o/authorize/callback/{$}", h.callback)
	mux.HandleFunc("POST /application/o/token/{$}", h.byClient(func(w http.ResponseWriter, r *http.Request) { op.Exchange(w, r, h.provider) }))
	mux.HandleFunc("GET /application/o/userinfo/{$}", h.userinfo)
	mux.HandleFunc("POST /application/o/userinfo/{$}", h.userinfo)
	mux.HandleFunc("POST /application/o/introspect/{$}", h.byClient(func(w http.ResponseWriter, r *http.Request) { op.Introspect(w, r, h.provider) }))
	mux.HandleFunc("POST /application/o/revoke/{$}", h.byClient(func(w http.ResponseWriter, r *http.Request) { op.Revoke(w, r, h.provider) }))
	mux.HandleFunc("GET /application/o/{slug}/.well-known/openid-configuration", h.bySlug(h.discovery))
	mux.HandleFunc("GET /application/o/{slug}/jwks/{$}", h.bySlug(func(w http.ResponseWriter, r *http.Request) { op.Keys(w, r, h.storage) }))
	mux.HandleFunc("GET /application/o/{slug}/end-session/{$}", h.bySlug(h.endSession))
	mux.HandleFunc("GET /application/o/{slug}/end-session/done/{$}", h.bySlug(h.endSessionDone))
}

// withTarget puts the provider, its application and issuer in the context.
func (h *Handler) withTarget(r *http.Request, p store.OAuth2Provider, a *store.Application) *http.Request {
	t := &oauth2.Target{Provider: p, App: a, BaseURL: httpx.BaseURL(r), ClientIP: httpx.ClientIP(r)}
	t.RedirectURI = r.Form.Get("redirect_uri")
	t.PostLogoutRedirectURI = r.Form.Get("post_logout_redirect_uri")
	ctx := oauth2.WithTarget(r.Context(), t)
	ctx = op.ContextWithIssuer(ctx, oauth2.Issuer(t.BaseURL, p, a))
	return r.WithContext(ctx)
}

// byClient serves an endpoint a client calls with its client_id (HTTP
// Basic or the form); an unknown client is op's invalid_client.
func (h *Handler) byClient(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := r.ParseForm(); err != nil {
			writeOAuthError(w, http.StatusBadRequest, oidc.ErrInvalidRequest().WithDescription("the form could not be read"))
			return
		}
		id, _, ok := r.BasicAuth()
		if ok {
			id, _ = url.QueryUnescape(id)
		} else {
			id = r.PostForm.Get("client_id")
		}
		if p, a, err := h.svc.ProviderByClientID(r.Context(), id); err == nil {
			r = h.withTarget(r, p, a)
		}
		next(w, r)
	}
}

// bySlug serves a per-application endpoint.
func (h *Handler) bySlug(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		p, a, err := h.svc.ProviderBySlug(r.Context(), r.PathValue("slug"))
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				httpx.Detail(w, http.StatusNotFound, "No application with this slug has an OAuth2/OpenID provider.")
				return
			}
			h.fail(w, r, err)
			return
		}
		next(w, h.withTarget(r, p, a))
	}
}

func writeOAuthError(w http.ResponseWriter, status int, e *oidc.Error) {
	httpx.JSON(w, status, map[string]any{"error": e.ErrorType, "error_description": e.Description})
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.App.Log.ErrorContext(r.Context(), "oauth2 request failed", "path", r.URL.Path, "error", err)
	h.page(w, r, http.StatusInternalServerError, "Something went wrong",
		"usher could not complete this sign-in. Try again from the application; if it keeps failing, tell your administrator.", nil)
}

// userinfo reads the bearer token; op checks and decrypts it.
func (h *Handler) userinfo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	op.Userinfo(w, r, h.provider)
}

// discovery is the application's OpenID configuration, with authentik's
// endpoint URLs.
func (h *Handler) discovery(w http.ResponseWriter, r *http.Request) {
	t := oauth2.TargetFrom(r.Context())
	cfg := op.CreateDiscoveryConfig(r.Context(), h.provider, h.storage)
	base := strings.TrimSuffix(t.BaseURL, "/")
	app := base + "/application/o/" + t.App.Slug + "/"
	cfg.AuthorizationEndpoint = base + "/application/o/authorize/"
	cfg.TokenEndpoint = base + "/application/o/token/"
	cfg.UserinfoEndpoint = base + "/application/o/userinfo/"
	cfg.IntrospectionEndpoint = base + "/application/o/introspect/"
	cfg.RevocationEndpoint = base + "/application/o/revoke/"
	cfg.EndSessionEndpoint = app + "end-session/"
	cfg.JwksURI = app + "jwks/"
	cfg.DeviceAuthorizationEndpoint = ""
	cfg.CheckSessionIframe = ""
	cfg.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	cfg.ResponseModesSupported = []string{"query", "form_post"}
	cfg.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeClientCredentials}
	cfg.CodeChallengeMethodsSupported = []oidc.CodeChallengeMethod{oidc.CodeChallengeMethodS256, oidc.CodeChallengeMethodPlain}
	scopes := []string{oidc.ScopeOpenID}
	for _, id := range t.Provider.PropertyMappings {
		if m, err := h.App.Store.GetScopeMapping(r.Context(), id); err == nil {
			scopes = append(scopes, m.ScopeName)
		}
	}
	cfg.ScopesSupported = scopes
	b, err := json.Marshal(cfg)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	out["authorization_response_iss_parameter_supported"] = true // RFC 9207
	httpx.JSON(w, http.StatusOK, out)
}

// flowURL is the page of the provider's own flow (id), else the brand's
// flow of that designation through /flows/-/default/<designation>/, where
// authentik's rule for choosing it lives (flow.toDefaultFlow).
func (h *Handler) flowURL(ctx context.Context, id *string, designation string) string {
	if slug := h.flowSlug(ctx, id); slug != "" {
		return "/if/flow/" + url.PathEscape(slug) + "/"
	}
	return "/flows/-/default/" + designation + "/"
}

func (h *Handler) flowSlug(ctx context.Context, id *string) string {
	if id == nil {
		return ""
	}
	f, err := h.App.Store.GetFlow(ctx, *id)
	if err != nil {
		return ""
	}
	return f.Slug
}

// recordAuthorized writes authorize_application with the application.
func (h *Handler) recordAuthorized(r *http.Request, u *store.User, a *store.Application, scopes []string) {
	data := map[string]any{"scopes": strings.Join(scopes, " ")}
	if a != nil {
		data["authorized_application"] = event.Model(store.ModelApplication, a.UUID, a.Name)
	}
	if err := h.App.Events.Record(r.Context(), h.App.Store, r, u, event.AuthorizeApplication, data); err != nil {
		h.App.Log.ErrorContext(r.Context(), "record authorize_application", "error", err)
	}
}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><link rel="stylesheet" href="{{.CSS}}"></head>
<body><main class="card"><h1>{{.Title}}</h1><p class="error">{{.Message}}</p>
{{range .Links}}<p><a href="{{.URL}}">{{.Label}}</a></p>{{end}}</main></body></html>`))

type link struct{ URL, Label string }

func (h *Handler) page(w http.ResponseWriter, r *http.Request, status int, title, msg string, links []link) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, map[string]any{"Title": title, "Message": msg, "Links": links, "CSS": flowpage.CSSPath})
}

// sessionUser is the signed-in user of the browser session (nil if none).
func (h *Handler) sessionUser(r *http.Request) (*auth.Session, *store.User, error) {
	sess, err := h.App.Sessions.Load(r)
	if err != nil {
		return nil, nil, err
	}
	if sess.UserPK == nil {
		return sess, nil, nil
	}
	u, err := h.App.Store.GetUser(r.Context(), *sess.UserPK)
	if errors.Is(err, store.ErrNotFound) {
		return sess, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return sess, &u, nil
}
