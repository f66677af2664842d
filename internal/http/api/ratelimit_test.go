package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testapp"
)

// Guessing API tokens is throttled per client address: after 10 bad keys
// the address gets 429 with Retry-After, a rate_limited event is written,
// and a valid key from another address still works.
func TestBadTokensAreThrottled(t *testing.T) {
	st := storetest.OpenSQLite(t)
	ctx := context.Background()
	a := &app.App{Store: st, Events: &event.Recorder{}, Secret: []byte("test-secret"), MaxBodyBytes: 1 << 20,
		Sessions: &auth.Manager{Store: st, TTL: time.Hour}, Log: slog.New(slog.DiscardHandler)}
	user := store.User{Username: "alice", Name: "Alice", IsActive: true, Type: "internal", Path: "users"}
	must(t, st.CreateUser(ctx, &user))
	key := "user-key-" + auth.NewTokenKey()
	must(t, st.CreateToken(ctx, &store.Token{Identifier: "t", KeyHash: auth.HashToken(key), UserPK: user.PK, Intent: "api"}))
	// The test client says which address it comes from through the
	// trusted proxy header (loopback is trusted by testapp).
	srv := testapp.NewServer(t, a)
	get := func(addr, key string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v3/core/users/me/", nil)
		req.Header.Set("X-Forwarded-For", addr)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for i := range 10 {
		if resp := get("203.0.113.7", "guess-"+string(rune('a'+i))); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("bad key %d: status %d, want 403", i, resp.StatusCode)
		}
	}
	resp := get("203.0.113.7", "guess-z")
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, `"detail":"Too many attempts. Try again in `) {
		t.Fatalf("11th bad key: %d Retry-After=%q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if resp := get("198.51.100.2", key); resp.StatusCode != http.StatusOK {
		t.Errorf("a valid key from another address: status %d, want 200", resp.StatusCode)
	}
	_, n, err := st.ListEvents(ctx, store.EventFilter{Action: ratelimit.EventRateLimited})
	if err != nil || n != 1 {
		t.Errorf("rate_limited events = %d (%v), want 1", n, err)
	}
}

// API tokens are accepted only from the Authorization header: a token in
// a cookie (even the session cookie's name) authenticates nothing.
func TestTokenNotAcceptedFromCookie(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t))
	for _, name := range []string{auth.CookieName, "authorization", "token", "authentik_token"} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v3/core/users/me/", nil)
		req.AddCookie(&http.Cookie{Name: name, Value: e.adminKey})
		req.AddCookie(&http.Cookie{Name: name + "_bearer", Value: "Bearer " + e.adminKey})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("token in cookie %q: status %d, want 403", name, resp.StatusCode)
		}
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}
