package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/usher-id/usher/internal/store"
)

const sessionCols = "id, user_pk, data, expires, created, last_seen, client_ip, user_agent"

func scanSession(s scanner) (store.Session, error) {
	var sess store.Session
	var user sql.NullInt64
	var expires, created, seen timeCol
	err := s.Scan(&sess.ID, &user, &sess.Data, &expires, &created, &seen, &sess.ClientIP, &sess.UserAgent)
	sess.UserPK = nullInt64(user)
	sess.Expires, sess.Created, sess.LastSeen = expires.T, created.T, seen.T
	return sess, err
}

func sessionData(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func (c *conn) CreateSession(ctx context.Context, s *store.Session) error {
	n := now()
	if s.Created.IsZero() {
		s.Created = n
	}
	if s.LastSeen.IsZero() {
		s.LastSeen = n
	}
	_, err := c.exec(ctx, "INSERT INTO sessions ("+sessionCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		s.ID, s.UserPK, sessionData(s.Data), c.t(s.Expires), c.t(s.Created), c.t(s.LastSeen), s.ClientIP, s.UserAgent)
	return c.wrap("insert session", err)
}

func (c *conn) GetSession(ctx context.Context, id string) (store.Session, error) {
	s, err := scanSession(c.queryRow(ctx, "SELECT "+sessionCols+" FROM sessions WHERE id = ?", id))
	return s, c.wrap("get session", err)
}

// GetSessionAndConfigVersion reads the session and the config version
// (0004_config_version, one row) in one statement; the version comes back
// also when there is no such session.
func (c *conn) GetSessionAndConfigVersion(ctx context.Context, id string) (store.Session, int64, error) {
	var sess store.Session
	var sid, ip, ua sql.NullString
	var user sql.NullInt64
	var expires, created, seen timeCol
	var version int64
	err := c.queryRow(ctx, `SELECT s.id, s.user_pk, s.data, s.expires, s.created, s.last_seen, s.client_ip, s.user_agent, v.n
		FROM config_version v LEFT JOIN sessions s ON s.id = ?`, id).
		Scan(&sid, &user, &sess.Data, &expires, &created, &seen, &ip, &ua, &version)
	if err != nil {
		return sess, 0, c.wrap("get session", err)
	}
	if !sid.Valid {
		return sess, version, fmt.Errorf("store: get session: %w", store.ErrNotFound)
	}
	sess.ID, sess.ClientIP, sess.UserAgent = sid.String, ip.String, ua.String
	sess.UserPK = nullInt64(user)
	sess.Expires, sess.Created, sess.LastSeen = expires.T, created.T, seen.T
	return sess, version, nil
}

// UpdateSession saves everything but the creation time.
func (c *conn) UpdateSession(ctx context.Context, s *store.Session) error {
	if s.LastSeen.IsZero() {
		s.LastSeen = now()
	}
	return c.execOne(ctx, "update session", `UPDATE sessions SET user_pk = ?, data = ?, expires = ?, last_seen = ?,
		client_ip = ?, user_agent = ? WHERE id = ?`,
		s.UserPK, sessionData(s.Data), c.t(s.Expires), c.t(s.LastSeen), s.ClientIP, s.UserAgent, s.ID)
}

// RotateSession moves the row to the new ID and saves the session in it.
func (c *conn) RotateSession(ctx context.Context, oldID string, s *store.Session) error {
	n := now()
	if s.Created.IsZero() {
		s.Created = n
	}
	if s.LastSeen.IsZero() {
		s.LastSeen = n
	}
	return c.execOne(ctx, "rotate session", `UPDATE sessions SET id = ?, user_pk = ?, data = ?, expires = ?,
		created = ?, last_seen = ?, client_ip = ?, user_agent = ? WHERE id = ?`,
		s.ID, s.UserPK, sessionData(s.Data), c.t(s.Expires), c.t(s.Created), c.t(s.LastSeen), s.ClientIP, s.UserAgent, oldID)
}

func (c *conn) DeleteSession(ctx context.Context, id string) error {
	return c.execOne(ctx, "delete session", "DELETE FROM sessions WHERE id = ?", id)
}

func (c *conn) DeleteUserSessions(ctx context.Context, userPK int64, keepID string) error {
	_, err := c.exec(ctx, "DELETE FROM sessions WHERE user_pk = ? AND id <> ?", userPK, keepID)
	return c.wrap("delete user sessions", err)
}

func (c *conn) DeleteExpiredSessions(ctx context.Context, at time.Time) (int, error) {
	return c.execCount(ctx, "delete expired sessions", "DELETE FROM sessions WHERE expires < ?", c.t(at))
}
