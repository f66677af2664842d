package sqlstore

import (
	"context"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

// LinkInvitationOutbox remembers which outbox messages carried an
// invitation, so the console can show their delivery status.
func (c *conn) LinkInvitationOutbox(ctx context.Context, invitationUUID string, outboxIDs []int64) error {
	return c.inTx(ctx, func(c *conn) error {
		for _, id := range outboxIDs {
			if _, err := c.exec(ctx, `INSERT INTO invitation_outbox (invitation, outbox_id) VALUES (?, ?)
				ON CONFLICT DO NOTHING`, strings.ToLower(invitationUUID), id); err != nil {
				return c.wrap("link invitation outbox message", err)
			}
		}
		return nil
	})
}

// InvitationOutbox reads the messages of a page of invitations with one
// query on the link table's primary key.
func (c *conn) InvitationOutbox(ctx context.Context, invitationUUIDs []string) (map[string][]store.OutboxMessage, error) {
	out := map[string][]store.OutboxMessage{}
	if len(invitationUUIDs) == 0 {
		return out, nil
	}
	in, args := inList(invitationUUIDs)
	rows, err := c.query(ctx, `SELECT l.invitation, `+prefixCols("o", outboxCols)+` FROM invitation_outbox l
		JOIN outbox o ON o.id = l.outbox_id WHERE l.invitation IN (`+in+`) ORDER BY l.invitation, o.id DESC`, args...)
	if err != nil {
		return nil, c.wrap("list invitation outbox messages", err)
	}
	type linked struct {
		inv string
		m   store.OutboxMessage
	}
	list, err := collect(rows, func(s scanner) (linked, error) {
		var l linked
		var err error
		l.m, err = scanOutbox(leading{s, &l.inv})
		return l, err
	})
	if err != nil {
		return nil, c.wrap("list invitation outbox messages", err)
	}
	for _, l := range list {
		out[l.inv] = append(out[l.inv], l.m)
	}
	return out, nil
}

// leading scans one extra column in front of what the wrapped scan reads.
type leading struct {
	s     scanner
	first any
}

func (l leading) Scan(dest ...any) error { return l.s.Scan(append([]any{l.first}, dest...)...) }
