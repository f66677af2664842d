package sqlstore

import (
	"context"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

// SetInvitationGroups replaces the invitation's group links.
func (c *conn) SetInvitationGroups(ctx context.Context, invitationUUID string, groupUUIDs []string) error {
	inv := strings.ToLower(invitationUUID)
	return c.inTx(ctx, func(c *conn) error {
		if _, err := c.exec(ctx, "DELETE FROM invitation_groups WHERE invitation = ?", inv); err != nil {
			return c.wrap("set invitation groups", err)
		}
		for _, g := range groupUUIDs {
			if _, err := c.exec(ctx, `INSERT INTO invitation_groups (invitation, group_uuid) VALUES (?, ?)
				ON CONFLICT DO NOTHING`, inv, strings.ToLower(g)); err != nil {
				return c.wrap("set invitation groups", err)
			}
		}
		return nil
	})
}

// InvitationGroups reads the groups of a page of invitations with one query
// on the link table's primary key.
func (c *conn) InvitationGroups(ctx context.Context, invitationUUIDs []string) (map[string][]store.Group, error) {
	out := map[string][]store.Group{}
	if len(invitationUUIDs) == 0 {
		return out, nil
	}
	in, args := inList(invitationUUIDs)
	rows, err := c.query(ctx, `SELECT l.invitation, `+prefixCols("g", groupCols)+` FROM invitation_groups l
		JOIN groups g ON g.uuid = l.group_uuid WHERE l.invitation IN (`+in+`) ORDER BY l.invitation, g.name`, args...)
	if err != nil {
		return nil, c.wrap("list invitation groups", err)
	}
	type linked struct {
		inv string
		g   store.Group
	}
	list, err := collect(rows, func(s scanner) (linked, error) {
		var l linked
		var err error
		l.g, err = scanGroup(leading{s, &l.inv})
		return l, err
	})
	if err != nil {
		return nil, c.wrap("list invitation groups", err)
	}
	for _, l := range list {
		out[l.inv] = append(out[l.inv], l.g)
	}
	return out, nil
}
