package sqlstore

import (
	"context"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// EventVolume reads only the time and action of the matching events and
// counts them by day here, the same on both databases (their date
// functions differ); callers bound the range with f.Since.
func (c *conn) EventVolume(ctx context.Context, f store.EventFilter) ([]store.EventCount, error) {
	cond, args := c.eventWhere(f)
	rows, err := c.query(ctx, "SELECT created, action FROM events"+cond+" ORDER BY created", args...)
	if err != nil {
		return nil, c.wrap("event volume", err)
	}
	defer rows.Close()
	type key struct {
		day    time.Time
		action string
	}
	counts := map[key]int{}
	var order []key
	for rows.Next() {
		var created timeCol
		var action string
		if err := rows.Scan(&created, &action); err != nil {
			return nil, c.wrap("event volume", err)
		}
		t := created.T.UTC()
		k := key{time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), action}
		if _, ok := counts[k]; !ok {
			order = append(order, k)
		}
		counts[k]++
	}
	if err := rows.Err(); err != nil {
		return nil, c.wrap("event volume", err)
	}
	out := make([]store.EventCount, 0, len(order))
	for _, k := range order {
		out = append(out, store.EventCount{Day: k.day, Action: k.action, Count: counts[k]})
	}
	return out, nil
}

func (c *conn) EventTopApplications(ctx context.Context, action string, n int) ([]store.AppEventCount, error) {
	d := c.db.dialect
	app, user := d.JSONField("context", "authorized_application"), d.JSONField("user_json", "pk")
	rows, err := c.query(ctx, "SELECT "+app+", COUNT(*), COUNT(DISTINCT "+user+") FROM events WHERE action = ? AND "+
		app+" IS NOT NULL GROUP BY "+app+" ORDER BY 2 DESC, 1 LIMIT ?", action, n)
	if err != nil {
		return nil, c.wrap("top applications", err)
	}
	out, err := collect(rows, func(s scanner) (store.AppEventCount, error) {
		var r store.AppEventCount
		return r, s.Scan(&r.Application, &r.Events, &r.Users)
	})
	return out, c.wrap("top applications", err)
}
