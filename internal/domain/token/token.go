// Package token issues API tokens and app passwords (authentik's
// core.Token with intent api or app_password). usher stores only a hash of
// each key (auth.HashToken): the key is handed out once, to whoever issued
// the token, and cannot be read back later, unlike authentik's view_key.
// A database dump therefore holds no usable key.
package token

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/store"
)

// DefaultLifetime is how long a token lives when it expires and no expiry
// was given (authentik's default_token_duration: 30 minutes).
const DefaultLifetime = 30 * time.Minute

// Intents a token may be issued with here. verification and recovery
// tokens are made by flows, never by hand.
const (
	IntentAPI         = "api"
	IntentAppPassword = "app_password"
)

// namespace makes token pks: authentik's tokens have a UUID pk, usher's
// are keyed by identifier, so the pk is derived from it (stable, unique).
var namespace = uuid.MustParse("6f1c4d8e-57a2-4c55-9a55-5b0a2d3c7e11")

// PK is the token's UUID as the API shows it.
func PK(identifier string) string { return uuid.NewSHA1(namespace, []byte(identifier)).String() }

// Issue stores t with a new key and returns the key, the only time it is
// seen. A taken identifier is store.ErrConflict.
func Issue(ctx context.Context, q store.Queries, t *store.Token) (key string, err error) {
	key = auth.NewTokenKey()
	t.KeyHash = auth.HashToken(key)
	if err := q.CreateToken(ctx, t); err != nil {
		return "", err
	}
	return key, nil
}
