package sqlstore

import (
	"context"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

// jsonPath is SQL for the text at a nested key path of JSON column col.
func (c *conn) jsonPath(col string, keys ...string) string {
	if c.db.dialect.Name == "postgres" {
		return "(" + col + " #>> '{" + strings.Join(keys, ",") + "}')"
	}
	return "json_extract(" + col + ", '$." + strings.Join(keys, ".") + "')"
}

// InvitationEvents filters by action first (the events_action index), then
// on the context's references to the invitation.
func (c *conn) InvitationEvents(ctx context.Context, ref, name string, actions []string, limit int) ([]store.Event, error) {
	if len(actions) == 0 {
		return []store.Event{}, nil
	}
	in, args := inList(actions)
	// inList lower-cases; actions are lower case already.
	q := "SELECT " + eventCols + " FROM events WHERE action IN (" + in + `) AND (
		(` + c.jsonPath("context", "model", "pk") + ` = ? AND ` + c.jsonPath("context", "model", "name") + ` = ?
		 AND ` + c.jsonPath("context", "model", "model_name") + ` = 'invitation')
		OR (` + c.jsonPath("context", "invitation", "pk") + ` = ? AND ` + c.jsonPath("context", "invitation", "name") + ` = ?))
		ORDER BY created, event_uuid`
	args = append(args, ref, name, ref, name)
	if limit > 0 {
		q += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, c.wrap("list invitation events", err)
	}
	out, err := collect(rows, scanEvent)
	return out, c.wrap("list invitation events", err)
}
