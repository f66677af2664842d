package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testapp"
)

// fixture is a real usher (server middleware + this package) on a fresh
// SQLite database.
type fixture struct {
	app *app.App
	st  store.Store
	srv *httptest.Server
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	return fixtureOn(t, storetest.OpenSQLite(t), server.Options{MaxBodyBytes: 4 << 20})
}

// fixtureOn serves a real usher (boot.Server, the serve command's handler)
// on a migrated store, with server options (body limits, say).
func fixtureOn(t testing.TB, st store.Store, opts server.Options) *fixture {
	pw, err := auth.ParsePasswordHash("bcrypt:cost=4")
	if err != nil {
		t.Fatal(err)
	}
	a := &app.App{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Passwords: pw,
		Sessions: &auth.Manager{Store: st, TTL: time.Hour, Secure: httpx.Secure}, Events: &event.Recorder{},
		Secret: []byte("0123456789abcdef0123456789abcdef"), MaxBlueprintBytes: 1 << 20, Version: "test"}
	hs := testapp.NewServerWith(t, a, opts)
	return &fixture{app: a, st: st, srv: hs}
}

// user creates a user, optionally in a superuser group, with password "pw".
func (f *fixture) user(t testing.TB, username, typ string, super bool) store.User {
	t.Helper()
	ctx := context.Background()
	hash, _ := f.app.Passwords.Hash("pw")
	u := store.User{Username: username, Name: strings.ToUpper(username), Email: username + "@example.com", IsActive: true,
		Type: typ, Path: "users", Password: hash}
	if err := f.st.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if super {
		g, err := f.st.GetGroupByName(ctx, "admins")
		if err != nil {
			g = store.Group{Name: "admins", IsSuperuser: true}
			if err := f.st.CreateGroup(ctx, &g); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.st.AddGroupMember(ctx, g.UUID, u.PK); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// browser is a client signed in as a user (nil = anonymous) that does not
// follow redirects.
type browser struct {
	f    *fixture
	c    *http.Client
	csrf string
}

func (f *fixture) browser(t testing.TB, u *store.User) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{f: f, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if u == nil {
		return b
	}
	sess, cookie := f.session(t, u.PK)
	base, _ := url.Parse(f.srv.URL)
	jar.SetCookies(base, []*http.Cookie{cookie})
	b.csrf = auth.CSRFToken(f.app.Secret, sess)
	return b
}

// session stores a logged-in session row and returns it with its cookie.
func (f *fixture) session(t testing.TB, pk int64) (*auth.Session, *http.Cookie) {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	sess, err := f.app.Sessions.Load(r)
	if err != nil {
		t.Fatal(err)
	}
	sess.Login(pk, time.Now().Add(time.Hour), false)
	rec := httptest.NewRecorder()
	if err := f.app.Sessions.Save(rec, r, sess); err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("expected one session cookie, got %v", cookies)
	}
	return sess, cookies[0]
}

type response struct {
	status int
	loc    string
	body   string
}

func (b *browser) get(t testing.TB, path string) response {
	t.Helper()
	return b.do(t, "GET", path, nil)
}

// post submits a form with the CSRF field filled in.
func (b *browser) post(t testing.TB, path string, form url.Values) response {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set(auth.CSRFField, b.csrf)
	return b.do(t, "POST", path, form)
}

func (b *browser) do(t testing.TB, method, path string, form url.Values) response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.f.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return b.send(t, req)
}

// send sends req with the browser's cookies and reads the response.
func (b *browser) send(t testing.TB, req *http.Request) response {
	t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header.Get("Location"), string(raw)}
}

// expect checks status, Location prefix and body substrings.
func (r response) expect(t testing.TB, status int, loc string, contains ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body:\n%s", r.status, status, snippet(r.body))
	}
	if loc != "" && !strings.HasPrefix(r.loc, loc) {
		t.Fatalf("Location %q, want prefix %q", r.loc, loc)
	}
	for _, c := range contains {
		if !strings.Contains(r.body, c) {
			t.Fatalf("body lacks %q:\n%s", c, snippet(r.body))
		}
	}
}

func snippet(s string) string {
	if i := strings.Index(s, `<main`); i >= 0 {
		s = s[i:]
	}
	if len(s) > 4000 {
		s = s[:4000]
	}
	return s
}

// events returns the actions of all recorded events, oldest first.
func (f *fixture) events(t testing.TB, action string) []store.Event {
	t.Helper()
	ev, _, err := f.st.ListEvents(context.Background(), store.EventFilter{Action: action, Ordering: "created", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}
