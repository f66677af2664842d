// Package console serves the browser interfaces: the root redirect, the user
// interface (/if/user/) and the admin console (/if/admin/). Pages are
// server-rendered with html/template and work without JavaScript; a small
// script adds copy buttons. The flow pages live in http/flowpage.
package console

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
)

// Handler holds the parsed templates and static assets; everything else
// comes from App on each request.
type Handler struct {
	App    *app.App
	tpl    *templates
	assets *assets
	// limiter throttles password guesses on the user page (the login's
	// limits; see auth.CheckPassword).
	limiter *ratelimit.Limiter
}

// New parses every template and fingerprints the static files; a missing or
// broken template fails here, at startup, not on a request.
func New(a *app.App) (*Handler, error) {
	tpl, err := parseTemplates()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	as, err := loadAssets()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	h := &Handler{App: a, tpl: tpl, assets: as, limiter: ratelimit.For(a.Limiter, a.Store, a.Events, a.Log)}
	tpl.assetURL = as.url
	return h, nil
}

// routes registers exact-path patterns: "/x/" never matches "/x/y".
type routes struct{ mux *http.ServeMux }

func (rt *routes) HandleFunc(pattern string, fn http.HandlerFunc) {
	if strings.HasSuffix(pattern, "/") {
		pattern += "{$}"
	}
	rt.mux.HandleFunc(pattern, fn)
}

// Mount registers every route of the user interface and the admin console.
func (h *Handler) Mount(m *http.ServeMux) {
	mux := &routes{m}
	mux.HandleFunc("GET /static/web/{hash}/{file}", h.serveAsset)
	mux.HandleFunc("GET /", h.handle(h.rootRedirect))
	mux.HandleFunc("GET /application/launch/{slug}/", h.userOnly(h.appLaunch))
	mux.HandleFunc("GET /if/user/", h.userOnly(h.userInterface))
	mux.HandleFunc("POST /if/user/password/", h.userOnly(h.userPasswordChange))
	mux.HandleFunc("GET /if/user/invitations/", h.userOnly(h.userInvitations))
	mux.HandleFunc("POST /if/user/invitations/", h.userOnly(h.userInvitationCreate))
	mux.HandleFunc("POST /if/user/devices/{id}/rename/", h.userOnly(h.userDeviceRename))
	mux.HandleFunc("POST /if/user/devices/{id}/delete/", h.userOnly(h.userDeviceDelete))

	mux.HandleFunc("GET /if/admin/", h.admin(h.adminOverview))
	// Any other admin URL gets the console's own 404 page (signed-in
	// administrators only), not the mux's bare "404 page not found".
	m.HandleFunc("GET /if/admin/{rest...}", h.admin(func(http.ResponseWriter, *http.Request, *store.User) error {
		return store.ErrNotFound
	}))
	h.mountInvitations(mux)
	h.mountFlows(mux)
	h.mountStages(mux)
	h.mountPrompts(mux)
	h.mountUsers(mux)
	h.mountGroups(mux)
	h.mountApplications(mux)
	h.mountApplicationWithProvider(mux)
	h.mountProviders(mux)
	h.mountScopeMappings(mux)
	h.mountKeyPairs(mux)
	h.mountBrands(mux)
	h.mountPolicies(mux)
	mux.HandleFunc("GET /if/admin/blueprints/", h.admin(h.blueprintList))
	mux.HandleFunc("GET /if/admin/events/", h.admin(h.eventList))
}
