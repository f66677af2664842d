package console

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

var userTypeOptions = choices("internal", "Internal", "external", "External", "service_account", "Service account",
	"internal_service_account", "Internal service account")

func (h *Handler) mountUsers(mux *routes) {
	e := h.userEntity()
	mux.HandleFunc("GET /if/admin/users/", h.admin(h.userList))
	e.mount(mux)
	mux.HandleFunc("GET /if/admin/users/{id}/", h.admin(e.with(h.userDetail)))
	mux.HandleFunc("POST /if/admin/users/{id}/password/", h.admin(e.with(h.userSetPassword)))
	mux.HandleFunc("POST /if/admin/users/{id}/devices/{device}/delete/", h.admin(e.with(h.userDeviceRemove)))
	mux.HandleFunc("GET /if/admin/users/{id}/active/", h.admin(e.with(h.userConfirmActive)))
	mux.HandleFunc("POST /if/admin/users/{id}/active/", h.admin(e.with(h.userToggleActive)))
	mux.HandleFunc("POST /if/admin/users/{id}/recovery/", h.admin(e.with(h.userRecoveryLink)))
	mux.HandleFunc("POST /if/admin/users/{id}/recovery_email/", h.admin(e.with(h.userRecoveryEmail)))
}

func (h *Handler) userEntity() *entity[store.User] {
	return &entity[store.User]{h: h,
		Singular: "User", Base: "/if/admin/users/", Nav: "users", model: resource.Users,
		load: func(ctx context.Context, id string) (store.User, error) {
			pk, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				return store.User{}, store.ErrNotFound
			}
			return h.App.Store.GetUser(ctx, pk)
		},
		form: func(ctx context.Context, obj *store.User) (*formDef, error) {
			gopts, err := groupOptions(ctx, h.App.Store, "", "")
			if err != nil {
				return nil, err
			}
			return &formDef{Fields: []*field{
				{Name: "username", Label: "Username", Kind: "text", Required: true, Autocomplete: "off", Help: "At most 150 characters."},
				{Name: "name", Label: "Name", Kind: "text", Help: "The user's display name."},
				{Name: "email", Label: "Email", Kind: "email", Autocomplete: "off"},
				{Name: "type", Label: "User type", Kind: "select", Options: userTypeOptions,
					Help: "Internal users can use the user interface; external users are sent to the brand's default application."},
				{Name: "path", Label: "Path", Kind: "text", Required: true, Help: "Folder-like path used to organise users, e.g. users/internal/engineering."},
				{Name: "is_active", Label: "Is active", Kind: "checkbox", Help: "Inactive users cannot sign in."},
				{Name: "groups", Label: "Groups", Kind: "multiselect", Options: gopts},
				{Name: "attributes", Label: "Attributes", Kind: "code", Help: "JSON or YAML mapping."},
			}}, nil
		},
		values: func(obj *store.User) url.Values {
			if obj == nil {
				return url.Values{"type": {"internal"}, "path": {"users"}, "is_active": {"on"}, "attributes": {"{}"}}
			}
			u := *obj
			v := url.Values{"username": {u.Username}, "name": {u.Name}, "email": {u.Email}, "type": {u.Type}, "path": {u.Path},
				"is_active": {boolStr(u.IsActive)}, "attributes": {prettyJSON(orEmpty(u.Attributes))}}
			if gs, err := h.App.Store.UserGroups(context.Background(), u.PK); err == nil {
				for _, g := range gs {
					v.Add("groups", g.UUID)
				}
			}
			return v
		},
		data: func(f *formDef, v url.Values, _ *store.User) map[string]any {
			d := genericData(f, v)
			if a, err := parseAttributes(v.Get("attributes")); err != nil {
				f.addError("attributes", err.Error())
			} else {
				d["attributes"] = a
			}
			return d
		},
		ident: func(u store.User) (string, string) {
			return strconv.FormatInt(u.PK, 10), u.Username
		},
		next: func(obj store.User) string {
			return "/if/admin/users/" + strconv.FormatInt(obj.PK, 10) + "/"
		},
	}
}

type pathNode struct {
	Name, Path string
	Active     bool
	Children   []*pathNode
}

// pathTree turns "users/internal/engineering" style paths into a tree.
func pathTree(paths []string, active string) []*pathNode {
	var roots []*pathNode
	find := func(list *[]*pathNode, name, full string) *pathNode {
		for _, n := range *list {
			if n.Name == name {
				return n
			}
		}
		n := &pathNode{Name: name, Path: full, Active: full == active}
		*list = append(*list, n)
		return n
	}
	sort.Strings(paths)
	for _, p := range paths {
		list := &roots
		parts := strings.Split(p, "/")
		for i, part := range parts {
			n := find(list, part, strings.Join(parts[:i+1], "/"))
			list = &n.Children
		}
	}
	return roots
}

type userListPage struct {
	Users []store.User
	Tree  []*pathNode
	Path  string
	Pager *pager
}

// userList is Directory > Users: a page of users, filtered by search and by
// the path chosen in the tree.
func (h *Handler) userList(w http.ResponseWriter, r *http.Request, u *store.User) error {
	ctx := r.Context()
	p := newPager(r, "/if/admin/users/", []string{"username", "name", "last_login", "date_joined"}, "username")
	path := strings.Trim(r.URL.Query().Get("path"), "/")
	if path != "" {
		p.Query.Set("path", path)
	}
	users, n, err := h.App.Store.ListUsers(ctx, store.UserFilter{Search: p.Search, PathPrefix: path, Ordering: p.Sort,
		Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		return err
	}
	p.Count = n
	paths, err := h.App.Store.UserPaths(ctx)
	if err != nil {
		return err
	}
	v := h.view(r, u, "Users", "users")
	v.P = userListPage{Users: users, Tree: pathTree(paths, path), Path: path, Pager: p}
	return h.render(w, r, http.StatusOK, "user_list", v)
}
