// Package user is the one writer of users and their credentials and
// sessions. Every front end (API and blueprints through internal/resource,
// the admin console, the CLI, the flow stages) calls it, so a rule such as
// "a new password or a deactivation ends the user's sessions" holds
// whichever way the change arrives. It validates nothing the API serializer
// checks (internal/resource does that); it owns what must happen around the
// write.
//
// The model_created/updated/deleted audit events stay with each front end's
// one generic recorder (API crud, console entity, CLI), which records them
// for every model alike; the events of the operations themselves
// (password_set) are recorded here, through the caller's Audit.
package user

import (
	"context"
	"fmt"
	"time"

	"github.com/usher-id/usher/internal/domain/group"
	"github.com/usher-id/usher/internal/store"
)

// Create writes the new user u (filling its PK and UUID) and makes it a
// member of groups. A taken username is store.ErrConflict.
func Create(ctx context.Context, q store.Queries, u *store.User, groups ...string) error {
	if u.Attributes == nil {
		u.Attributes = map[string]any{}
	}
	if err := q.CreateUser(ctx, u); err != nil {
		return err
	}
	for _, g := range groups {
		if err := group.AddMember(ctx, q, g, u.PK); err != nil {
			return err
		}
	}
	return nil
}

// Update writes u, which was before. Deactivating the user ends all of
// their sessions, so that reactivating them later revives none. A new
// password goes through SetPassword (or PasswordSet) instead; a blueprint
// that sets one on every apply must not sign the user out each time.
func Update(ctx context.Context, q store.Queries, before store.User, u *store.User) error {
	if err := q.UpdateUser(ctx, u); err != nil {
		return err
	}
	if before.IsActive && !u.IsActive {
		return EndSessions(ctx, q, u.PK, "")
	}
	return nil
}

// EndSessions signs the user out everywhere except keepSession (a hashed
// session id; "" ends them all).
func EndSessions(ctx context.Context, q store.Queries, pk int64, keepSession string) error {
	if err := q.DeleteUserSessions(ctx, pk, keepSession); err != nil {
		return fmt.Errorf("user: end sessions: %w", err)
	}
	if keepSession == "" {
		// Signed out everywhere: the applications they signed in to lose
		// their access and refresh tokens too.
		if _, err := q.RevokeOAuth2TokensOfUser(ctx, pk, time.Now()); err != nil {
			return fmt.Errorf("user: revoke tokens: %w", err)
		}
	}
	return nil
}

// SetActive activates or deactivates u (deactivation ends its sessions).
func SetActive(ctx context.Context, q store.Queries, u *store.User, active bool) error {
	before := *u
	u.IsActive = active
	return Update(ctx, q, before, u)
}

// Delete removes the user; its sessions, tokens and the invitations it
// created go with it (database cascades).
func Delete(ctx context.Context, q store.Queries, pk int64) error {
	return q.DeleteUser(ctx, pk)
}
