package sqlstore

import (
	"context"
	"time"

	"github.com/usher-id/usher/internal/store"
)

const flowTokenCols = "id, key_hash, identifier, flow_uuid, user_pk, stage, email, plan, expires, created, consumed_at"

func scanFlowToken(s scanner) (store.FlowToken, error) {
	var t store.FlowToken
	var plan string
	var expires, created, consumed timeCol
	err := s.Scan(&t.ID, &t.KeyHash, &t.Identifier, &t.FlowUUID, &t.UserPK, &t.Stage, &t.Email, &plan,
		&expires, &created, &consumed)
	t.Plan, t.Expires, t.Created, t.ConsumedAt = []byte(plan), expires.T, created.T, consumed.ptr()
	return t, err
}

func (c *conn) CreateFlowToken(ctx context.Context, t *store.FlowToken) error {
	if t.Created.IsZero() {
		t.Created = now()
	}
	err := c.execRow(ctx, `INSERT INTO flow_tokens (key_hash, identifier, flow_uuid, user_pk, stage, email, plan, expires, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		t.KeyHash, t.Identifier, t.FlowUUID, t.UserPK, t.Stage, t.Email, string(t.Plan), c.t(t.Expires), c.t(t.Created)).Scan(&t.ID)
	return c.wrap("insert flow token", err)
}

func (c *conn) GetFlowTokenByHash(ctx context.Context, keyHash string) (store.FlowToken, error) {
	t, err := scanFlowToken(c.queryRow(ctx, "SELECT "+flowTokenCols+" FROM flow_tokens WHERE key_hash = ?", keyHash))
	return t, c.wrap("get flow token", err)
}

func (c *conn) ConsumeFlowToken(ctx context.Context, id int64, at time.Time) (bool, error) {
	n, err := c.execCount(ctx, "consume flow token",
		"UPDATE flow_tokens SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL AND expires > ?", c.t(at), id, c.t(at))
	return n == 1, err
}

func (c *conn) DeleteExpiredFlowTokens(ctx context.Context, cutoff time.Time) (int64, error) {
	n, err := c.execCount(ctx, "delete expired flow tokens", "DELETE FROM flow_tokens WHERE expires < ?", c.t(cutoff))
	return int64(n), err
}
