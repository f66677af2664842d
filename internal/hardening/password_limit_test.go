package hardening

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

// testClock is the limiter's clock, so a test can let a window pass.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// pwEnv is a real usher (flows, flow pages, user interface) behind a
// trusted proxy, with the default limits on a controllable clock.
type pwEnv struct {
	st    store.Store
	app   *app.App
	url   string
	clock *testClock
	fx    *testapp.Fixture
}

const inlineSlug = "inline-authentication-flow"

func newPwEnv(t *testing.T, st store.Store) *pwEnv {
	t.Helper()
	a := testapp.NewApp(t, st)
	a.Sessions.Secure = httpx.Secure
	clock := &testClock{t: time.Now().UTC().Truncate(time.Hour)}
	a.Limiter = ratelimit.New(st, ratelimit.Defaults(), a.Events, a.Log)
	a.Limiter.Now = clock.now
	srv := testapp.NewServerWith(t, a, server.Options{MaxBodyBytes: 64 << 10})
	e := &pwEnv{st: st, app: a, url: srv.URL, clock: clock, fx: fixture(t, st, a)}
	// The default authentication flow as the shipped blueprint has it: the
	// password field is on the identification stage.
	pw := e.fx.Stages["default-authentication-password"]
	e.fx.Flow(inlineSlug, "Inline", "Inline", store.DesignationAuthentication, "none")
	e.fx.Stage(store.StageIdentification, "inline-identification", func(s *store.Stage) {
		s.Identification.PasswordStage = &pw.UUID
	})
	e.fx.Bind(inlineSlug, "inline-identification", 10, false)
	e.fx.Bind(inlineSlug, "default-authentication-login", 100, false)
	return e
}

func (e *pwEnv) client(t *testing.T, addr string) *testapp.Client {
	return from(testapp.NewClient(t, e.url), addr)
}

// answer posts one JSON answer to the executor after fetching the current
// challenge, and returns status, Retry-After and body.
func answer(t *testing.T, c *testapp.Client, slug, body string) (int, string, string) {
	t.Helper()
	u := c.ExecutorURL(slug, "")
	get(t, c, "GET", u, nil)
	return get(t, c, "POST", u, body)
}

