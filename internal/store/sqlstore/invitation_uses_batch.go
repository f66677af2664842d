package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

// inList returns "?, ?, ..." for n values and the lower-cased UUIDs as
// arguments, for an IN (...) over invitation keys.
func inList(uuids []string) (string, []any) {
	args := make([]any, len(uuids))
	for i, u := range uuids {
		args[i] = strings.ToLower(u)
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(uuids)), ", "), args
}

// ListInvitationUsesFor reads the uses of a page of invitations with one
// query on the invitation_uses_invitation index.
func (c *conn) ListInvitationUsesFor(ctx context.Context, invitationUUIDs []string) ([]store.InvitationUse, error) {
	if len(invitationUUIDs) == 0 {
		return nil, nil
	}
	in, args := inList(invitationUUIDs)
	rows, err := c.query(ctx, `SELECT id, invitation, user_pk, username, used_at, client_ip FROM invitation_uses
		WHERE invitation IN (`+in+`) ORDER BY invitation, used_at, id`, args...)
	if err != nil {
		return nil, c.wrap("list invitation uses", err)
	}
	out, err := collect(rows, func(s scanner) (store.InvitationUse, error) {
		var u store.InvitationUse
		var user sql.NullInt64
		var at timeCol
		err := s.Scan(&u.ID, &u.Invitation, &user, &u.Username, &at, &u.ClientIP)
		u.UserPK, u.UsedAt = nullInt64(user), at.T
		return u, err
	})
	return out, c.wrap("list invitation uses", err)
}
