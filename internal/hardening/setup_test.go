package hardening

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
	"github.com/usher-id/usher/internal/testkit"
)

// instance is one usher "process": an app on a store behind the real
// server middleware, serving the executor API and the flow pages.
type instance struct {
	app  *app.App
	srv  *httptest.Server
	logs *testkit.SyncBuffer
}

// newInstance starts an instance on st; logs are captured at debug level.
func newInstance(t testing.TB, st store.Store) *instance {
	t.Helper()
	a := testapp.NewApp(t, st)
	logs := &testkit.SyncBuffer{}
	a.Log = server.NewLogger(logs, "debug", "text")
	a.Sessions.Secure = httpx.Secure
	hs := testapp.NewServerWith(t, a, server.Options{MaxBodyBytes: 64 << 10})
	return &instance{app: a, srv: hs, logs: logs}
}

// fixture creates the example blueprints' objects on st.
func fixture(t testing.TB, st store.Store, a *app.App) *testapp.Fixture {
	t.Helper()
	fx := testapp.NewFixture(t, st, a.Passwords.Hash)
	fx.InvitationEnrollment()
	fx.LoginLogout()
	return fx
}

const enrollSlug = "invitation-enrollment-flow-external"

func enrollValues(username string) map[string]any {
	return map[string]any{"username": username, "password": "s3cret-Passw0rd-" + username,
		"password_repeat": "s3cret-Passw0rd-" + username, "name": "New Person", "email": username + "@example.org"}
}

// from makes c's requests come from addr (through the trusted proxy).
func from(c *testapp.Client, addr string) *testapp.Client {
	c.HTTP.Transport = forwardedFor{addr}
	return c
}

type forwardedFor struct{ addr string }

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.addr)
	return http.DefaultTransport.RoundTrip(r)
}
