package api

import (
	"strconv"
	"strings"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// listUsers pages users in SQL: filters username, email, path,
// path_startswith, type, is_active, groups_by_pk, search, ordering.
func (h *Handler) listUsers(rc *resource.Ctx, q listQuery) ([]resource.Object, int, error) {
	p := q.Params
	f := store.UserFilter{Search: q.Search, Username: p.Get("username"), Email: p.Get("email"), Path: p.Get("path"),
		PathPrefix: p.Get("path_startswith"), Type: p.Get("type"), Ordering: userOrdering(q.Ordering),
		Limit: q.Page.Size, Offset: q.Page.Offset()}
	if v := p.Get("is_active"); v != "" {
		b, err := strconv.ParseBool(v)
		if err == nil {
			f.IsActive = &b
		}
	}
	if g := p.Get("groups_by_pk"); g != "" {
		if id, ok := resource.NormUUID(g); ok {
			f.GroupUUID = id
		}
	}
	users, count, err := rc.Q.ListUsers(rc.Context, f)
	if err != nil {
		return nil, 0, err
	}
	out := make([]resource.Object, len(users))
	for i, u := range users {
		out[i] = u
	}
	return out, count, nil
}

// userOrdering passes the first ?ordering= key to the store, which falls
// back to username for fields it does not sort by.
func userOrdering(s string) string {
	first, _, _ := strings.Cut(s, ",")
	return strings.TrimSpace(first)
}

// listGroups pages groups in SQL: filters name, search, ordering.
func (h *Handler) listGroups(rc *resource.Ctx, q listQuery) ([]resource.Object, int, error) {
	ordering, _, _ := strings.Cut(q.Ordering, ",")
	if strings.TrimPrefix(ordering, "-") != "name" {
		ordering = "name"
	}
	groups, count, err := rc.Q.ListGroups(rc.Context, store.GroupFilter{Search: q.Search, Name: q.Params.Get("name"),
		Ordering: ordering, Limit: q.Page.Size, Offset: q.Page.Offset()})
	if err != nil {
		return nil, 0, err
	}
	out := make([]resource.Object, len(groups))
	for i, g := range groups {
		out[i] = g
	}
	return out, count, nil
}
