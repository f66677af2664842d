package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// "Create application with provider" (authentik's application wizard): an
// application and its OAuth2/OpenID provider from one form, written in one
// transaction through both models, so either both exist or neither.

const appWithProviderPath = "/if/admin/applications/new-with-provider/"

func (h *Handler) mountApplicationWithProvider(mux *routes) {
	mux.HandleFunc("GET "+appWithProviderPath, h.admin(h.appWithProviderForm))
	mux.HandleFunc("POST "+appWithProviderPath, h.admin(h.appWithProviderSubmit))
}

func (h *Handler) appWithProviderDef(r *http.Request) (*formDef, error) {
	pf, err := h.providerFields(r.Context(), "provider_name", "Provider name")
	if err != nil {
		return nil, err
	}
	pf[0].Help = "Leave empty to use the application's name."
	fields := []*field{
		{Name: "app", Label: "Application", Kind: "heading"},
		{Name: "name", Label: "Name", Kind: "text", Required: true, Help: "Shown to users."},
		{Name: "slug", Label: "Slug", Kind: "text", Required: true,
			Help: "Used in URLs: the issuer will be /application/o/<slug>/."},
		{Name: "meta_launch_url", Label: "Launch URL", Kind: "url", Placeholder: "https://app.example.com/",
			Help: "Where users go when they open the application; leave empty to use the origin of the first strict redirect URI."},
		{Name: "provider", Label: "Provider", Kind: "heading",
			Help: "The OAuth2/OpenID provider the application signs users in with."},
	}
	return &formDef{Title: "Create application with provider", Action: appWithProviderPath, Submit: "Create",
		Cancel: "/if/admin/applications/", Fields: append(fields, pf...)}, nil
}

func (h *Handler) appWithProviderForm(w http.ResponseWriter, r *http.Request, u *store.User) error {
	f, err := h.appWithProviderDef(r)
	if err != nil {
		return err
	}
	f.fill(h.providerDefaults(r.Context()))
	return h.renderForm(w, r, u, "applications", http.StatusOK, f)
}

func (h *Handler) appWithProviderSubmit(w http.ResponseWriter, r *http.Request, u *store.User) error {
	f, err := h.appWithProviderDef(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errBadForm
	}
	f.fill(r.PostForm)
	v := r.PostForm
	appData := map[string]any{"name": strings.TrimSpace(v.Get("name")), "slug": strings.TrimSpace(v.Get("slug")),
		"meta_launch_url": strings.TrimSpace(v.Get("meta_launch_url")), "policy_engine_mode": "any"}
	if s := appData["meta_launch_url"].(string); s != "" && !safeLaunchURL(s) {
		f.addError("meta_launch_url", "Enter a URL starting with https://, http:// or /.")
	}
	provData := providerData(f, v, "provider_name")
	if provData["name"] == "" {
		provData["name"] = appData["name"]
	}
	var prov store.OAuth2Provider
	var app store.Application
	var provErr, appErr *resource.ValidationError
	// One transaction: a refusal of either model rolls back both. When the
	// provider is refused, the application is checked on its own (rolled
	// back too) so that every message is shown in one round.
	err = h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		rc := h.resourceCtx(r, q, u)
		delete(appData, "provider") // a retried transaction starts over
		var err error
		if prov, err = resource.OAuth2Providers.Create(rc, provData); err != nil {
			return err
		}
		appData["provider"] = prov.PK
		if app, err = resource.Applications.Create(rc, appData); err != nil {
			return err
		}
		if f.hasErrors() {
			return errChecked
		}
		if err := h.record(r.Context(), q, r, u, event.ModelCreated, ref(resource.OAuth2Providers, prov)); err != nil {
			return err
		}
		return h.record(r.Context(), q, r, u, event.ModelCreated, ref(resource.Applications, app))
	})
	var ve *resource.ValidationError
	switch {
	case err == nil:
		return h.redirect(w, r, "/if/admin/providers/"+strconv.FormatInt(prov.PK, 10)+"/",
			flash{"ok", "Application " + app.Name + " and provider " + prov.Name + " created."})
	case errors.Is(err, errChecked):
	case errors.As(err, &ve) && appData["provider"] == nil:
		provErr = ve
		delete(appData, "provider")
		_ = h.App.Store.Tx(r.Context(), func(q store.Queries) error {
			_, err := resource.Applications.Create(h.resourceCtx(r, q, u), appData)
			errors.As(err, &appErr)
			return errChecked
		})
	case errors.As(err, &ve):
		appErr = ve
	default:
		return err
	}
	if provErr != nil {
		if msgs, ok := provErr.Fields["name"]; ok {
			provErr.Fields["provider_name"] = msgs
			delete(provErr.Fields, "name")
		}
		applyNew(f, provErr)
	}
	if appErr != nil {
		applyNew(f, appErr)
	}
	if !f.hasErrors() { // a refusal without messages: say so rather than pretend success
		f.addError("", "The application could not be created.")
	}
	return &invalidForm{"applications", f}
}

// applyNew adds ve's messages to f except where the form already has the
// same message for the field.
func applyNew(f *formDef, ve *resource.ValidationError) {
	for k, msgs := range ve.Fields {
		if f.has(k) {
			kept := msgs[:0]
			for _, m := range msgs {
				dup := false
				for _, e := range f.field(k).Errors {
					dup = dup || e == m
				}
				if !dup {
					kept = append(kept, m)
				}
			}
			ve.Fields[k] = kept
		}
	}
	f.applyErrors(ve)
}
