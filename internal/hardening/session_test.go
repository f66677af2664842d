package hardening

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testapp"
)

func sessionCookie(c *testapp.Client) *http.Cookie {
	u, _ := url.Parse(c.Base)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == auth.CookieName {
			return ck
		}
	}
	return nil
}

// Two instances share one database: the session ID changes at login, and
// logging out on A (or the session expiring) ends the session on B too.
func TestSessionsAcrossInstances(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "usher.db")
	s1 := storetest.OpenSQLiteUnmigrated(t, path)
	if err := s1.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s2 := storetest.OpenSQLiteUnmigrated(t, path)
	a, b := newInstance(t, s1), newInstance(t, s2)
	fixture(t, s1, a.app)

	c := testapp.NewClient(t, a.srv.URL)
	u := c.ExecutorURL("default-authentication-flow", "")
	if _, ch, err := c.Do("GET", u, nil); err != nil || ch["component"] != "ak-stage-identification" {
		t.Fatalf("identification: %v %v", ch, err)
	}
	before := sessionCookie(c)
	if before == nil {
		t.Fatal("no session before login")
	}
	if last := testapp.Last(c.FollowJSON("default-authentication-flow", "", map[string]any{"uid_field": "akadmin",
		"password": testapp.AdminPassword})); last.Component != flow.ComponentRedirect {
		t.Fatalf("login: %v", last.Challenge)
	}
	after := sessionCookie(c)
	if after == nil || after.Value == before.Value {
		t.Fatal("the session ID was not rotated at login")
	}
	if _, err := s2.GetSession(ctx, auth.HashID(before.Value)); err == nil {
		t.Error("the pre-login session still exists")
	}
	load := func(inst *instance, ck *http.Cookie) *auth.Session {
		req := httptest.NewRequest("GET", "/", nil)
		req.AddCookie(ck)
		s, err := inst.app.Sessions.Load(req)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := load(b, after); s.UserPK == nil {
		t.Fatal("instance B does not know the session")
	}
	// Expiry is the database's: B with a clock past the TTL sees nothing.
	b.app.Sessions.Now = func() time.Time { return time.Now().Add(b.app.Sessions.TTL + time.Minute) }
	if s := load(b, after); s.UserPK != nil {
		t.Error("an expired session is still logged in on B")
	}
	b.app.Sessions.Now = nil

	// Logout on A.
	if last := testapp.Last(c.FollowJSON("default-invalidation-flow", "", nil)); last.Component != flow.ComponentRedirect {
		t.Fatalf("logout: %v", last.Challenge)
	}
	if s := load(b, after); s.UserPK != nil {
		t.Error("after logout on A, the cookie still works on B")
	}
}

// Cookies are HttpOnly and SameSite=Lax, and Secure only over TLS: a
// trusted proxy may say so, anyone else may not.
func TestCookieFlags(t *testing.T) {
	st := storetest.OpenSQLite(t)
	in := newInstance(t, st) // trusts 127.0.0.0/8 as a proxy
	fixture(t, st, in.app)
	for _, tc := range []struct {
		name, proto string
		secure      bool
	}{{"plain HTTP", "", false}, {"trusted proxy says https", "https", true}, {"trusted proxy says http", "http", false}} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", in.srv.URL+"/api/v3/flows/executor/default-authentication-flow/?query=", nil)
			if tc.proto != "" {
				req.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var ck *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == auth.CookieName {
					ck = c
				}
			}
			if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != tc.secure {
				t.Errorf("cookie = %+v, want HttpOnly, Lax, Secure=%v", ck, tc.secure)
			}
		})
	}
	// An untrusted client cannot claim TLS.
	req := httptest.NewRequest("GET", "/api/v3/flows/executor/default-authentication-flow/?query=", nil)
	req.RemoteAddr = "203.0.113.5:4444"
	req.Header.Set("X-Forwarded-Proto", "https")
	rec := httptest.NewRecorder()
	in.srv.Config.Handler.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == auth.CookieName && c.Secure {
			t.Error("an untrusted client made the cookie Secure with X-Forwarded-Proto")
		}
	}
}
