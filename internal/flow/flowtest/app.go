// Package flowtest builds what flow tests need: an app on a real store with
// fast password hashing, the objects of the example blueprints and the
// default login/logout flows created through the store, a test server with
// the executor API and the flow pages, and clients that walk a flow the way
// authentik's client (JSON) or a browser without JavaScript (HTML) does.
package flowtest

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/http/flowpage"
	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/policy"
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

// Handler is the executor API, the flow pages and any extra areas (the
// REST API, say) on one mux, behind a session-loading middleware like the
// server's.
func Handler(a *app.App, extra ...server.Area) http.Handler {
	mux := http.NewServeMux()
	engine := policy.NewEngine(a)
	flow.NewHandler(a, engine).Mount(mux)
	flowpage.NewHandler(a, engine).Mount(mux)
	for _, area := range extra {
		area.Mount(mux)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := a.Sessions.Load(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		mux.ServeHTTP(w, r.WithContext(auth.WithSession(r.Context(), s)))
	})
}

// NewServer starts a test server with Handler(a, extra...).
func NewServer(t testing.TB, a *app.App, extra ...server.Area) *httptest.Server {
	srv := httptest.NewServer(Handler(a, extra...))
	t.Cleanup(srv.Close)
	return srv
}
