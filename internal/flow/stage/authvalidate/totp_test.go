package authvalidate_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/flow/stage/authvalidate"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
	"github.com/usher-id/usher/internal/testkit"
)

var ctx = context.Background()

// env is a server with akadmin, usher's login and logout flows, and
// authentik's default authentication flow and TOTP setup flow applied over
// them, unmodified.
type env struct {
	*testapp.Fixture
	app *app.App
	url string
}

func newEnv(t *testing.T, b testapp.Backend) *env {
	st := b.Open(t)
	a := testapp.NewApp(t, st)
	fx := testapp.NewFixture(t, st, a.Passwords.Hash)
	fx.LoginLogout()
	testapp.ApplyFile(t, a, testkit.AuthentikBlueprint(t, "flow-default-authenticator-totp-setup.yaml"))
	testapp.ApplyFile(t, a, testkit.AuthentikBlueprint(t, "flow-default-authentication-flow.yaml"))
	// localhost, not 127.0.0.1: WebAuthn needs a domain name.
	return &env{Fixture: fx, app: a, url: strings.Replace(testapp.NewServer(t, a).URL, "127.0.0.1", "localhost", 1)}
}

func (e *env) client(t *testing.T) *testapp.Client { return testapp.NewClient(t, e.url) }

// password signs in with akadmin's password and returns the challenge
// that follows (the second factor, or the end of the flow).
func password(t *testing.T, c *testapp.Client) testapp.Step {
	t.Helper()
	u := c.ExecutorURL("default-authentication-flow", "")
	var ch map[string]any
	for _, body := range []map[string]any{nil, {"component": "ak-stage-identification", "uid_field": "akadmin"},
		{"component": "ak-stage-password", "password": testapp.AdminPassword}} {
		method := http.MethodGet
		if body != nil {
			method = http.MethodPost
		}
		_, m, err := c.Do(method, u, body)
		if err != nil {
			t.Fatal(err)
		}
		ch = m
	}
	comp, _ := ch["component"].(string)
	return testapp.Step{Component: comp, Challenge: ch}
}

func answer(t *testing.T, c *testapp.Client, body map[string]any) testapp.Step {
	t.Helper()
	resp, ch, err := c.Do(http.MethodPost, c.ExecutorURL("default-authentication-flow", ""), body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return testapp.Step{Component: "429"}
	}
	comp, _ := ch["component"].(string)
	return testapp.Step{Component: comp, Challenge: ch}
}

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// setupTOTP runs authentik's TOTP setup flow as the signed-in client and
// returns the secret; the code typed is the current one.
func setupTOTP(t *testing.T, c *testapp.Client) string {
	t.Helper()
	u := c.ExecutorURL("default-authenticator-totp-setup", "")
	_, ch, err := c.Do(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ch["component"] != "ak-stage-authenticator-totp" {
		t.Fatalf("setup flow shows %v", ch)
	}
	key, err := otp.NewKeyFromURL(ch["config_url"].(string))
	if err != nil || key.Issuer() == "" || key.AccountName() != "akadmin" || key.Digits() != otp.DigitsSix {
		t.Fatalf("config_url %v: %v", ch["config_url"], err)
	}
	_, ch, _ = c.Do(http.MethodPost, u, map[string]any{"component": "ak-stage-authenticator-totp", "code": "000000"})
	if errs, _ := ch["response_errors"].(map[string]any); errs["code"] == nil {
		t.Fatalf("a wrong setup code was accepted: %v", ch)
	}
	_, ch, _ = c.Do(http.MethodPost, u, map[string]any{"component": "ak-stage-authenticator-totp", "code": codeAt(t, key.Secret(), time.Now())})
	if ch["component"] != flow.ComponentRedirect {
		t.Fatalf("setup with the right code ended at %v", ch)
	}
	return key.Secret()
}

// TestTOTPSignIn walks authentik's flows as its client does: without a
// device the second factor is skipped (not_configured_action skip); the
// user sets up TOTP through the setup flow; the next sign-in asks for a
// code after the password, refuses the code already used at setup and a
// wrong one, accepts the next code once, and refuses it on another
// sign-in (replay).
func TestTOTPSignIn(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			first := e.client(t)
			if s := password(t, first); s.Component != flow.ComponentRedirect {
				t.Fatalf("without a device the sign-in ended at %v", s.Challenge)
			}
			secret := setupTOTP(t, first)
			devs, _ := e.app.Store.ListDevices(ctx, e.Admin.PK, store.DeviceTOTP)
			if len(devs) != 1 || devs[0].Name != "TOTP Device" || devs[0].Digits != 6 {
				t.Fatalf("devices after setup: %+v", devs)
			}
			setupCode := codeAt(t, secret, time.Now())

			second := e.client(t)
			s := password(t, second)
			if s.Component != authvalidate.Component {
				t.Fatalf("after the password: %v", s.Challenge)
			}
			dc, _ := s.Challenge["device_challenges"].([]any)
			if len(dc) != 1 || dc[0].(map[string]any)["device_class"] != "totp" {
				t.Fatalf("device challenges %v", s.Challenge["device_challenges"])
			}
			for _, bad := range []string{setupCode, "123"} {
				s = answer(t, second, map[string]any{"component": authvalidate.Component, "code": bad})
				errs, _ := s.Challenge["response_errors"].(map[string]any)
				if s.Component != authvalidate.Component || errs["code"] == nil ||
					!strings.Contains(errs["code"].([]any)[0].(map[string]any)["string"].(string), "Invalid Token") {
					t.Fatalf("code %q: %v", bad, s.Challenge)
				}
			}
			next := codeAt(t, secret, time.Now().Add(30*time.Second))
			if s = answer(t, second, map[string]any{"component": authvalidate.Component, "code": next}); s.Component != flow.ComponentRedirect {
				t.Fatalf("the next code: %v", s.Challenge)
			}
			third := e.client(t)
			password(t, third)
			if s = answer(t, third, map[string]any{"component": authvalidate.Component, "code": next}); s.Component == flow.ComponentRedirect {
				t.Fatal("a used code signed in a second time")
			}
			if d, _ := e.app.Store.GetDevice(ctx, devs[0].PK); d.LastUsed == nil {
				t.Error("last_used not set")
			}
		})
	}
}

