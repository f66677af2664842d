package sqlstore

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/store"
)

func (c *conn) SetInvitationRedirect(ctx context.Context, invitationUUID, redirect string) error {
	inv := strings.ToLower(invitationUUID)
	if redirect == "" {
		_, err := c.exec(ctx, "DELETE FROM invitation_redirects WHERE invitation = ?", inv)
		return c.wrap("set invitation redirect", err)
	}
	_, err := c.exec(ctx, `INSERT INTO invitation_redirects (invitation, redirect) VALUES (?, ?)
		ON CONFLICT (invitation) DO UPDATE SET redirect = excluded.redirect`, inv, redirect)
	return c.wrap("set invitation redirect", err)
}

func (c *conn) InvitationRedirect(ctx context.Context, invitationUUID string) (string, error) {
	var s string
	err := c.queryRow(ctx, "SELECT redirect FROM invitation_redirects WHERE invitation = ?", strings.ToLower(invitationUUID)).Scan(&s)
	if err = c.wrap("get invitation redirect", err); errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return s, err
}

func (c *conn) SetInvitationDelegation(ctx context.Context, d store.InvitationDelegation) error {
	_, err := c.exec(ctx, `INSERT INTO invitation_delegations (group_uuid, flow, max_live, max_per_month) VALUES (?, ?, ?, ?)
		ON CONFLICT (group_uuid) DO UPDATE SET flow = excluded.flow, max_live = excluded.max_live,
		max_per_month = excluded.max_per_month`, strings.ToLower(d.Group), strings.ToLower(d.Flow), d.MaxLive, d.MaxPerMonth)
	return c.wrap("set invitation delegation", err)
}

func (c *conn) DeleteInvitationDelegation(ctx context.Context, groupUUID string) error {
	res, err := c.exec(ctx, "DELETE FROM invitation_delegations WHERE group_uuid = ?", strings.ToLower(groupUUID))
	if err != nil {
		return c.wrap("delete invitation delegation", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return c.wrap("delete invitation delegation", store.ErrNotFound)
	}
	return nil
}

func (c *conn) ListInvitationDelegations(ctx context.Context) ([]store.InvitationDelegation, error) {
	rows, err := c.query(ctx, `SELECT group_uuid, flow, max_live, max_per_month FROM invitation_delegations ORDER BY group_uuid`)
	if err != nil {
		return nil, c.wrap("list invitation delegations", err)
	}
	out, err := collect(rows, func(s scanner) (store.InvitationDelegation, error) {
		var d store.InvitationDelegation
		err := s.Scan(&d.Group, &d.Flow, &d.MaxLive, &d.MaxPerMonth)
		return d, err
	})
	return out, c.wrap("list invitation delegations", err)
}

// LockInvitationQuota creates the user's row if needed and updates it: the
// UPDATE's row lock (PostgreSQL) or the write lock (SQLite) lasts until
// the transaction ends.
func (c *conn) LockInvitationQuota(ctx context.Context, userPK int64) error {
	if _, err := c.exec(ctx, "INSERT INTO invitation_quota_locks (user_pk) VALUES (?) ON CONFLICT DO NOTHING", userPK); err != nil {
		return c.wrap("lock invitation quota", err)
	}
	_, err := c.exec(ctx, "UPDATE invitation_quota_locks SET n = n + 1 WHERE user_pk = ?", userPK)
	return c.wrap("lock invitation quota", err)
}

func (c *conn) CountInvitationsBy(ctx context.Context, userPK int64, since, now time.Time) (live, created int, err error) {
	err = c.queryRow(ctx, `SELECT
		COALESCE(SUM(CASE WHEN revoked_at IS NULL AND (max_uses IS NULL OR uses < max_uses)
			AND (NOT expiring OR expires IS NULL OR expires > ?) THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN created >= ? THEN 1 ELSE 0 END), 0)
		FROM invitations WHERE created_by = ?`, c.t(now), c.t(since), userPK).Scan(&live, &created)
	return live, created, c.wrap("count invitations", err)
}
