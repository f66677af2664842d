package api_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/store"
)

// Deactivating a user through the API ends their sessions, as the console
// and the CLI do, so reactivating them later revives none.
func TestAPIDeactivateEndsSessions(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		pk := e.user.PK
		id := auth.HashID("alice-session")
		now := time.Now()
		must(t, e.store.CreateSession(ctx, &store.Session{ID: id, UserPK: &pk, Data: []byte("{}"),
			Expires: now.Add(time.Hour), Created: now, LastSeen: now}))
		path := fmt.Sprintf("/api/v3/core/users/%d/", pk)
		if st, body := e.adminJSON("PATCH", path, map[string]any{"is_active": false}); st != 200 {
			t.Fatalf("deactivate: %d %v", st, body)
		}
		if _, err := e.store.GetSession(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("session after deactivation: err %v, want not found", err)
		}
		if st, body := e.adminJSON("PATCH", path, map[string]any{"is_active": true}); st != 200 {
			t.Fatalf("reactivate: %d %v", st, body)
		}
		if _, err := e.store.GetSession(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("session revived by reactivation: err %v", err)
		}
	})
}
