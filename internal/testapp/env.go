package testapp

import (
	"context"
	"net/url"
	"testing"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/store"
)

// Env is one backend's store with the example blueprints' invitation
// flows, the two-stage enrollment and the login/logout flows, served by a
// running test server.
type Env struct {
	T       *testing.T
	Store   store.Store
	Fixture *Fixture
	URL     string // the test server
}

// NewEnv opens a fresh store on b and builds the Env.
func NewEnv(t *testing.T, b Backend) *Env {
	st := b.Open(t)
	a := NewApp(t, st)
	fx := NewFixture(t, st, a.Passwords.Hash)
	fx.InvitationEnrollment()
	fx.TwoStageEnrollment()
	fx.LoginLogout()
	return &Env{T: t, Store: st, Fixture: fx, URL: NewServer(t, a).URL}
}

// ForEachBackend runs fn as a subtest per backend with a fresh Env.
func ForEachBackend(t *testing.T, fn func(t *testing.T, e *Env)) {
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel() // each backend has its own store and server
			fn(t, NewEnv(t, b))
		})
	}
}

// Client is a new browser (own cookie jar) for the server.
func (e *Env) Client() *Client { return NewClient(e.T, e.URL) }

// IToken is the ?itoken= query of the fixture's invitation name.
func (e *Env) IToken(name string) string { return "itoken=" + e.Fixture.Invitations[name].UUID }

// LoggedIn returns the user c's session is logged in as (0: none).
func (e *Env) LoggedIn(c *Client) int64 {
	u, _ := url.Parse(e.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == auth.CookieName {
			s, err := e.Store.GetSession(context.Background(), auth.HashID(ck.Value))
			if err == nil && s.UserPK != nil {
				return *s.UserPK
			}
		}
	}
	return 0
}
