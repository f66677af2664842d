package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/store"
)

const eventCols = "event_uuid, action, app, user_json, context, client_ip, created, brand, expires"

func scanEvent(s scanner) (store.Event, error) {
	var e store.Event
	var created, expires timeCol
	err := s.Scan(&e.UUID, &e.Action, &e.App, eventJSONCol{&e.User}, eventJSONCol{&e.Context}, &e.ClientIP, &created,
		eventJSONCol{&e.Brand}, &expires)
	e.Created, e.Expires = created.T, expires.T
	e.User, e.Context, e.Brand = obj(e.User), obj(e.Context), obj(e.Brand)
	return e, err
}

// CreateEvent stores e, filling UUID and Created; an unset Expires is a
// year after Created (the recorder normally sets it from retention).
func (c *conn) CreateEvent(ctx context.Context, e *store.Event) error {
	ensureUUID(&e.UUID)
	if e.Created.IsZero() {
		e.Created = now()
	}
	if e.Expires.IsZero() {
		e.Expires = e.Created.AddDate(1, 0, 0)
	}
	var cols [3]string
	for i, m := range []map[string]any{e.User, e.Context, e.Brand} {
		s, err := jsonObject(m)
		if err != nil {
			return fmt.Errorf("store: insert event: %w", err)
		}
		cols[i] = s
	}
	args := []any{e.UUID, e.Action, e.App, cols[0], cols[1], e.ClientIP, c.t(e.Created), cols[2], c.t(e.Expires)}
	if c.tx != nil {
		// Inside a transaction the events of one piece of work (a user
		// created, an invitation used, ...) go in with one statement
		// when the transaction commits, or before anything else reads
		// the events table in it (flushEvents).
		c.pendingEvents = append(c.pendingEvents, args)
		return nil
	}
	_, err := c.exec(ctx, "INSERT INTO events ("+eventCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", args...)
	return c.wrap("insert event", err)
}

// flushEvents inserts the events a transaction has queued, in one
// multi-row INSERT.
func (c *conn) flushEvents(ctx context.Context) error {
	if len(c.pendingEvents) == 0 {
		return nil
	}
	rows, args := c.pendingEvents, make([]any, 0, 9*len(c.pendingEvents))
	c.pendingEvents = nil
	var b strings.Builder
	b.WriteString("INSERT INTO events (" + eventCols + ") VALUES ")
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, r...)
	}
	_, err := c.exec(ctx, b.String(), args...)
	return c.wrap("insert event", err)
}

func (c *conn) eventOrdering() map[string]string {
	return map[string]string{"created": "created", "action": "action", "app": "app", "client_ip": "client_ip",
		"username": c.db.dialect.JSONField("user_json", "username")}
}

// eventWhere is the WHERE clause (with its leading space, or "") and
// arguments for f.
func (c *conn) eventWhere(f store.EventFilter) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	username := c.db.dialect.JSONField("user_json", "username")
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if len(f.Actions) > 0 {
		marks := strings.Repeat("?, ", len(f.Actions))
		vals := make([]any, len(f.Actions))
		for i, a := range f.Actions {
			vals[i] = a
		}
		add("action IN ("+marks[:len(marks)-2]+")", vals...)
	}
	if f.Username != "" {
		add(username+" = ?", f.Username)
	}
	if f.Since != nil {
		add("created >= ?", c.t(*f.Since))
	}
	if f.Until != nil {
		add("created < ?", c.t(*f.Until))
	}
	if f.Search != "" {
		p, op := likeContains(f.Search), c.db.dialect.ILike
		add("(action "+op+" ? ESCAPE '\\' OR app "+op+" ? ESCAPE '\\' OR client_ip "+op+" ? ESCAPE '\\' OR "+
			username+" "+op+" ? ESCAPE '\\' OR "+c.db.dialect.JSONText("context")+" "+op+" ? ESCAPE '\\')", p, p, p, p, p)
	}
	if len(where) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

func (c *conn) ListEvents(ctx context.Context, f store.EventFilter) ([]store.Event, int, error) {
	cond, args := c.eventWhere(f)
	var total int
	if err := c.queryRow(ctx, "SELECT COUNT(*) FROM events"+cond, args...).Scan(&total); err != nil {
		return nil, 0, c.wrap("count events", err)
	}
	rows, err := c.query(ctx, "SELECT "+eventCols+" FROM events"+cond+" "+
		orderBy(f.Ordering, c.eventOrdering(), "created DESC", "event_uuid")+page(f.Limit, f.Offset), args...)
	if err != nil {
		return nil, 0, c.wrap("list events", err)
	}
	out, err := collect(rows, scanEvent)
	return out, total, c.wrap("list events", err)
}

// GetEvent returns the event with the given UUID.
func (c *conn) GetEvent(ctx context.Context, uuid string) (store.Event, error) {
	e, err := scanEvent(c.queryRow(ctx, "SELECT "+eventCols+" FROM events WHERE event_uuid = ?", strings.ToLower(uuid)))
	return e, c.wrap("get event", err)
}

func (c *conn) DeleteExpiredEvents(ctx context.Context, at time.Time) (int, error) {
	return c.execCount(ctx, "delete expired events", "DELETE FROM events WHERE expires < ?", c.t(at))
}
