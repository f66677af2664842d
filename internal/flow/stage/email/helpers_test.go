package email_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ak "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/blueprint"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
	"github.com/usher-id/usher/internal/testkit"
	"github.com/usher-id/usher/internal/worker/mail"
	"github.com/usher-id/usher/internal/worker/mail/mailtest"
	"github.com/usher-id/usher/internal/worker/outbox"
)

var ctx = context.Background()

const (
	recoveryFlow   = "default-recovery-flow"
	enrollmentFlow = "default-enrollment-flow"
	janePassword   = "old-Passw0rd-jane"
)

// env is a running usher with authentik's recovery and enrollment
// blueprints applied unmodified, the brand's recovery flow set, jane as a
// user, and an outbox worker delivering to a real SMTP server.
type env struct {
	t     *testing.T
	st    store.Store
	a     *app.App
	fx    *testapp.Fixture
	url   string
	smtp  *mailtest.Server
	w     *outbox.Worker
	jane  store.User
	brand store.Brand
	// ahead moves the app's clock forward (expiry tests).
	ahead atomic.Int64
	key   string // akadmin's API token
}

func newEnv(t *testing.T, b testapp.Backend) *env { return newEnvOn(t, b.Open(t)) }

// newEnvOn builds the env on an open store.
func newEnvOn(t *testing.T, st store.Store) *env {
	t.Helper()
	a := testapp.NewApp(t, st)
	e := &env{t: t, st: st, a: a}
	a.Now = func() time.Time { return time.Now().Add(time.Duration(e.ahead.Load())) }
	e.fx = testapp.NewFixture(t, st, a.Passwords.Hash)
	e.fx.LoginLogout()
	for _, name := range []string{"flows-recovery-email-verification.yaml", "flows-enrollment-email-verification.yaml"} {
		e.apply(testkit.AuthentikBlueprint(t, name))
	}
	rec, err := st.GetFlowBySlug(ctx, recoveryFlow)
	if err != nil {
		t.Fatal(err)
	}
	e.brand = store.Brand{Domain: "", Default: true, BrandingTitle: "usher", FlowRecovery: &rec.UUID, Attributes: map[string]any{}}
	if err := st.CreateBrand(ctx, &e.brand); err != nil {
		t.Fatal(err)
	}
	h, err := a.Passwords.Hash(janePassword)
	if err != nil {
		t.Fatal(err)
	}
	e.jane = store.User{Username: "jane", Name: "Jane Doe", Email: "jane@example.com", Password: h, IsActive: true,
		Type: store.UserTypeInternal, Path: "users", Attributes: map[string]any{}}
	if err := st.CreateUser(ctx, &e.jane); err != nil {
		t.Fatal(err)
	}
	e.smtp = mailtest.Start(t, mailtest.Options{})
	cfg := mail.DefaultConfig()
	cfg.Host, cfg.Port, cfg.Timeout, cfg.From = e.smtp.Host, e.smtp.Port, 5*time.Second, "usher@example.com"
	d, err := mail.NewDeliverer(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	e.w = &outbox.Worker{Store: st, Events: &event.Recorder{}, Log: slog.New(slog.DiscardHandler), BaseBackoff: time.Minute}
	d.StageConfig = mail.StageConfigs(st)
	d.Register(e.w)
	e.url = testapp.NewServer(t, a).URL
	e.key = "recovery-test-admin-token-0123456789"
	if err := st.CreateToken(ctx, &store.Token{Identifier: "test-admin", KeyHash: auth.HashToken(e.key), UserPK: e.fx.Admin.PK,
		Intent: "api"}); err != nil {
		t.Fatal(err)
	}
	return e
}

// client is authentik's Go client, signed in as akadmin.
func (e *env) client() *ak.APIClient {
	cfg := ak.NewConfiguration()
	cfg.Servers = ak.ServerConfigurations{{URL: e.url + "/api/v3"}}
	cfg.AddDefaultHeader("Authorization", "Bearer "+e.key)
	return ak.NewAPIClient(cfg)
}

func (e *env) apply(path string) {
	e.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		e.t.Fatal(err)
	}
	bp, err := blueprint.Parse(data, path)
	if err != nil {
		e.t.Fatal(err)
	}
	if res, err := blueprint.Apply(ctx, e.a, bp, blueprint.Options{}); err != nil || !res.Success {
		e.t.Fatalf("apply %s: %v %+v", path, err, res.Logs)
	}
}

// deliver runs the outbox once.
func (e *env) deliver() {
	e.t.Helper()
	if _, err := e.w.RunOnce(ctx); err != nil {
		e.t.Fatal(err)
	}
}

// mails waits for n emails in total.
func (e *env) mails(n int) []mailtest.Message {
	e.t.Helper()
	e.deliver()
	return e.smtp.Wait(e.t, n, 10*time.Second)
}

var tokenLink = regexp.MustCompile(`https?://[^\s"'<>]+/if/flow/[-a-z0-9]+/\?flow_token=[A-Za-z0-9_-]+`)

// link is the flow link in an email's text part.
func link(t *testing.T, m mailtest.Message) string {
	t.Helper()
	l := tokenLink.FindString(m.Text)
	if l == "" {
		t.Fatalf("no flow link in the email:\n%s", m.Text)
	}
	return l
}

func (e *env) user(username string) store.User {
	e.t.Helper()
	u, err := e.st.GetUserByUsername(ctx, username)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// canLogin reports whether username/password signs in through the login
// flow in a fresh browser.
func (e *env) canLogin(username, password string) bool {
	e.t.Helper()
	cl := testapp.NewClient(e.t, e.url)
	pages := cl.FollowHTML("default-authentication-flow", "", map[string]any{"uid_field": username, "password": password})
	last := pages[len(pages)-1]
	return last.Location != "" && !strings.Contains(last.Location, "/if/flow/")
}

// forwardedFor makes a client appear to come from its own address (the
// test server trusts loopback as a proxy).
func forwardedFor(who string, i int) http.RoundTripper {
	addr := fmt.Sprintf("10.%d.%d.%d", len(who), i, 7)
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set("X-Forwarded-For", addr)
		return http.DefaultTransport.RoundTrip(r)
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// tokenFor reads the flow token row of a link.
func (e *env) tokenFor(t *testing.T, l string) store.FlowToken {
	t.Helper()
	i := strings.Index(l, "flow_token=")
	tok, err := e.st.GetFlowTokenByHash(ctx, auth.HashToken(l[i+len("flow_token="):]))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// raw sends an API request as akadmin and returns the body.
func (e *env) raw(method, path string) (int, http.Header, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// loggedIn is the user c's session is signed in as (0: none).
func (e *env) loggedIn(c *testapp.Client) int64 {
	e.t.Helper()
	u, _ := url.Parse(e.url)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == auth.CookieName {
			s, err := e.st.GetSession(ctx, auth.HashID(ck.Value))
			if err == nil && s.UserPK != nil {
				return *s.UserPK
			}
		}
	}
	return 0
}
