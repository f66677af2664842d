package api

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// listUsers pages users in SQL with the filters the store knows (username,
// email, path, path_startswith, one type, is_active, one group, search,
// ordering). authentik's other filters (several types, groups_by_name,
// name, uuid, is_superuser, attributes, last_login__isnull and the
// date_joined / last_login / last_updated ranges) are applied here to the
// SQL-filtered rows, which are then paged in Go: they are rare, and the
// common listing stays one bounded query.
func (h *Handler) listUsers(rc *resource.Ctx, q listQuery) ([]store.User, int, error) {
	p := q.Params
	f := store.UserFilter{Search: q.Search, Username: p.Get("username"), Email: p.Get("email"), Path: p.Get("path"),
		PathPrefix: p.Get("path_startswith"), Ordering: userOrdering(q.Ordering)}
	if b, ok := boolParam(p, "is_active"); ok {
		f.IsActive = &b
	}
	var keep []func(u store.User) (bool, error)
	verr := &resource.ValidationError{}

	types := nonEmpty(p["type"])
	for _, t := range types {
		if !contains(resource.UserTypes, t) {
			verr.Add("type", fmt.Sprintf("Select a valid choice. %s is not one of the available choices.", t))
		}
	}
	if len(types) == 1 {
		f.Type = types[0]
	} else if len(types) > 1 {
		keep = append(keep, func(u store.User) (bool, error) { return contains(types, u.Type), nil })
	}

	// groups_by_pk and groups_by_name each match members of any of their
	// groups; given both, a user must match both.
	var groupSets [][]string
	if ids := nonEmpty(p["groups_by_pk"]); len(ids) > 0 {
		groupSets = append(groupSets, groupsByPK(rc, ids, verr))
	}
	if names := nonEmpty(p["groups_by_name"]); len(names) > 0 {
		groupSets = append(groupSets, groupsByName(rc, names, verr))
	}
	if len(groupSets) == 1 && len(groupSets[0]) == 1 {
		f.GroupUUID = groupSets[0][0]
	} else {
		for _, set := range groupSets {
			members, err := groupMembers(rc, set)
			if err != nil {
				return nil, 0, err
			}
			keep = append(keep, func(u store.User) (bool, error) { return members[u.PK], nil })
		}
	}

	if name := p.Get("name"); name != "" {
		keep = append(keep, func(u store.User) (bool, error) { return u.Name == name, nil })
	}
	if s := p.Get("uuid"); s != "" {
		id, ok := resource.NormUUID(s)
		if !ok {
			verr.Add("uuid", "Enter a valid UUID.")
		}
		keep = append(keep, func(u store.User) (bool, error) { return u.UUID == id, nil })
	}
	if b, ok := boolParam(p, "is_superuser"); ok {
		keep = append(keep, func(u store.User) (bool, error) {
			super, err := rc.Q.IsSuperuser(rc.Context, u.PK)
			return super == b, err
		})
	}
	if b, ok := boolParam(p, "last_login__isnull"); ok {
		keep = append(keep, func(u store.User) (bool, error) { return (u.LastLogin == nil) == b, nil })
	}
	if s := p.Get("attributes"); s != "" {
		if match, msg := attributesFilter(s); msg != "" {
			verr.Add("attributes", msg)
		} else {
			keep = append(keep, func(u store.User) (bool, error) { return match(u.Attributes), nil })
		}
	}
	keep = append(keep, timeFilters(p, verr, map[string]func(u store.User) *time.Time{
		"date_joined":  func(u store.User) *time.Time { return &u.DateJoined },
		"last_login":   func(u store.User) *time.Time { return u.LastLogin },
		"last_updated": func(u store.User) *time.Time { return &u.LastUpdated },
	})...)
	if err := verr.Err(); err != nil {
		return nil, 0, err
	}

	if len(keep) == 0 {
		f.Limit, f.Offset = q.Page.Size, q.Page.Offset()
		users, count, err := rc.Q.ListUsers(rc.Context, f)
		if err != nil {
			return nil, 0, err
		}
		return users, count, nil
	}
	all, _, err := rc.Q.ListUsers(rc.Context, f)
	if err != nil {
		return nil, 0, err
	}
	var out []store.User
next:
	for _, u := range all {
		for _, k := range keep {
			ok, err := k(u)
			if err != nil {
				return nil, 0, err
			}
			if !ok {
				continue next
			}
		}
		out = append(out, u)
	}
	return pageOfSlice(out, q.Page), len(out), nil
}

