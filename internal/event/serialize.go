package event

import (
	"time"

	"github.com/usher-id/usher/internal/store"
)

// TimeFormat is how event times are rendered (ISO 8601, microseconds, Z).
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// Serialize renders an event in authentik's API shape (the events API and
// the webhook payload share it). usher's own actions are shown as
// authentik's closest one, with usher's in context.usher_action.
func Serialize(e store.Event) map[string]any {
	var clientIP any
	if e.ClientIP != "" {
		clientIP = e.ClientIP
	}
	user, ctx, brand := e.User, e.Context, e.Brand
	if user == nil {
		user = map[string]any{}
	}
	if ctx == nil {
		ctx = map[string]any{}
	}
	if brand == nil {
		brand = map[string]any{}
	}
	action, changed := APIAction(e.Action)
	if changed {
		c := make(map[string]any, len(ctx)+1)
		for k, v := range ctx {
			c[k] = v
		}
		c["usher_action"] = e.Action
		ctx = c
	}
	out := map[string]any{
		"pk":        e.UUID,
		"user":      user,
		"action":    action,
		"app":       e.App,
		"context":   ctx,
		"client_ip": clientIP,
		"created":   e.Created.UTC().Format(TimeFormat),
		"brand":     brand,
	}
	if !e.Expires.IsZero() {
		out["expires"] = e.Expires.UTC().Format(TimeFormat)
	}
	return out
}

// formatTime is shared by helpers that put times into event context.
func formatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }
