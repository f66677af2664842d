// Package testapp starts a real usher for tests: an app on a fresh store
// with fast password hashing, served by the same handler as the serve
// command (boot.Server); the objects of the example blueprints and the
// default login/logout flows created through the store; and clients that
// walk a flow the way authentik's client (JSON) or a browser without
// JavaScript (HTML) does.
package testapp

import (
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/boot"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"

	_ "github.com/usher-id/usher/internal/flow/stage/all" // every stage kind
)

// Secret is the signing key every test app shares, so a "restarted"
// instance accepts the same CSRF tokens.
var Secret = []byte("flowtest-secret-key-0123456789abcdef")

// Backend opens a fresh, migrated store.
type Backend = storetest.Backend

// Backends lists the stores to run scenarios on: SQLite, and PostgreSQL
// when USHER_TEST_POSTGRES_DSN is set (scripts/pg.sh start).
func Backends(t *testing.T) []Backend { return storetest.Backends(t) }

// NewApp builds an app on st with minimum-cost argon2id.
func NewApp(t testing.TB, st store.Store) *app.App {
	t.Helper()
	pw, err := auth.ParsePasswordHash("argon2id:m=8,t=1,p=1")
	if err != nil {
		t.Fatal(err)
	}
	level := slog.LevelError
	if os.Getenv("USHER_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	return &app.App{
		Store:        st,
		Log:          slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
		Sessions:     &auth.Manager{Store: st, TTL: 2 * time.Hour},
		Passwords:    pw,
		Events:       &event.Recorder{},
		Secret:       Secret,
		MaxBodyBytes: 1 << 20,
	}
}

// NewServer starts a real usher on a: the same handler the serve command
// builds (boot.Server), with loopback as a trusted proxy so tests can set
// X-Forwarded-For to act from many client addresses.
func NewServer(t testing.TB, a *app.App) *httptest.Server {
	t.Helper()
	return NewServerWith(t, a, server.Options{})
}

// NewServerWith is NewServer with server options (body limits, say); with
// no trusted proxies given, loopback is trusted.
func NewServerWith(t testing.TB, a *app.App, opts server.Options) *httptest.Server {
	t.Helper()
	if opts.TrustedProxies == nil {
		opts.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}
	s, err := boot.Server(a, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}
