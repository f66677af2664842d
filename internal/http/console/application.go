package console

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/usher-id/usher/internal/domain/application"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

func (h *Handler) mountApplications(mux *routes) {
	mux.HandleFunc("GET /if/admin/applications/", h.admin(h.applicationList))
	h.applicationEntity().mount(mux)
}

func (h *Handler) applicationEntity() *entity[store.Application] {
	return &entity[store.Application]{h: h,
		Singular: "Application", Base: "/if/admin/applications/", Nav: "applications", model: resource.Applications,
		load: func(ctx context.Context, slug string) (store.Application, error) {
			return h.App.Store.GetApplicationBySlug(ctx, slug)
		},
		form: func(ctx context.Context, obj *store.Application) (*formDef, error) {
			provOpts, err := h.freeProviderOptions(ctx, obj)
			if err != nil {
				return nil, err
			}
			return &formDef{Fields: []*field{
				{Name: "name", Label: "Name", Kind: "text", Required: true, Help: "Shown to users."},
				{Name: "slug", Label: "Slug", Kind: "text", Required: true, Help: "Internal application name used in URLs."},
				{Name: "group", Label: "Group", Kind: "text", Help: "Optional, to group applications on the user's page."},
				{Name: "meta_launch_url", Label: "Launch URL", Kind: "url", Placeholder: "https://app.example.com/",
					Help: "Where users go when they open the application (and where external users land when this is the brand's default application)."},
				{Name: "open_in_new_tab", Label: "Open in new tab", Kind: "checkbox"},
				{Name: "meta_icon", Label: "Icon", Kind: "url", Help: "URL of an icon image."},
				{Name: "meta_description", Label: "Description", Kind: "textarea"},
				{Name: "meta_publisher", Label: "Publisher", Kind: "text"},
				{Name: "provider", Label: "Provider", Kind: "select", Nullable: true, Options: provOpts,
					Help: "The OAuth2/OpenID provider users sign in to this application with. A provider serves one application, so providers of other applications are not listed."},
				{Name: "policy_engine_mode", Label: "Policy engine mode", Kind: "select", Options: engineModeOptions},
			}}, nil
		},
		values: func(obj *store.Application) url.Values {
			if obj == nil {
				return url.Values{"policy_engine_mode": {"any"}}
			}
			a := *obj
			return url.Values{"name": {a.Name}, "slug": {a.Slug}, "group": {a.Group}, "meta_launch_url": {a.MetaLaunchURL},
				"open_in_new_tab": {boolStr(a.OpenInNewTab)}, "meta_icon": {a.MetaIcon}, "meta_description": {a.MetaDescription},
				"meta_publisher": {a.MetaPublisher}, "policy_engine_mode": {a.PolicyEngineMode}, "provider": {providerPK(a.Provider)}}
		},
		data: func(f *formDef, v url.Values, _ *store.Application) map[string]any {
			d := genericData(f, v)
			for _, k := range []string{"meta_launch_url", "meta_icon"} {
				if s := d[k].(string); s != "" && !safeLaunchURL(s) {
					f.addError(k, "Enter a URL starting with https://, http:// or /.")
				}
			}
			return d
		},
		ident: func(a store.Application) (string, string) {
			return a.Slug, a.Name
		},
	}
}

func (h *Handler) applicationList(w http.ResponseWriter, r *http.Request, u *store.User) error {
	apps, err := h.App.Store.ListApplications(r.Context())
	if err != nil {
		return err
	}
	sort.Slice(apps, func(i, j int) bool { return apps[i].Name < apps[j].Name })
	ps, err := h.App.Store.ListOAuth2Providers(r.Context())
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, p := range ps {
		names[p.PK] = p.Name
	}
	rows := make([]applicationRow, 0, len(apps))
	for _, a := range apps {
		row := applicationRow{Application: a, Launch: application.LaunchURL(r.Context(), h.App.Store, a)}
		if a.Provider != nil {
			row.ProviderPK, row.ProviderName = *a.Provider, names[*a.Provider]
		}
		rows = append(rows, row)
	}
	v := h.view(r, u, "Applications", "applications")
	v.P = rows
	return h.render(w, r, http.StatusOK, "application_list", v)
}

// freeProviderOptions lists the providers app may use: those no other
// application uses (authentik: a provider has one application).
func (h *Handler) freeProviderOptions(ctx context.Context, app *store.Application) ([]option, error) {
	ps, err := h.App.Store.ListOAuth2Providers(ctx)
	if err != nil {
		return nil, err
	}
	used, err := h.applicationsByProvider(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	opts := []option{{Value: "", Label: "No provider"}}
	for _, p := range ps {
		if other, ok := used[p.PK]; ok && (app == nil || other.UUID != app.UUID) {
			continue
		}
		opts = append(opts, option{Value: strconv.FormatInt(p.PK, 10), Label: p.Name})
	}
	return opts, nil
}

func providerPK(pk *int64) string {
	if pk == nil {
		return ""
	}
	return strconv.FormatInt(*pk, 10)
}

// applicationRow is an application with its provider's name and where it
// starts (its launch URL, or the one its provider gives).
type applicationRow struct {
	store.Application
	ProviderPK   int64
	ProviderName string
	Launch       string
}
