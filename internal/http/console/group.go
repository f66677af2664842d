package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/usher-id/usher/internal/domain/group"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

func (h *Handler) mountGroups(mux *routes) {
	e := h.groupEntity()
	mux.HandleFunc("GET /if/admin/groups/", h.admin(h.groupList))
	e.mount(mux)
	mux.HandleFunc("GET /if/admin/groups/{id}/", h.admin(e.with(h.groupDetail)))
	mux.HandleFunc("POST /if/admin/groups/{id}/members/", h.admin(e.with(h.groupAddMember)))
	mux.HandleFunc("GET /if/admin/groups/{id}/members/{pk}/remove/", h.admin(e.with(h.groupConfirmRemove)))
	mux.HandleFunc("POST /if/admin/groups/{id}/members/{pk}/remove/", h.admin(e.with(h.groupRemoveMember)))
}

func (h *Handler) groupEntity() *entity[store.Group] {
	return &entity[store.Group]{h: h,
		Singular: "Group", Base: "/if/admin/groups/", Nav: "groups", model: resource.Groups,
		load: func(ctx context.Context, id string) (store.Group, error) { return h.App.Store.GetGroup(ctx, id) },
		form: func(ctx context.Context, obj *store.Group) (*formDef, error) {
			self := ""
			if obj != nil {
				self = obj.UUID
			}
			opts, err := groupOptions(ctx, h.App.Store, "No parent", self)
			if err != nil {
				return nil, err
			}
			return &formDef{Fields: []*field{
				{Name: "name", Label: "Name", Kind: "text", Required: true},
				{Name: "is_superuser", Label: "Is superuser", Kind: "checkbox", Help: "Members of this group (and of its child groups) get full admin access."},
				{Name: "parents", Label: "Parent", Kind: "select", Options: opts, Help: "Members also count as members of the parent for superuser rights."},
				{Name: "attributes", Label: "Attributes", Kind: "code", Help: "JSON or YAML mapping."},
			}}, nil
		},
		values: func(obj *store.Group) url.Values {
			if obj == nil {
				return url.Values{"attributes": {"{}"}}
			}
			g := *obj
			return url.Values{"name": {g.Name}, "is_superuser": {boolStr(g.IsSuperuser)}, "parents": {strPtr(g.Parent)},
				"attributes": {prettyJSON(orEmpty(g.Attributes))}}
		},
		data: func(f *formDef, v url.Values, _ *store.Group) map[string]any {
			d := map[string]any{"name": strings.TrimSpace(v.Get("name")), "is_superuser": checked(v, "is_superuser"), "parents": []string{}}
			if p := v.Get("parents"); p != "" {
				d["parents"] = []string{p}
			}
			if a, err := parseAttributes(v.Get("attributes")); err != nil {
				f.addError("attributes", err.Error())
			} else {
				d["attributes"] = a
			}
			return d
		},
		ident: func(g store.Group) (string, string) {
			return g.UUID, g.Name
		},
		next: func(obj store.Group) string { return "/if/admin/groups/" + obj.UUID + "/" },
	}
}

func (h *Handler) groupList(w http.ResponseWriter, r *http.Request, u *store.User) error {
	p := newPager(r, "/if/admin/groups/", []string{"name"}, "name")
	groups, n, err := h.App.Store.ListGroups(r.Context(), store.GroupFilter{Search: p.Search, Ordering: p.Sort, Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		return err
	}
	p.Count = n
	names := map[string]string{}
	for _, g := range groups {
		if g.Parent != nil {
			if pg, err := h.App.Store.GetGroup(r.Context(), *g.Parent); err == nil {
				names[g.UUID] = pg.Name
			}
		}
	}
	v := h.view(r, u, "Groups", "groups")
	v.P = struct {
		Groups  []store.Group
		Parents map[string]string
		Pager   *pager
	}{groups, names, p}
	return h.render(w, r, http.StatusOK, "group_list", v)
}

type groupDetailPage struct {
	Group   store.Group
	Parent  *store.Group
	Members []store.User
	Pager   *pager
	Base    string
	AddErr  string
	AddName string
}

func (h *Handler) groupDetail(w http.ResponseWriter, r *http.Request, u *store.User, _ *entity[store.Group], g store.Group) error {
	return h.renderGroupDetail(w, r, u, g, http.StatusOK, "", "")
}

func (h *Handler) renderGroupDetail(w http.ResponseWriter, r *http.Request, u *store.User, g store.Group, status int, addErr, addName string) error {
	base := "/if/admin/groups/" + g.UUID + "/"
	p := newPager(r, base, []string{"username"}, "username")
	members, n, err := h.App.Store.ListUsers(r.Context(), store.UserFilter{GroupUUID: g.UUID, Search: p.Search, Ordering: p.Sort, Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		return err
	}
	p.Count = n
	page := groupDetailPage{Group: g, Members: members, Pager: p, Base: base, AddErr: addErr, AddName: addName}
	if g.Parent != nil {
		if pg, err := h.App.Store.GetGroup(r.Context(), *g.Parent); err == nil {
			page.Parent = &pg
		}
	}
	v := h.view(r, u, g.Name, "groups")
	v.Back = &link{URL: "/if/admin/groups/", Label: "Groups"}
	v.P = page
	return h.render(w, r, status, "group_detail", v)
}

func (h *Handler) groupAddMember(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.Group], g store.Group) error {
	name := strings.TrimSpace(r.PostFormValue("username"))
	member, err := h.App.Store.GetUserByUsername(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) || name == "" {
		return h.renderGroupDetail(w, r, u, g, http.StatusUnprocessableEntity, "No user with the username “"+name+"”. Enter an existing username.", name)
	}
	if err != nil {
		return err
	}
	err = h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		if err := group.AddMember(r.Context(), q, g.UUID, member.PK); err != nil {
			return err
		}
		return h.record(r.Context(), q, r, u, event.ModelUpdated, ref(resource.Users, member))
	})
	if err != nil {
		return err
	}
	return h.redirect(w, r, "/if/admin/groups/"+g.UUID+"/", flash{"ok", member.Username + " added to " + g.Name + "."})
}

func (h *Handler) groupMember(r *http.Request) (store.User, error) {
	pk, err := strconv.ParseInt(r.PathValue("pk"), 10, 64)
	if err != nil {
		return store.User{}, store.ErrNotFound
	}
	return h.App.Store.GetUser(r.Context(), pk)
}

func (h *Handler) groupConfirmRemove(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.Group], g store.Group) error {
	m, err := h.groupMember(r)
	if err != nil {
		return store.ErrNotFound
	}
	v := h.view(r, u, "Remove member", "groups")
	base := "/if/admin/groups/" + g.UUID + "/"
	v.P = confirmPage{Question: "Remove " + m.Username + " from " + g.Name + "?", Detail: "The user stays; only the membership ends.",
		Action: base + "members/" + strconv.FormatInt(m.PK, 10) + "/remove/", Cancel: base, Button: "Remove"}
	return h.render(w, r, http.StatusOK, "confirm", v)
}

func (h *Handler) groupRemoveMember(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.Group], g store.Group) error {
	m, err := h.groupMember(r)
	if err != nil {
		return store.ErrNotFound
	}
	err = h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		if err := group.RemoveMember(r.Context(), q, g.UUID, m.PK); err != nil {
			return err
		}
		return h.record(r.Context(), q, r, u, event.ModelUpdated, ref(resource.Users, m))
	})
	if err != nil {
		return err
	}
	return h.redirect(w, r, "/if/admin/groups/"+g.UUID+"/", flash{"ok", m.Username + " removed from " + g.Name + "."})
}