// userOrdering passes the first ?ordering= key to the store, which falls
// back to username for fields it does not sort by.
func userOrdering(s string) string {
	first, _, _ := strings.Cut(s, ",")
	return strings.TrimSpace(first)
}

// listGroups pages groups in SQL (name, search, ordering); is_superuser,
// members_by_pk, members_by_username and attributes are applied in Go to
// the SQL-filtered rows, as for users.
func (h *Handler) listGroups(rc *resource.Ctx, q listQuery) ([]store.Group, int, error) {
	p := q.Params
	ordering, _, _ := strings.Cut(q.Ordering, ",")
	if strings.TrimPrefix(ordering, "-") != "name" {
		ordering = "name"
	}
	f := store.GroupFilter{Search: q.Search, Name: p.Get("name"), Ordering: ordering}
	var keep []func(g store.Group) (bool, error)
	verr := &resource.ValidationError{}
	if b, ok := boolParam(p, "is_superuser"); ok {
		keep = append(keep, func(g store.Group) (bool, error) { return g.IsSuperuser == b, nil })
	}
	var members []int64
	for _, s := range nonEmpty(p["members_by_pk"]) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			verr.Add("members_by_pk", fmt.Sprintf("“%s” is not a valid value.", s))
			continue
		}
		if _, err := rc.Q.GetUser(rc.Context, n); err != nil {
			verr.Add("members_by_pk", fmt.Sprintf("Select a valid choice. %s is not one of the available choices.", s))
			continue
		}
		members = append(members, n)
	}
	for _, s := range nonEmpty(p["members_by_username"]) {
		u, err := rc.Q.GetUserByUsername(rc.Context, s)
		if err != nil {
			verr.Add("members_by_username", fmt.Sprintf("Select a valid choice. %s is not one of the available choices.", s))
			continue
		}
		members = append(members, u.PK)
	}
	if len(members) > 0 {
		groups := map[string]bool{}
		for _, pk := range members {
			gs, err := rc.Q.UserGroups(rc.Context, pk)
			if err != nil {
				return nil, 0, err
			}
			for _, g := range gs {
				groups[g.UUID] = true
			}
		}
		keep = append(keep, func(g store.Group) (bool, error) { return groups[g.UUID], nil })
	}
	if s := p.Get("attributes"); s != "" {
		if match, msg := attributesFilter(s); msg != "" {
			verr.Add("attributes", msg)
		} else {
			keep = append(keep, func(g store.Group) (bool, error) { return match(g.Attributes), nil })
		}
	}
	if err := verr.Err(); err != nil {
		return nil, 0, err
	}
	if len(keep) == 0 {
		f.Limit, f.Offset = q.Page.Size, q.Page.Offset()
		groups, count, err := rc.Q.ListGroups(rc.Context, f)
		if err != nil {
			return nil, 0, err
		}
		return groups, count, nil
	}
	all, _, err := rc.Q.ListGroups(rc.Context, f)
	if err != nil {
		return nil, 0, err
	}
	var out []store.Group
next:
	for _, g := range all {
		for _, k := range keep {
			if ok, _ := k(g); !ok {
				continue next
			}
		}
		out = append(out, g)
	}
	return pageOfSlice(out, q.Page), len(out), nil
}

