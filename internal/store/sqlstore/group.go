package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

const groupCols = "uuid, name, is_superuser, parent, attributes"

func scanGroup(s scanner) (store.Group, error) {
	var g store.Group
	var parent sql.NullString
	err := s.Scan(&g.UUID, &g.Name, &g.IsSuperuser, &parent, jsonCol{&g.Attributes})
	g.Parent = nullStr(parent)
	g.Attributes = obj(g.Attributes)
	return g, err
}

func (c *conn) CreateGroup(ctx context.Context, g *store.Group) error {
	ensureUUID(&g.UUID)
	attrs, err := jsonObject(g.Attributes)
	if err != nil {
		return fmt.Errorf("store: insert group: attributes: %w", err)
	}
	_, err = c.exec(ctx, "INSERT INTO groups ("+groupCols+") VALUES (?, ?, ?, ?, ?)",
		g.UUID, g.Name, g.IsSuperuser, lowerPtr(g.Parent), attrs)
	return c.wrap("insert group", err)
}

func (c *conn) GetGroup(ctx context.Context, uuid string) (store.Group, error) {
	g, err := scanGroup(c.queryRow(ctx, "SELECT "+groupCols+" FROM groups WHERE uuid = ?", strings.ToLower(uuid)))
	return g, c.wrap("get group", err)
}

func (c *conn) GetGroupByName(ctx context.Context, name string) (store.Group, error) {
	g, err := scanGroup(c.queryRow(ctx, "SELECT "+groupCols+" FROM groups WHERE name = ?", name))
	return g, c.wrap("get group", err)
}

var groupOrdering = map[string]string{"name": "name", "is_superuser": "is_superuser", "pk": "uuid", "uuid": "uuid"}

func (c *conn) ListGroups(ctx context.Context, f store.GroupFilter) ([]store.Group, int, error) {
	var where []string
	var args []any
	if f.Search != "" {
		where = append(where, "name "+c.db.dialect.ILike+" ? ESCAPE '\\'")
		args = append(args, likeContains(f.Search))
	}
	if f.Name != "" {
		where = append(where, "name = ?")
		args = append(args, f.Name)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := c.queryRow(ctx, "SELECT COUNT(*) FROM groups"+cond, args...).Scan(&total); err != nil {
		return nil, 0, c.wrap("count groups", err)
	}
	rows, err := c.query(ctx, "SELECT "+groupCols+" FROM groups"+cond+" "+
		orderBy(f.Ordering, groupOrdering, "name", "uuid")+page(f.Limit, f.Offset), args...)
	if err != nil {
		return nil, 0, c.wrap("list groups", err)
	}
	out, err := collect(rows, scanGroup)
	return out, total, c.wrap("list groups", err)
}

func (c *conn) UpdateGroup(ctx context.Context, g *store.Group) error {
	attrs, err := jsonObject(g.Attributes)
	if err != nil {
		return fmt.Errorf("store: update group: attributes: %w", err)
	}
	return c.execOne(ctx, "update group", "UPDATE groups SET name = ?, is_superuser = ?, parent = ?, attributes = ? WHERE uuid = ?",
		g.Name, g.IsSuperuser, lowerPtr(g.Parent), attrs, strings.ToLower(g.UUID))
}

// DeleteGroup removes the group. The schema drops its memberships and
// policy bindings and unsets it as a parent; user write stages that put new
// users into it stop doing so.
func (c *conn) DeleteGroup(ctx context.Context, uuid string) error {
	uuid = strings.ToLower(uuid)
	return c.inTx(ctx, func(c *conn) error {
		if err := c.execOne(ctx, "delete group", "DELETE FROM groups WHERE uuid = ?", uuid); err != nil {
			return err
		}
		return c.rewriteStages(ctx, store.StageUserWrite, func(s *store.Stage) bool {
			return clearRef(&s.UserWrite.CreateUsersGroup, uuid)
		})
	})
}

func (c *conn) AddGroupMember(ctx context.Context, groupUUID string, userPK int64) error {
	_, err := c.exec(ctx, "INSERT INTO group_members (group_uuid, user_pk) VALUES (?, ?) ON CONFLICT DO NOTHING",
		strings.ToLower(groupUUID), userPK)
	return c.wrap("add group member", err)
}

// RemoveGroupMember is a no-op when the user is not a member.
func (c *conn) RemoveGroupMember(ctx context.Context, groupUUID string, userPK int64) error {
	_, err := c.exec(ctx, "DELETE FROM group_members WHERE group_uuid = ? AND user_pk = ?", strings.ToLower(groupUUID), userPK)
	return c.wrap("remove group member", err)
}

func (c *conn) UserGroups(ctx context.Context, userPK int64) ([]store.Group, error) {
	rows, err := c.query(ctx, "SELECT "+prefixCols("g", groupCols)+` FROM groups g
		JOIN group_members m ON m.group_uuid = g.uuid WHERE m.user_pk = ? ORDER BY g.name`, userPK)
	if err != nil {
		return nil, c.wrap("list user groups", err)
	}
	out, err := collect(rows, scanGroup)
	return out, c.wrap("list user groups", err)
}

// IsSuperuser walks up from the user's groups; UNION (not UNION ALL)
// stops at groups already seen, so a parent cycle terminates.
func (c *conn) IsSuperuser(ctx context.Context, userPK int64) (bool, error) {
	var yes bool
	err := c.queryRow(ctx, `WITH RECURSIVE anc(uuid) AS (
			SELECT group_uuid FROM group_members WHERE user_pk = ?
			UNION
			SELECT g.parent FROM groups g JOIN anc ON g.uuid = anc.uuid WHERE g.parent IS NOT NULL
		)
		SELECT EXISTS (SELECT 1 FROM groups g JOIN anc ON g.uuid = anc.uuid WHERE g.is_superuser)`, userPK).Scan(&yes)
	return yes, c.wrap("check superuser", err)
}

// prefixCols qualifies a column list with a table alias.
func prefixCols(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// lowerPtr lower-cases an optional UUID for storage.
func lowerPtr(s *string) any {
	if s == nil {
		return nil
	}
	return strings.ToLower(*s)
}

// clearRef unsets *ref when it points at uuid and reports whether it did.
func clearRef(ref **string, uuid string) bool {
	if *ref != nil && strings.EqualFold(**ref, uuid) {
		*ref = nil
		return true
	}
	return false
}
