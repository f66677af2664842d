package api

import (
	"strings"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// listInvitations pages invitations in SQL with authentik's filters:
// name, created_by__username, expires, flow__slug, search; ordering
// defaults to -expires.
func (h *Handler) listInvitations(rc *resource.Ctx, q listQuery) ([]store.Invitation, int, error) {
	p := q.Params
	f := store.InvitationFilter{Search: q.Search, Name: p.Get("name"), CreatedByUsername: p.Get("created_by__username"),
		FlowSlug: p.Get("flow__slug"), Ordering: invitationOrdering(q.Ordering), Limit: q.Page.Size, Offset: q.Page.Offset()}
	if s := p.Get("expires"); s != "" {
		t, ok := parseTime(s)
		if !ok {
			return nil, 0, resource.NewValidationError("expires", "Enter a valid date/time.")
		}
		f.Expires = &t
	}
	return rc.Q.ListInvitations(rc.Context, f)
}

// invitationOrdering passes the first ?ordering= key to the store, which
// sorts by name, expires, created, uses, max_uses, created_by(__username),
// flow(__slug) and falls back to -expires for anything else.
func invitationOrdering(s string) string {
	first, _, _ := strings.Cut(s, ",")
	return strings.Replace(strings.TrimSpace(first), "flow_obj", "flow", 1)
}
