package user

import (
	"context"
	"net/http"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
)

// Audit writes one audit event through q (the caller's transaction). Each
// front end passes its own, so the event carries what that front end knows:
// the HTTP request, the flow's query (flow.Execution.Record), or nothing
// (the CLI). A nil Audit records nothing.
type Audit func(q store.Queries, user *store.User, action string, data map[string]any) error

// RequestAudit records through rec with r (nil outside HTTP) as the
// event's request; a nil rec records nothing.
func RequestAudit(ctx context.Context, rec *event.Recorder, r *http.Request) Audit {
	if rec == nil {
		return nil
	}
	return func(q store.Queries, user *store.User, action string, data map[string]any) error {
		return rec.Record(ctx, q, r, user, action, data)
	}
}

func (a Audit) record(q store.Queries, user *store.User, action string, data map[string]any) error {
	if a == nil {
		return nil
	}
	return a(q, user, action, data)
}
