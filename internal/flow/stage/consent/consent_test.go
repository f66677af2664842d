package consent_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/boot"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

var ctx = context.Background()

const slug = "consent-test"

// env is a real usher with a consent flow, plus /test/start/, which does
// what the OpenID Connect authorize endpoint does: plan the flow with the
// application and the permissions asked for (flow.Executor.StartWith).
type env struct {
	t     *testing.T
	st    store.Store
	url   string
	app   store.Application
	mu    sync.Mutex
	now   time.Time
	admin store.User
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

// perms are what /test/start/ seeds by default: the openid scope (not
// listed on the page, as in authentik), email and profile.
var perms = []map[string]any{
	{"id": "openid", "name": ""},
	{"id": "email", "name": "Email address"},
	{"id": "profile", "name": "General profile information"},
}

func newEnv(t *testing.T, b testapp.Backend, set func(*store.ConsentStageSettings)) *env {
	st := b.Open(t)
	a := testapp.NewApp(t, st)
	// The clock starts now: the login stage dates sessions by it, and the
	// session manager checks them against the real time.
	e := &env{t: t, st: st, now: time.Now().UTC().Truncate(time.Second)}
	a.Now = func() time.Time {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.now
	}
	fx := testapp.NewFixture(t, st, a.Passwords.Hash)
	fx.LoginLogout()
	e.admin = fx.Admin
	fx.Flow(slug, "Authorize Application", "Redirecting to %(app)s", store.DesignationAuthorization, "require_authenticated")
	fx.Stage(store.StageConsent, "consent", func(s *store.Stage) { set(s.Consent) })
	fx.Bind(slug, "consent", 0, false)
	e.app = store.Application{Name: "Grafana", Slug: "grafana", PolicyEngineMode: "any"}
	if err := st.CreateApplication(ctx, &e.app); err != nil {
		t.Fatal(err)
	}

	s, err := boot.Server(a, server.Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	ex := flow.NewExecutor(a, nil)
	mux := http.NewServeMux()
	mux.Handle("/", s.Handler())
	mux.HandleFunc("GET /test/start/", func(w http.ResponseWriter, r *http.Request) {
		sess, err := ex.Session(r)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		seed := map[string]any{flow.CtxConsentPermissions: perms}
		if r.URL.Query().Get("extra") != "" {
			seed[flow.CtxConsentPermissions] = append(slices.Clone(perms), map[string]any{"id": "offline_access", "name": "Access while you are away"})
		}
		if r.URL.Query().Get("noapp") == "" {
			seed[flow.CtxApplication] = map[string]any{"pk": e.app.UUID, "name": e.app.Name, "slug": e.app.Slug}
		}
		if to := r.URL.Query().Get("redirect"); to != "" {
			seed[flow.CtxRedirect] = to
		}
		if h := r.URL.Query().Get("header"); h != "" {
			seed[flow.CtxConsentHeader] = h
		}
		err = ex.StartWith(w, r, sess, slug, seed)
		if errors.Is(err, flow.ErrFlowNotApplicable) {
			http.Error(w, "not applicable", http.StatusForbidden)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if err := a.Sessions.Save(w, r, sess); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// client is a browser signed in as akadmin.
func (e *env) client() *testapp.Client {
	c := testapp.NewClient(e.t, e.url)
	steps := c.FollowJSON("default-authentication-flow", "", map[string]any{"uid_field": "akadmin", "password": testapp.AdminPassword})
	if last := testapp.Last(steps); last.Component != "xak-flow-redirect" {
		e.t.Fatalf("login: %+v", last)
	}
	return c
}

func (e *env) start(c *testapp.Client, query string) {
	e.t.Helper()
	resp, err := c.HTTP.Get(e.url + "/test/start/?" + query)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		e.t.Fatalf("start: %d", resp.StatusCode)
	}
}

func (e *env) get(c *testapp.Client) map[string]any {
	e.t.Helper()
	resp, ch, err := c.Do(http.MethodGet, c.ExecutorURL(slug, ""), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET executor: %v %v", resp, err)
	}
	return ch
}

func (e *env) answer(c *testapp.Client, token string) map[string]any {
	e.t.Helper()
	resp, ch, err := c.Do(http.MethodPost, c.ExecutorURL(slug, ""), map[string]any{"component": "ak-stage-consent", "token": token})
	if err != nil || resp.StatusCode != http.StatusOK {
		e.t.Fatalf("POST executor: %v %v", resp, err)
	}
	return ch
}

func (e *env) consents() []store.UserConsent {
	e.t.Helper()
	list, err := e.st.ListUserConsents(ctx, e.admin.PK)
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

func ids(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, p := range list {
		id, _ := p.(map[string]any)["id"].(string)
		out = append(out, id)
	}
	return out
}

func component(ch map[string]any) string { s, _ := ch["component"].(string); return s }

func forEach(t *testing.T, fn func(t *testing.T, b testapp.Backend)) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// The executor API sends authentik's ConsentChallenge; always_require asks
// every time and stores nothing.
func TestAlwaysRequireAsksEveryTime(t *testing.T) {
	forEach(t, func(t *testing.T, b testapp.Backend) {
		e := newEnv(t, b, func(s *store.ConsentStageSettings) { s.Mode = store.ConsentAlwaysRequire })
		c := e.client()
		for i := 0; i < 2; i++ {
			e.start(c, "header=You're+about+to+sign+into+Grafana.&redirect=/application/o/authorize/%3Fstate%3Dx")
			ch := e.get(c)
			if component(ch) != "ak-stage-consent" || ch["pending_user"] != "akadmin" || ch["pending_user_avatar"] == "" ||
				ch["header_text"] != "You're about to sign into Grafana." ||
				!slices.Equal(ids(ch["permissions"]), []string{"openid", "email", "profile"}) ||
				len(ids(ch["additional_permissions"])) != 0 || ch["token"] == "" {
				t.Fatalf("challenge %d = %v", i, ch)
			}
			if info, _ := ch["flow_info"].(map[string]any); info["title"] != "Redirecting to Grafana" {
				t.Fatalf("flow_info = %v", ch["flow_info"])
			}
			// The flow ends where the seeded redirect says (the OpenID
			// Connect endpoint that started it).
			if res := e.answer(c, ch["token"].(string)); component(res) != "xak-flow-redirect" || res["to"] != "/application/o/authorize/?state=x" {
				t.Fatalf("answer %d = %v", i, res)
			}
		}
		if rows := e.consents(); len(rows) != 0 {
			t.Fatalf("always_require stored %+v", rows)
		}
	})
}

// A wrong or missing token is refused: the prompt comes again with a new
// token and an error, and nothing is stored; the new token then works.
func TestWrongTokenRefused(t *testing.T) {
	forEach(t, func(t *testing.T, b testapp.Backend) {
		e := newEnv(t, b, func(s *store.ConsentStageSettings) { s.Mode = store.ConsentPermanent })
		c := e.client()
		e.start(c, "")
		first := e.get(c)
		for _, bad := range []string{"not-the-token", ""} {
			again := e.answer(c, bad)
			errs, _ := again["response_errors"].(map[string]any)
			if component(again) != "ak-stage-consent" || errs["token"] == nil || again["token"] == first["token"] {
				t.Fatalf("bad token %q answered %v", bad, again)
			}
			first = again
		}
		if rows := e.consents(); len(rows) != 0 {
			t.Fatalf("stored after a bad token: %+v", rows)
		}
		if res := e.answer(c, first["token"].(string)); component(res) != "xak-flow-redirect" {
			t.Fatalf("good token = %v", res)
		}
		if rows := e.consents(); len(rows) != 1 {
			t.Fatalf("rows = %+v", rows)
		}
	})
}

// permanent asks once; a request for more asks only about what is new,
// and the answer replaces the narrower consent.
func TestPermanentAsksOnce(t *testing.T) {
	forEach(t, func(t *testing.T, b testapp.Backend) {
		e := newEnv(t, b, func(s *store.ConsentStageSettings) { s.Mode = store.ConsentPermanent })
		c := e.client()
		e.start(c, "")
		ch := e.get(c)
		if res := e.answer(c, ch["token"].(string)); component(res) != "xak-flow-redirect" {
			t.Fatalf("answer = %v", res)
		}
		rows := e.consents()
		if len(rows) != 1 || rows[0].Application != e.app.UUID || rows[0].Permissions != "email openid profile" || rows[0].Expires != nil {
			t.Fatalf("rows = %+v", rows)
		}
		e.advance(400 * 24 * time.Hour)
		e.start(c, "")
		if ch := e.get(c); component(ch) != "xak-flow-redirect" {
			t.Fatalf("second authorization asked again: %v", ch)
		}

		e.start(c, "extra=1")
		ch = e.get(c)
		if component(ch) != "ak-stage-consent" || !slices.Equal(ids(ch["permissions"]), []string{"openid", "email", "profile"}) ||
			!slices.Equal(ids(ch["additional_permissions"]), []string{"offline_access"}) {
			t.Fatalf("wider request = %v", ch)
		}
		if res := e.answer(c, ch["token"].(string)); component(res) != "xak-flow-redirect" {
			t.Fatalf("answer = %v", res)
		}
		rows = e.consents()
		if len(rows) != 1 || rows[0].Permissions != "email offline_access openid profile" {
			t.Fatalf("rows after wider consent = %+v", rows)
		}
		// The narrower request is covered.
		e.start(c, "")
		if ch := e.get(c); component(ch) != "xak-flow-redirect" {
			t.Fatalf("covered request asked: %v", ch)
		}
	})
}

// expiring asks again once consent_expire_in has passed.
func TestExpiringAsksAfterExpiry(t *testing.T) {
	forEach(t, func(t *testing.T, b testapp.Backend) {
		e := newEnv(t, b, func(s *store.ConsentStageSettings) { s.Mode = store.ConsentExpiring; s.ConsentExpireIn = "hours=1" })
		c := e.client()
		e.start(c, "")
		ch := e.get(c)
		e.answer(c, ch["token"].(string))
		rows := e.consents()
		if len(rows) != 1 || rows[0].Expires == nil || !rows[0].Expires.Equal(e.now.Add(time.Hour)) {
			t.Fatalf("rows = %+v (now %v)", rows, e.now)
		}
		e.advance(59 * time.Minute)
		e.start(c, "")
		if ch := e.get(c); component(ch) != "xak-flow-redirect" {
			t.Fatalf("asked before expiry: %v", ch)
		}
		e.advance(2 * time.Minute)
		e.start(c, "")
		ch = e.get(c)
		if component(ch) != "ak-stage-consent" || len(ids(ch["additional_permissions"])) != 0 {
			t.Fatalf("not asked after expiry: %v", ch)
		}
		e.answer(c, ch["token"].(string))
		rows = e.consents()
		if len(rows) != 1 || !rows[0].Expires.Equal(e.now.Add(time.Hour)) {
			t.Fatalf("renewed rows = %+v", rows)
		}
	})
}

// Without an application authentik's stage asks (it cannot remember for
// nobody) and passes on the answer without storing anything.
func TestNoApplicationAsksAndStoresNothing(t *testing.T) {
	forEach(t, func(t *testing.T, b testapp.Backend) {
		e := newEnv(t, b, func(s *store.ConsentStageSettings) { s.Mode = store.ConsentPermanent })
		c := e.client()
		e.start(c, "noapp=1")
		ch := e.get(c)
		if component(ch) != "ak-stage-consent" {
			t.Fatalf("challenge = %v", ch)
		}
		if res := e.answer(c, ch["token"].(string)); component(res) != "xak-flow-redirect" {
			t.Fatalf("answer = %v", res)
		}
		if rows := e.consents(); len(rows) != 0 {
			t.Fatalf("rows = %+v", rows)
		}
	})
}

// The HTML page shows the application and what it asks for without
// JavaScript; Continue posts the token with the CSRF token.
func TestHTMLPage(t *testing.T) {
	forEach(t, func(t *testing.T, b testapp.Backend) {
		e := newEnv(t, b, func(s *store.ConsentStageSettings) { s.Mode = store.ConsentPermanent })
		c := e.client()
		e.start(c, "")
		p := c.Get(c.PageURL(slug, ""))
		for _, want := range []string{"Grafana wants to access:", `data-permission-code="email">Email address</li>`,
			"General profile information", ">Continue</button>", `name="token"`, "Redirecting to Grafana"} {
			if !strings.Contains(p.Body, want) {
				t.Fatalf("page lacks %q:\n%s", want, p.Body)
			}
		}
		if strings.Contains(p.Body, `data-permission-code="openid"`) || strings.Contains(p.Body, "<script") {
			t.Fatalf("page lists openid or has a script:\n%s", p.Body)
		}
		// A tampered token shows the prompt again with an error.
		bad := c.Submit(p, map[string]any{"token": "tampered"})
		if bad.Location != "" || !strings.Contains(bad.Body, "out of date") || !strings.Contains(bad.Body, "Grafana wants to access:") {
			t.Fatalf("tampered answer = %d %s\n%s", bad.Status, bad.Location, bad.Body)
		}
		if rows := e.consents(); len(rows) != 0 {
			t.Fatalf("rows after tampered answer = %+v", rows)
		}
		done := c.Submit(bad, nil)
		if done.Location == "" {
			t.Fatalf("Continue did not finish the flow: %d\n%s", done.Status, done.Body)
		}
		if rows := e.consents(); len(rows) != 1 || rows[0].Permissions != "email openid profile" {
			t.Fatalf("rows = %+v", rows)
		}
		// Asked for more: what was given is listed apart from what is new.
		e.start(c, "extra=1")
		p = c.Get(c.PageURL(slug, ""))
		for _, want := range []string{"Grafana already has access to:", "Grafana also wants to access:", "Access while you are away"} {
			if !strings.Contains(p.Body, want) {
				t.Fatalf("page lacks %q:\n%s", want, p.Body)
			}
		}
		// A form without the CSRF token is refused before the stage.
		action, form := testapp.ParseForm(p.Body)
		form.Del("csrfmiddlewaretoken")
		for k := range form {
			if strings.Contains(strings.ToLower(k), "csrf") {
				form.Del(k)
			}
		}
		resp, err := c.HTTP.PostForm(e.url+action, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("post without CSRF = %d", resp.StatusCode)
		}
		if rows := e.consents(); len(rows) != 1 || rows[0].Permissions != "email openid profile" {
			t.Fatalf("rows after refused post = %+v", rows)
		}
	})
}

// StartWith refuses a signed-out visitor for a flow that requires
// authentication.
func TestStartWithRequiresAuthentication(t *testing.T) {
	forEach(t, func(t *testing.T, b testapp.Backend) {
		e := newEnv(t, b, func(s *store.ConsentStageSettings) {})
		c := testapp.NewClient(t, e.url)
		resp, err := c.HTTP.Get(e.url + "/test/start/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("signed-out start = %d", resp.StatusCode)
		}
	})
}
