package invitation

import (
	"context"
	"fmt"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/store"
)

// Revoke stops inv from being used from now on (it stays listed, with
// status revoked) and records invitation_revoked. Revoking twice keeps the
// first time.
func Revoke(ctx context.Context, a *app.App, q store.Queries, by *store.User, uuid string) (store.Invitation, error) {
	inv, err := q.GetInvitation(ctx, uuid)
	if err != nil {
		return inv, err
	}
	if inv.RevokedAt != nil {
		return inv, nil
	}
	now := a.Clock().UTC()
	inv.RevokedAt = &now
	if err := q.UpdateInvitation(ctx, &inv); err != nil {
		return inv, fmt.Errorf("invitation: revoke: %w", err)
	}
	return inv, record(ctx, a, q, by, ActionRevoked, inv, nil)
}

// Delete removes the invitation (its uses go with it) and records
// model_deleted.
func Delete(ctx context.Context, a *app.App, q store.Queries, by *store.User, uuid string) (store.Invitation, error) {
	inv, err := q.GetInvitation(ctx, uuid)
	if err != nil {
		return inv, err
	}
	if err := q.DeleteInvitation(ctx, uuid); err != nil {
		return inv, fmt.Errorf("invitation: delete: %w", err)
	}
	return inv, record(ctx, a, q, by, modelDeleted, inv, nil)
}
