package auth

import (
	"context"
	"time"

	"github.com/usher-id/usher/internal/ratelimit"
)

// PasswordCheck is the outcome of CheckPassword.
type PasswordCheck struct {
	// OK: the password matches.
	OK bool
	// Rehash: the stored hash should be replaced by a fresh one (only set
	// with OK).
	Rehash bool
	// Limited: too many failures for this address or this username; the
	// password was not checked. RetryAfter says when to try again.
	Limited    bool
	RetryAfter time.Duration
}

// LoginLimitKeys are the keys a password guess counts against: the client
// address (per-address rule) and the username (per-target rule, from any
// address). Everything that verifies a password uses the same keys, so a
// guess at the login, the password stage or the user page's password change
// all count towards the one limit.
func LoginLimitKeys(addr, username string) []string {
	keys := []string{ratelimit.IPKey(ratelimit.LoginFail, addr)}
	if username != "" {
		keys = append(keys, ratelimit.TargetKey(ratelimit.LoginFail, "user", username))
	}
	return keys
}

// CheckPassword is the one place a password is verified for someone
// proving who they are. It refuses without verifying while addr or
// username is over its limit (so a locked account's right password is
// refused too, and a throttled client costs no hash computation), verifies
// candidate against hash, and counts a failure against both keys. The
// limiter records the rate_limited event when a key reaches its limit.
// Successes are not counted and reset nothing: only failures count, as
// everywhere in internal/ratelimit.
//
// username is the account's username, or what was typed when no account
// matched: unknown names are limited like real ones, so the 429 does not
// tell which usernames exist.
func CheckPassword(ctx context.Context, l *ratelimit.Limiter, p *Passwords, hash, username, candidate, addr string) PasswordCheck {
	keys := LoginLimitKeys(addr, username)
	if retry, limited := l.Check(ctx, keys...); limited {
		return PasswordCheck{Limited: true, RetryAfter: retry}
	}
	ok, rehash := p.Verify(hash, candidate)
	if !ok {
		l.Fail(ctx, keys...)
		return PasswordCheck{}
	}
	return PasswordCheck{OK: true, Rehash: rehash}
}
