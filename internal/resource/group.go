package resource

import (
	"fmt"
	"strconv"

	"github.com/usher-id/usher/internal/domain/group"
	"github.com/usher-id/usher/internal/store"
)

// Groups is authentik's core.Group.
var Groups = &Model[store.Group]{
	Name: store.ModelGroup, VerboseName: "Group", VerboseNamePlural: "Groups",
	Fields: []string{"pk", "num_pk", "name", "is_superuser", "parents", "parents_obj", "users", "users_obj",
		"attributes", "roles", "roles_obj", "inherited_roles_obj", "children", "children_obj"},
	pk:    func(o store.Group) any { return o.UUID },
	title: func(o store.Group) string { return o.Name },
	list: func(c *Ctx) ([]store.Group, error) {
		all, _, err := c.Q.ListGroups(c.ctx(), store.GroupFilter{})
		return all, err
	},
	del: func(c *Ctx, o store.Group) error { return group.Delete(c.ctx(), c.Q, o.UUID) },
}

func init() {
	Groups.save, Groups.serialize = saveGroup, serializeGroup
	define(Groups, finder[store.Group]{
		byPK: uuidPK(func(c *Ctx, id string) (store.Group, error) { return c.Q.GetGroup(c.ctx(), id) }),
		unique: map[string]func(c *Ctx, v string) (store.Group, error){
			"name": func(c *Ctx, v string) (store.Group, error) { return c.Q.GetGroupByName(c.ctx(), v) },
		},
	})
}

// NumPK stands in for authentik's integer group id, which usher does not
// have: the first 28 bits of the UUID, stable for the group's life.
func NumPK(uuid string) int {
	n, _ := strconv.ParseInt(store.Hex(uuid)[:7], 16, 64)
	return int(n)
}

func partialGroup(g store.Group) map[string]any {
	return map[string]any{"pk": g.UUID, "num_pk": NumPK(g.UUID), "name": g.Name, "is_superuser": g.IsSuperuser,
		"attributes": nonNilMap(g.Attributes)}
}

func relatedGroup(g store.Group) map[string]any {
	return map[string]any{"pk": g.UUID, "name": g.Name, "is_superuser": g.IsSuperuser,
		"attributes": nonNilMap(g.Attributes), "group_uuid": g.UUID}
}

func saveGroup(c *Ctx, existing *store.Group, data map[string]any) (store.Group, error) {
	g := store.Group{Attributes: map[string]any{}}
	if existing != nil {
		g = *existing
	}
	in := newInput(c, store.ModelGroup, existing == nil, data)
	setPK(c, in, &g.UUID)
	in.readOnly("num_pk", "parents_obj", "users_obj", "roles_obj", "inherited_roles_obj", "children", "children_obj")
	if in.str("name", &g.Name, strOpt{required: true}) && (existing == nil || g.Name != existing.Name) {
		if other, err := c.Q.GetGroupByName(c.ctx(), g.Name); err == nil && other.UUID != g.UUID {
			in.taken("name", uniqueMsg("Group", "name"))
		}
	}
	in.boolean("is_superuser", &g.IsSuperuser)
	in.dict("attributes", &g.Attributes)
	var parents []string
	if in.refs("parents", &parents, false, true, exists(c, getGroup)) {
		switch len(parents) {
		case 0:
			g.Parent = nil
		case 1:
			g.Parent = &parents[0]
		default:
			in.fail("parents", "usher supports one parent per group; give at most one.")
		}
	}
	in.ref("parent", &g.Parent, false, true, exists(c, getGroup)) // authentik before 2025.8
	if g.Parent != nil && in.ok() && g.UUID != "" {
		if err := checkCycle(c, g.UUID, *g.Parent); err != nil {
			in.fail("parents", err.Error())
		}
	}
	var users []int64
	setUsers := in.userRefs("users", &users)
	var roles []string
	in.refs("roles", &roles, false, true, func(string) bool { return false })
	if err := in.err(); err != nil {
		return store.Group{}, err
	}
	var err error
	if existing == nil {
		err = group.Create(c.ctx(), c.Q, &g)
	} else {
		err = group.Update(c.ctx(), c.Q, &g)
	}
	c.forget()
	if err != nil {
		return store.Group{}, conflict(err, "name", uniqueMsg("Group", "name"))
	}
	if setUsers {
		if err := group.SetMembers(c.ctx(), c.Q, g.UUID, users); err != nil {
			return store.Group{}, err
		}
	}
	return g, nil
}

func checkCycle(c *Ctx, self, parent string) error {
	seen := map[string]bool{}
	for cur := parent; cur != ""; {
		if cur == self {
			return fmt.Errorf("A group cannot be its own ancestor.")
		}
		if seen[cur] {
			return nil
		}
		seen[cur] = true
		p, err := c.Q.GetGroup(c.ctx(), cur)
		if err != nil || p.Parent == nil {
			return nil
		}
		cur = *p.Parent
	}
	return nil
}

// userRefs reads a list of user pks (integers).
func (in *input) userRefs(key string, dst *[]int64) bool {
	raw, ok := in.get(key)
	if !ok {
		return false
	}
	list, good := in.list(key, raw)
	if !good {
		return false
	}
	out := []int64{}
	for _, item := range list {
		n, good := asInt(item)
		if _, isBool := item.(bool); !good || isBool {
			in.fail(key, fmt.Sprintf("Incorrect type. Expected pk value, received %s.", pyType(item)))
			return false
		}
		if _, err := in.c.Q.GetUser(in.c.ctx(), int64(n)); err != nil {
			in.fail(key, fmt.Sprintf("Invalid pk \"%d\" - object does not exist.", n))
			return false
		}
		out = append(out, int64(n))
	}
	*dst = out
	return true
}

func serializeGroup(c *Ctx, g store.Group) (map[string]any, error) {
	parents, parentsObj := []string{}, []any{}
	if g.Parent != nil {
		p, err := c.Q.GetGroup(c.ctx(), *g.Parent)
		if err == nil {
			parents = append(parents, p.UUID)
			parentsObj = append(parentsObj, relatedGroup(p))
		}
	}
	members, _, err := c.Q.ListUsers(c.ctx(), store.UserFilter{GroupUUID: g.UUID, Ordering: "username"})
	if err != nil {
		return nil, err
	}
	users, usersObj := []int64{}, []any{}
	for _, u := range members {
		users = append(users, u.PK)
		usersObj = append(usersObj, PartialUser(u))
	}
	all, err := cached(c, "groups", func() ([]store.Group, error) {
		gs, _, err := c.Q.ListGroups(c.ctx(), store.GroupFilter{})
		return gs, err
	})
	if err != nil {
		return nil, err
	}
	children, childrenObj := []string{}, []any{}
	for _, ch := range all {
		if ch.Parent != nil && *ch.Parent == g.UUID {
			children = append(children, ch.UUID)
			childrenObj = append(childrenObj, relatedGroup(ch))
		}
	}
	return map[string]any{
		"pk": g.UUID, "num_pk": NumPK(g.UUID), "name": g.Name, "is_superuser": g.IsSuperuser,
		"parents": parents, "parents_obj": parentsObj, "users": users, "users_obj": usersObj,
		"attributes": nonNilMap(g.Attributes), "roles": []string{}, "roles_obj": []any{},
		"inherited_roles_obj": []any{}, "children": children, "children_obj": childrenObj,
	}, nil
}