// hits is the stored failure count of key in the current window.
func (e *pwEnv) hits(t *testing.T, key string) int {
	t.Helper()
	r := ratelimit.Defaults().Target
	if strings.Contains(key, ":ip:") {
		r = ratelimit.Defaults().Address
	}
	n, err := e.st.HitCount(context.Background(), key, e.clock.now().Truncate(r.Window))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// limitedEvents counts rate_limited events for action:scope:value.
func (e *pwEnv) limitedEvents(t *testing.T, scope, value string) int {
	t.Helper()
	events, _, err := e.st.ListEvents(context.Background(), store.EventFilter{Action: ratelimit.EventRateLimited, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range events {
		if ev.Context["action"] == ratelimit.LoginFail && ev.Context["scope"] == scope && ev.Context["value"] == value {
			n++
		}
	}
	return n
}

// The per-username limit (20 failures per 15 minutes, from any address)
// holds wherever a password is checked; the right password is refused
// while the username is limited.
func TestPasswordGuessesLimitedPerUsername(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Run("identification stage with password field", func(t *testing.T) {
				e := newPwEnv(t, b.Open(t))
				guess := `{"component":"ak-stage-identification","uid_field":"akadmin","password":"guess"}`
				for i := range 25 {
					status, retry, body := answer(t, e.client(t, fmt.Sprintf("198.51.100.%d", i+1)), inlineSlug, guess)
					switch {
					case i < 20 && (status != 200 || !strings.Contains(body, password401)):
						t.Fatalf("guess %d: %d %s", i+1, status, body)
					case i >= 20 && (status != 429 || retry == "" || !tryAgain.MatchString(body)):
						t.Fatalf("guess %d from a new address: %d %q %s, want 429", i+1, status, retry, body)
					}
				}
				if n := e.hits(t, ratelimit.TargetKey(ratelimit.LoginFail, "user", "akadmin")); n != 20 {
					t.Errorf("per-username failures stored: %d, want 20 (refused guesses are not verified or counted)", n)
				}
				if n := e.hits(t, ratelimit.IPKey(ratelimit.LoginFail, "198.51.100.1")); n != 1 {
					t.Errorf("per-address failures: %d, want 1 (each guess counted once)", n)
				}
				if n := e.limitedEvents(t, "user", "akadmin"); n != 1 {
					t.Errorf("rate_limited events for akadmin: %d, want 1", n)
				}
				right := `{"component":"ak-stage-identification","uid_field":"akadmin","password":"` + testapp.AdminPassword + `"}`
				if status, _, body := answer(t, e.client(t, "198.51.100.200"), inlineSlug, right); status != 429 {
					t.Fatalf("right password while akadmin is limited: %d %s", status, body)
				}
				// By e-mail address it is the same account, and the same limit.
				byMail := `{"component":"ak-stage-identification","uid_field":"admin@example.com","password":"` + testapp.AdminPassword + `"}`
				if status, _, body := answer(t, e.client(t, "198.51.100.201"), inlineSlug, byMail); status != 429 {
					t.Fatalf("right password by e-mail while akadmin is limited: %d %s", status, body)
				}
				// The flow page answers a browser with the page.
				c := e.client(t, "198.51.100.202")
				p := c.Get(c.PageURL(inlineSlug, ""))
				status, _, body := postForm(t, c, p, url.Values{"uid_field": {"akadmin"}, "password": {testapp.AdminPassword}})
				if status != 429 || !tryAgain.MatchString(body) || !strings.Contains(body, "<html") {
					t.Fatalf("flow page while limited: %d %s", status, body)
				}
				e.clock.add(15 * time.Minute)
				last := testapp.Last(e.client(t, "198.51.100.203").FollowJSON(inlineSlug, "",
					map[string]any{"uid_field": "akadmin", "password": testapp.AdminPassword}))
				if last.Component != flow.ComponentRedirect {
					t.Fatalf("right password after the window: %v", last.Challenge)
				}
			})

			t.Run("unknown usernames are limited alike", func(t *testing.T) {
				e := newPwEnv(t, b.Open(t))
				guess := `{"component":"ak-stage-identification","uid_field":"nobody","password":"guess"}`
				for i := range 21 {
					status, _, body := answer(t, e.client(t, fmt.Sprintf("198.51.100.%d", i+1)), inlineSlug, guess)
					if (i < 20) != (status == 200) || i == 20 && status != 429 {
						t.Fatalf("guess %d for an unknown name: %d %s", i+1, status, body)
					}
				}
			})

			t.Run("password stage", func(t *testing.T) {
				e := newPwEnv(t, b.Open(t))
				for i := range 25 {
					c := e.client(t, fmt.Sprintf("203.0.113.%d", i+1))
					if status, _, body := answer(t, c, "default-authentication-flow", `{"component":"ak-stage-identification","uid_field":"akadmin"}`); status != 200 {
						t.Fatalf("identification %d: %d %s", i+1, status, body)
					}
					status, retry, body := get(t, c, "POST", c.ExecutorURL("default-authentication-flow", ""), `{"component":"ak-stage-password","password":"guess"}`)
					switch {
					case i < 20 && (status != 200 || !strings.Contains(body, "Invalid password")):
						t.Fatalf("guess %d: %d %s", i+1, status, body)
					case i >= 20 && (status != 429 || retry == "" || !tryAgain.MatchString(body)):
						t.Fatalf("guess %d: %d %q %s, want 429", i+1, status, retry, body)
					}
				}
				c := e.client(t, "203.0.113.200")
				answer(t, c, "default-authentication-flow", `{"component":"ak-stage-identification","uid_field":"akadmin"}`)
				if status, _, body := get(t, c, "POST", c.ExecutorURL("default-authentication-flow", ""),
					`{"component":"ak-stage-password","password":"`+testapp.AdminPassword+`"}`); status != 429 {
					t.Fatalf("right password while limited: %d %s", status, body)
				}
				if n := e.hits(t, ratelimit.TargetKey(ratelimit.LoginFail, "user", "akadmin")); n != 20 {
					t.Errorf("per-username failures stored: %d, want 20", n)
				}
			})

			t.Run("user page password change", func(t *testing.T) {
				e := newPwEnv(t, b.Open(t))
				b := signIn(t, e, "203.0.113.50")
				wrong := url.Values{"current_password": {"guess"}, "new_password": {"n3w-Passw0rd"}, "new_password_repeat": {"n3w-Passw0rd"}}
				// From one address: the per-address limit (10) applies first.
				for i := range 12 {
					status, retry, body := b.post(t, wrong)
					switch {
					case i < 10 && (status != 422 || !strings.Contains(body, "The current password is not correct.")):
						t.Fatalf("wrong current password %d: %d", i+1, status)
					case i >= 10 && (status != 429 || retry == "" || !tryAgain.MatchString(body)):
						t.Fatalf("wrong current password %d from one address: %d %q, want 429", i+1, status, retry)
					}
				}
				if n := e.limitedEvents(t, "ip", "203.0.113.50"); n != 1 {
					t.Errorf("rate_limited events for the address: %d, want 1", n)
				}
				// A stolen session moving between addresses meets the
				// per-username limit: 10 more failures make 20.
				for i := range 15 {
					b.from(fmt.Sprintf("192.0.2.%d", i+1))
					status, _, _ := b.post(t, wrong)
					if i < 10 && status != 422 || i >= 10 && status != 429 {
						t.Fatalf("wrong current password %d from a new address: %d", i+11, status)
					}
				}
				if n := e.limitedEvents(t, "user", "akadmin"); n != 1 {
					t.Errorf("rate_limited events for akadmin: %d, want 1", n)
				}
				b.from("192.0.2.100")
				right := url.Values{"current_password": {testapp.AdminPassword}, "new_password": {"n3w-Passw0rd"}, "new_password_repeat": {"n3w-Passw0rd"}}
				if status, _, _ := b.post(t, right); status != 429 {
					t.Fatalf("right current password while limited: %d, want 429", status)
				}
				u, err := e.st.GetUser(context.Background(), e.fx.Admin.PK)
				if err != nil {
					t.Fatal(err)
				}
				if ok, _ := e.app.Passwords.Verify(u.Password, testapp.AdminPassword); !ok {
					t.Fatal("the password was changed while limited")
				}
				// The guesses on the user page count towards the login's
				// limit: it is one limit per username.
				login := `{"component":"ak-stage-identification","uid_field":"akadmin","password":"` + testapp.AdminPassword + `"}`
				if status, _, body := answer(t, e.client(t, "198.51.100.99"), inlineSlug, login); status != 429 {
					t.Fatalf("login after guesses on the user page: %d %s", status, body)
				}
				e.clock.add(15 * time.Minute)
				if status, loc, _ := b.post(t, right); status != 303 || !strings.HasPrefix(loc, "/if/user/") {
					t.Fatalf("right current password after the window: %d %q", status, loc)
				}
			})
		})
	}
}