// TestTOTPWrongCodesLimited: guessing codes is throttled per user, from
// any address.
func TestTOTPWrongCodesLimited(t *testing.T) {
	b := testapp.Backends(t)[0]
	e := newEnv(t, b)
	first := e.client(t)
	password(t, first)
	setupTOTP(t, first)
	limited := false
	for i := 0; i < 30 && !limited; i++ {
		c := e.client(t)
		if s := password(t, c); s.Component == "429" {
			limited = true
			break
		}
		if s := answer(t, c, map[string]any{"component": authvalidate.Component, "code": "000000"}); s.Component == "429" {
			limited = true
		}
	}
	if !limited {
		t.Fatal("30 wrong codes were never throttled")
	}
}

// TestTOTPPages: the same without JavaScript: the setup page shows the QR
// code as an image made by the server and the secret as text; the sign-in
// page asks for the code after the password.
func TestTOTPPages(t *testing.T) {
	e := newEnv(t, testapp.Backends(t)[0])
	c := e.client(t)
	pages := c.FollowHTML("default-authentication-flow", "", map[string]any{"uid_field": "akadmin", "password": testapp.AdminPassword})
	if last := pages[len(pages)-1]; last.Location == "" {
		t.Fatalf("sign-in without a device ended on %s", last.Body)
	}
	p := c.Get(c.PageURL("default-authenticator-totp-setup", ""))
	if !strings.Contains(p.Body, `<img src="data:image/png;base64,`) {
		t.Fatalf("no QR code image on the setup page:\n%s", p.Body)
	}
	i := strings.Index(p.Body, `<code id="totp-secret">`)
	if i < 0 {
		t.Fatalf("no secret on the setup page:\n%s", p.Body)
	}
	secret := p.Body[i+len(`<code id="totp-secret">`):]
	secret = secret[:strings.Index(secret, "<")]
	if strings.Contains(p.Body, "<script") {
		t.Error("the TOTP setup page loads a script")
	}
	if done := c.Submit(p, map[string]any{"code": codeAt(t, secret, time.Now())}); done.Location == "" {
		t.Fatalf("setup did not finish:\n%s", done.Body)
	}

	other := e.client(t)
	p = other.Get(other.PageURL("default-authentication-flow", ""))
	p = other.Submit(p, map[string]any{"uid_field": "akadmin"})
	p = other.Submit(p, map[string]any{"password": testapp.AdminPassword})
	if !strings.Contains(p.Body, `name="code"`) || !strings.Contains(p.Body, "authenticator app") {
		t.Fatalf("no code field after the password:\n%s", p.Body)
	}
	p = other.Submit(p, map[string]any{"code": "999999"})
	if !strings.Contains(p.Body, "Invalid Token") {
		t.Fatalf("wrong code page:\n%s", p.Body)
	}
	p = other.Submit(p, map[string]any{"code": codeAt(t, secret, time.Now().Add(30*time.Second))})
	if p.Location == "" || e.loggedIn(other) != e.Admin.PK {
		t.Fatalf("the right code did not sign in:\n%s", p.Body)
	}
}

func (e *env) loggedIn(c *testapp.Client) int64 {
	return (&testapp.Env{Store: e.app.Store, URL: e.url}).LoggedIn(c)
}
