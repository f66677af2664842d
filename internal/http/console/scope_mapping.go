package console

import (
	"context"
	"net/http"
	"net/url"
	"sort"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

func (h *Handler) mountScopeMappings(mux *routes) {
	mux.HandleFunc("GET /if/admin/scope-mappings/", h.admin(h.scopeMappingList))
	h.scopeMappingEntity().mount(mux)
}

func (h *Handler) scopeMappingEntity() *entity[store.ScopeMapping] {
	return &entity[store.ScopeMapping]{h: h,
		Singular: "Scope mapping", Base: "/if/admin/scope-mappings/", Nav: "scopemappings", model: resource.ScopeMappings,
		load: func(ctx context.Context, id string) (store.ScopeMapping, error) {
			return h.App.Store.GetScopeMapping(ctx, id)
		},
		form: func(_ context.Context, obj *store.ScopeMapping) (*formDef, error) {
			f := &formDef{Fields: []*field{
				{Name: "name", Label: "Name", Kind: "text", Required: true},
				{Name: "scope_name", Label: "Scope name", Kind: "text", Required: true, Placeholder: "groups",
					Help: "The scope a client asks for, such as groups; when it is granted, the expression's claims are added."},
				{Name: "description", Label: "Description", Kind: "text",
					Help: "Shown to the user on the consent page; leave empty to not show the scope there."},
				{Name: "expression", Label: "Expression", Kind: "code", Required: true,
					Help: "Python syntax, run in the policy sandbox: return a dict of claims. request.user is the user, e.g. return {\"nickname\": request.user.username}."},
			}}
			if obj != nil && obj.Managed != nil {
				f.Intro = "This mapping is managed by usher (" + *obj.Managed + "): the default blueprint created it, and a change stays as you make it."
			}
			return f, nil
		},
		values: func(obj *store.ScopeMapping) url.Values {
			if obj == nil {
				return url.Values{"expression": {"return {}"}}
			}
			m := *obj
			return url.Values{"name": {m.Name}, "scope_name": {m.ScopeName}, "description": {m.Description}, "expression": {m.Expression}}
		},
		ident: func(m store.ScopeMapping) (string, string) { return m.UUID, m.Name },
	}
}

func (h *Handler) scopeMappingList(w http.ResponseWriter, r *http.Request, u *store.User) error {
	maps, err := h.App.Store.ListScopeMappings(r.Context())
	if err != nil {
		return err
	}
	sort.Slice(maps, func(i, j int) bool {
		if maps[i].ScopeName != maps[j].ScopeName {
			return maps[i].ScopeName < maps[j].ScopeName
		}
		return maps[i].Name < maps[j].Name
	})
	v := h.view(r, u, "Scope mappings", "scopemappings")
	v.P = maps
	return h.render(w, r, http.StatusOK, "scope_mapping_list", v)
}
