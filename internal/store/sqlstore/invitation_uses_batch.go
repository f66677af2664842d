package sqlstore

import (
	"context"
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
	rows, err := c.query(ctx, `SELECT `+invitationUseCols+` FROM invitation_uses
		WHERE invitation IN (`+in+`) ORDER BY invitation, used_at, id`, args...)
	if err != nil {
		return nil, c.wrap("list invitation uses", err)
	}
	out, err := collect(rows, scanInvitationUse)
	return out, c.wrap("list invitation uses", err)
}
