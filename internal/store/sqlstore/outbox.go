package sqlstore

import (
	"context"
	"sort"
	"time"

	"github.com/usher-id/usher/internal/store"
)

const outboxCols = "id, kind, payload, attempts, next_attempt, locked_until, last_error, created, sent_at, failed"

func scanOutbox(s scanner) (store.OutboxMessage, error) {
	var m store.OutboxMessage
	var next, locked, created, sent timeCol
	var payload []byte
	err := s.Scan(&m.ID, &m.Kind, &payload, &m.Attempts, &next, &locked, &m.LastError, &created, &sent, &m.Failed)
	m.Payload = payload
	m.NextAttempt, m.LockedUntil, m.Created, m.SentAt = next.T, locked.ptr(), created.T, sent.ptr()
	return m, err
}

// EnqueueOutbox stores m for delivery, due at NextAttempt (now if unset).
func (c *conn) EnqueueOutbox(ctx context.Context, m *store.OutboxMessage) error {
	n := now()
	if m.Created.IsZero() {
		m.Created = n
	}
	if m.NextAttempt.IsZero() {
		m.NextAttempt = n
	}
	payload := m.Payload
	if payload == nil {
		payload = []byte("{}")
	}
	err := c.execRow(ctx, `INSERT INTO outbox (kind, payload, attempts, next_attempt, locked_until, last_error, created, sent_at, failed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.Kind, payload, m.Attempts, c.t(m.NextAttempt),
		c.tp(m.LockedUntil), m.LastError, c.t(m.Created), c.tp(m.SentAt), m.Failed).Scan(&m.ID)
	return c.wrap("enqueue outbox message", err)
}

// ClaimOutbox locks due messages until now+lease and counts the attempt.
// The selection and the lock are one UPDATE; on PostgreSQL concurrent
// claimers skip rows another claimer holds (SKIP LOCKED).
func (c *conn) ClaimOutbox(ctx context.Context, at time.Time, lease time.Duration, limit int) ([]store.OutboxMessage, error) {
	if limit <= 0 {
		limit = 1
	}
	rows, err := c.execQuery(ctx, `UPDATE outbox SET locked_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND NOT failed AND next_attempt <= ?
			AND (locked_until IS NULL OR locked_until <= ?) ORDER BY next_attempt, id LIMIT ? `+c.db.dialect.SkipLocked+`)
		RETURNING `+outboxCols, c.t(at.Add(lease)), c.t(at), c.t(at), limit)
	if err != nil {
		return nil, c.wrap("claim outbox messages", err)
	}
	out, err := collect(rows, scanOutbox)
	if err != nil {
		return nil, c.wrap("claim outbox messages", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (c *conn) MarkOutboxSent(ctx context.Context, id int64, at time.Time) error {
	return c.execOne(ctx, "mark outbox message sent", "UPDATE outbox SET sent_at = ?, locked_until = NULL, last_error = '' WHERE id = ?",
		c.t(at), id)
}

// MarkOutboxFailed records the error and either schedules a retry at
// retryAt or, with nil, gives the message up.
func (c *conn) MarkOutboxFailed(ctx context.Context, id int64, errText string, retryAt *time.Time) error {
	if retryAt == nil {
		return c.execOne(ctx, "mark outbox message failed", "UPDATE outbox SET last_error = ?, failed = TRUE, locked_until = NULL WHERE id = ?",
			errText, id)
	}
	return c.execOne(ctx, "mark outbox message failed", "UPDATE outbox SET last_error = ?, next_attempt = ?, locked_until = NULL WHERE id = ?",
		errText, c.t(*retryAt), id)
}

// ListOutbox lists the newest messages first.
func (c *conn) ListOutbox(ctx context.Context, limit int) ([]store.OutboxMessage, error) {
	rows, err := c.query(ctx, "SELECT "+outboxCols+" FROM outbox ORDER BY id DESC"+page(limit, 0))
	if err != nil {
		return nil, c.wrap("list outbox", err)
	}
	out, err := collect(rows, scanOutbox)
	return out, c.wrap("list outbox", err)
}