// groupsByPK resolves groups_by_pk values, recording django-filter's
// messages for bad ones.
func groupsByPK(rc *resource.Ctx, ids []string, verr *resource.ValidationError) []string {
	var out []string
	for _, s := range ids {
		id, ok := resource.NormUUID(s)
		if !ok {
			verr.Add("groups_by_pk", fmt.Sprintf("“%s” is not a valid UUID.", s))
			continue
		}
		if _, err := rc.Q.GetGroup(rc.Context, id); err != nil {
			verr.Add("groups_by_pk", fmt.Sprintf("Select a valid choice. %s is not one of the available choices.", s))
			continue
		}
		out = append(out, id)
	}
	return out
}

// groupsByName resolves groups_by_name values.
func groupsByName(rc *resource.Ctx, names []string, verr *resource.ValidationError) []string {
	var out []string
	for _, n := range names {
		g, err := rc.Q.GetGroupByName(rc.Context, n)
		if err != nil {
			verr.Add("groups_by_name", fmt.Sprintf("Select a valid choice. %s is not one of the available choices.", n))
			continue
		}
		out = append(out, g.UUID)
	}
	return out
}

// groupMembers returns the PKs of the direct members of any of groups.
func groupMembers(rc *resource.Ctx, groups []string) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, g := range groups {
		users, _, err := rc.Q.ListUsers(rc.Context, store.UserFilter{GroupUUID: g})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			out[u.PK] = true
		}
	}
	return out, nil
}

// attributesFilter parses authentik's ?attributes= JSON object: every key
// (nested keys joined by "__") must equal its value. It returns authentik's
// message for a value that is not such an object.
func attributesFilter(s string) (func(map[string]any) bool, string) {
	var want any
	if err := json.Unmarshal([]byte(s), &want); err != nil {
		return nil, "filter: failed to parse JSON"
	}
	m, ok := want.(map[string]any)
	if !ok {
		return nil, "filter: value must be key:value mapping"
	}
	return func(attrs map[string]any) bool {
		for k, w := range m {
			var cur any = attrs
			for _, part := range strings.Split(k, "__") {
				cm, ok := cur.(map[string]any)
				if !ok {
					return false
				}
				cur = cm[part]
			}
			if !jsonEqual(cur, w) {
				return false
			}
		}
		return true
	}, ""
}

// jsonEqual compares two values as JSON (so 3 equals 3.0).
func jsonEqual(a, b any) bool {
	ra, err1 := json.Marshal(a)
	rb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		return false
	}
	var x, y any
	_ = json.Unmarshal(ra, &x)
	_ = json.Unmarshal(rb, &y)
	return reflect.DeepEqual(x, y)
}

// timeFilters builds exact, __gt and __lt filters over datetime fields.
func timeFilters[T any](p url.Values, verr *resource.ValidationError, fields map[string]func(T) *time.Time) []func(T) (bool, error) {
	var out []func(T) (bool, error)
	for name, get := range fields {
		for _, op := range []string{"", "__gt", "__lt"} {
			s := p.Get(name + op)
			if s == "" {
				continue
			}
			want, ok := parseTime(s)
			if !ok {
				verr.Add(name+op, "Enter a valid date/time.")
				continue
			}
			get, op := get, op
			out = append(out, func(v T) (bool, error) {
				got := get(v)
				if got == nil {
					return false, nil
				}
				switch op {
				case "__gt":
					return got.After(want), nil
				case "__lt":
					return got.Before(want), nil
				}
				return got.Equal(want), nil
			})
		}
	}
	return out
}

// boolParam reads a django-filter boolean: true/false/1/0 (any case);
// anything else means "not filtered".
func boolParam(p url.Values, key string) (bool, bool) {
	switch strings.ToLower(p.Get(key)) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pageOfSlice returns the requested page of items filtered in Go.
func pageOfSlice[T any](items []T, p page) []T {
	start := min(p.Offset(), len(items))
	return items[start:min(start+p.Size, len(items))]
}
