package user

import (
	"context"
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
)

// HashPassword puts the hash of password on u and dates the change; an
// empty password leaves u without a usable one. Nothing is written.
func HashPassword(p *auth.Passwords, u *store.User, password string, now time.Time) error {
	if password == "" {
		u.Password = ""
		return nil
	}
	h, err := p.Hash(password)
	if err != nil {
		return err
	}
	u.Password, u.PasswordChangeDate = h, &now
	if _, ok := u.Attributes[auth.AttrPasswordChangeRequired]; ok {
		attrs := make(map[string]any, len(u.Attributes))
		for k, v := range u.Attributes {
			if k != auth.AttrPasswordChangeRequired {
				attrs[k] = v
			}
		}
		u.Attributes = attrs
	}
	return nil
}

// SetPassword is every password change of an existing user (the admin's in
// the console, the user's own, the CLI's): hash, update, end the user's
// other sessions and record password_set. keepSession is the hashed id of
// the session making the change, which stays signed in ("" ends them all).
func SetPassword(ctx context.Context, q store.Queries, p *auth.Passwords, now time.Time, audit Audit, u *store.User, password, keepSession string) error {
	if err := HashPassword(p, u, password, now); err != nil {
		return err
	}
	if err := q.UpdateUser(ctx, u); err != nil {
		return err
	}
	return PasswordSet(ctx, q, audit, u, keepSession)
}

// PasswordSet finishes a password change already written on u: as in
// authentik, where a new password invalidates the user's other sessions,
// it ends every session of the user but keepSession, and records
// password_set. SetPassword calls it; the user write stage, which writes
// the new hash together with the prompt's other fields, calls it directly.
func PasswordSet(ctx context.Context, q store.Queries, audit Audit, u *store.User, keepSession string) error {
	if err := EndSessions(ctx, q, u.PK, keepSession); err != nil {
		return err
	}
	return audit.record(q, u, event.PasswordSet, map[string]any{})
}