// password401 is what the identification stage answers a wrong password.
const password401 = "Failed to authenticate."

var csrfRe = regexp.MustCompile(`name="` + auth.CSRFField + `" value="([^"]+)"`)

// userPage is a signed-in browser on the user page's password form.
type userPage struct {
	c    *testapp.Client
	url  string
	csrf string
}

// signIn logs akadmin in from addr and reads the user page's CSRF token.
func signIn(t *testing.T, e *pwEnv, addr string) *userPage {
	t.Helper()
	c := e.client(t, addr)
	if last := testapp.Last(c.FollowJSON(inlineSlug, "", map[string]any{"uid_field": "akadmin", "password": testapp.AdminPassword})); last.Component != flow.ComponentRedirect {
		t.Fatalf("login: %v", last.Challenge)
	}
	status, _, body := get(t, c, "GET", e.url+"/if/user/", nil)
	m := csrfRe.FindStringSubmatch(body)
	if status != 200 || m == nil {
		t.Fatalf("user page: %d, CSRF token found: %v", status, m != nil)
	}
	return &userPage{c: c, url: e.url, csrf: html.UnescapeString(m[1])}
}

// from moves the session to another client address.
func (p *userPage) from(addr string) { p.c.HTTP.Transport = forwardedFor{addr} }

// post submits the password form; it returns status, Retry-After (or the
// Location of a redirect) and body.
func (p *userPage) post(t *testing.T, form url.Values) (int, string, string) {
	t.Helper()
	form.Set(auth.CSRFField, p.csrf)
	req, _ := http.NewRequest("POST", p.url+"/if/user/password/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 == 3 {
		return resp.StatusCode, resp.Header.Get("Location"), string(raw)
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(raw)
}

// postForm submits the flow page's form with values.
func postForm(t *testing.T, c *testapp.Client, p testapp.Page, values url.Values) (int, string, string) {
	t.Helper()
	action, form := testapp.ParseForm(p.Body)
	for k, v := range values {
		form[k] = v
	}
	u, err := url.Parse(c.Base)
	if err != nil {
		t.Fatal(err)
	}
	target, _ := u.Parse(action)
	req, _ := http.NewRequest("POST", target.String(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(raw)
}
