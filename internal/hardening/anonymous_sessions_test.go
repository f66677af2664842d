package hardening

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store/sqlstore"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testapp"
)

// twoStores opens two stores ("instances") on one fresh database per backend.
var twoStores = []struct {
	name string
	open func(t *testing.T) (*sqlstore.DB, *sqlstore.DB)
}{
	{"sqlite", func(t *testing.T) (*sqlstore.DB, *sqlstore.DB) {
		path := filepath.Join(t.TempDir(), "usher.db")
		a := storetest.OpenSQLiteUnmigrated(t, path)
		if err := a.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return a, storetest.OpenSQLiteUnmigrated(t, path)
	}},
	{"postgres", func(t *testing.T) (*sqlstore.DB, *sqlstore.DB) {
		dsn := storetest.NewPostgresDatabase(t)
		a := storetest.OpenPostgresUnmigrated(t, dsn)
		if err := a.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return a, storetest.OpenPostgresUnmigrated(t, dsn)
	}},
}

// sessionFootprint is the number of session rows and the bytes they hold
// in their variable-size columns (user agent and data).
func sessionFootprint(t *testing.T, db *sqlstore.DB) (rows, bytes int64) {
	t.Helper()
	err := db.Writer().QueryRow(`SELECT COUNT(*), COALESCE(SUM(LENGTH(user_agent) + LENGTH(data)), 0) FROM sessions`).
		Scan(&rows, &bytes)
	if err != nil {
		t.Fatal(err)
	}
	return rows, bytes
}

// anonymousGET fetches u without a cookie, as a crawler or a link scanner
// does, and returns the session cookie it was given (nil: none).
func anonymousGET(t *testing.T, u, ua string) *http.Cookie {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("User-Agent", ua)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if c.Name == auth.CookieName {
			return c
		}
	}
	return nil
}

// A visit that has answered nothing stores no session: cookieless GETs of
// the login page, the executor and an enrollment link with a bad itoken
// leave the sessions table empty, on both databases. The figures are
// logged (go test -v -run TestAnonymousVisitsStoreNoSession).
func TestAnonymousVisitsStoreNoSession(t *testing.T) {
	const browserUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
	for _, b := range twoStores {
		t.Run(b.name, func(t *testing.T) {
			s1, _ := b.open(t)
			in := newInstance(t, s1)
			fixture(t, s1, in.app)
			urls := []string{
				in.srv.URL + "/if/flow/default-authentication-flow/",
				in.srv.URL + "/api/v3/flows/executor/default-authentication-flow/?query=",
				in.srv.URL + "/if/flow/" + enrollSlug + "/?itoken=" + randomUUID(),
				in.srv.URL + "/api/v3/flows/executor/" + enrollSlug + "/?query=itoken%3D" + randomUUID(),
			}
			const n = 1000
			for i := 0; i < n; i++ {
				anonymousGET(t, urls[i%len(urls)], browserUA)
			}
			rows, bytes := sessionFootprint(t, s1)
			t.Logf("%s: %d anonymous GETs (%d-byte User-Agent) stored %d session rows, %d bytes", b.name, n, len(browserUA), rows, bytes)
			if rows != 0 {
				t.Errorf("%d anonymous GETs stored %d session rows (%d bytes), want none", n, rows, bytes)
			}
			big := strings.Repeat("x", 60<<10)
			for i := 0; i < 40; i++ {
				anonymousGET(t, urls[i%len(urls)], big)
			}
			rows, bytes = sessionFootprint(t, s1)
			t.Logf("%s: then 40 GETs with a 60 KB User-Agent: %d session rows, %d bytes", b.name, rows, bytes)
			if rows != 0 {
				t.Errorf("40 GETs with a 60 KB User-Agent stored %d session rows (%d bytes), want none", rows, bytes)
			}
		})
	}
}

// With no row written by the first GET, the flow still works across
// instances: the form served by A is accepted by B (its CSRF token is
// bound to the cookie, not to memory), the executor's GET after a start
// shows the same challenge, and a session stored once there is progress
// keeps at most a short User-Agent.
func TestUnstoredVisitContinuesOnAnotherInstance(t *testing.T) {
	for _, b := range twoStores {
		t.Run(b.name, func(t *testing.T) {
			s1, s2 := b.open(t)
			a, bi := newInstance(t, s1), newInstance(t, s2)
			fixture(t, s1, a.app)
			long := strings.Repeat("y", 60<<10)

			// HTML: page from A, identification answered on B, password on A.
			c := testapp.NewClient(t, a.srv.URL)
			c.HTTP.Transport = userAgent{long}
			p := c.Get(c.PageURL("default-authentication-flow", ""))
			if !p.HasForm() || !strings.Contains(p.Body, `name="uid_field"`) {
				t.Fatalf("identification page: %d %s", p.Status, p.Body)
			}
			if rows, _ := sessionFootprint(t, s1); rows != 0 {
				t.Fatalf("the first GET stored %d session rows", rows)
			}
			onB := c.Reuse(bi.srv.URL)
			p = onB.Submit(p, map[string]any{"uid_field": "akadmin"})
			if !strings.Contains(p.Body, `name="password"`) {
				t.Fatalf("after identification on B: %d %s", p.Status, p.Body)
			}
			rows, bytes := sessionFootprint(t, s1)
			if rows != 1 {
				t.Fatalf("after an answer: %d session rows, want 1", rows)
			}
			var ua int64
			if err := s1.Writer().QueryRow(`SELECT MAX(LENGTH(user_agent)) FROM sessions`).Scan(&ua); err != nil {
				t.Fatal(err)
			}
			if ua > 512 {
				t.Errorf("a session stores a %d-byte User-Agent (%d bytes in all), want at most 512", ua, bytes)
			}
			p = c.Submit(p, map[string]any{"password": testapp.AdminPassword})
			if p.Location == "" {
				t.Fatalf("login did not finish: %d %s", p.Status, p.Body)
			}

			// JSON: start on A, the same challenge again on B, answer on B.
			j := testapp.NewClient(t, a.srv.URL)
			u := j.ExecutorURL("default-authentication-flow", "")
			_, first, err := j.Do(http.MethodGet, u, nil)
			if err != nil || first["component"] != "ak-stage-identification" {
				t.Fatalf("start: %v %v", first, err)
			}
			jb := j.Reuse(bi.srv.URL)
			ub := jb.ExecutorURL("default-authentication-flow", "")
			if _, again, err := jb.Do(http.MethodGet, ub, nil); err != nil || again["component"] != first["component"] {
				t.Fatalf("GET after the start on B: %v %v", again, err)
			}
			values := map[string]any{"uid_field": "akadmin", "password": testapp.AdminPassword}
			_, ch, err := jb.Do(http.MethodPost, ub, testapp.Answer(first, values))
			if err != nil || ch["component"] != "ak-stage-password" {
				t.Fatalf("identification answered on B: %v %v", ch, err)
			}
			if _, ch, err = j.Do(http.MethodPost, u, testapp.Answer(ch, values)); err != nil || ch["component"] != flow.ComponentRedirect {
				t.Fatalf("password answered on A: %v %v", ch, err)
			}
		})
	}
}

type userAgent struct{ ua string }

func (u userAgent) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", u.ua)
	return http.DefaultTransport.RoundTrip(r)
}
