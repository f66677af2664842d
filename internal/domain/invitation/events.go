package invitation

import (
	"context"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
)

// Event actions. Creation and deletion use authentik's model events; the
// rest are usher's, named like authentik's invitation_used.
const (
	modelCreated  = event.ModelCreated
	modelDeleted  = event.ModelDeleted
	ActionSent    = "invitation_sent"
	ActionRevoked = "invitation_revoked"
	// ActionExpired: retention removed invitations that expired long ago.
	ActionExpired = "invitation_expired"
)

// modelRef is the invitation as authentik's events reference models.
func modelRef(inv store.Invitation) map[string]any {
	return event.Model(store.ModelInvitation, store.Hex(inv.UUID), inv.Name)
}

// record writes an event about inv through q; a nil a.Events records nothing.
func record(ctx context.Context, a *app.App, q store.Queries, user *store.User, action string, inv store.Invitation, extra map[string]any) error {
	if a.Events == nil {
		return nil
	}
	data := map[string]any{"model": modelRef(inv)}
	for k, v := range extra {
		data[k] = v
	}
	return a.Events.Record(ctx, q, nil, user, action, data)
}

// Created records model_created for an invitation a front end has just
// saved, as the API's generic handler does for every model.
func Created(ctx context.Context, a *app.App, q store.Queries, creator *store.User, inv store.Invitation) error {
	return record(ctx, a, q, creator, modelCreated, inv, nil)
}
