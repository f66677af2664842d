package authenticatorvalidate_test

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/blueprint"
	domaintotp "github.com/usher-id/usher/internal/domain/totp"
	"github.com/usher-id/usher/internal/testapp"
	"github.com/usher-id/usher/internal/testkit"
)

const (
	login     = "default-authentication-flow"
	setupFlow = "default-authenticator-totp-setup"
	validate  = "ak-stage-authenticator-validate"
)

func apply(t *testing.T, a *app.App, name string) {
	t.Helper()
	data, err := os.ReadFile(testkit.AuthentikBlueprint(t, name))
	if err != nil {
		t.Fatal(err)
	}
	bp, err := blueprint.Parse(data, name)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := blueprint.Apply(context.Background(), a, bp, blueprint.Options{}); err != nil || !res.Success {
		t.Fatalf("apply %s: %v %+v", name, err, res)
	}
}

// signIn walks the login up to the second factor and returns the client,
// the executor URL and the last challenge.
func signIn(t *testing.T, base string) (*testapp.Client, string, map[string]any) {
	t.Helper()
	cl := testapp.NewClient(t, base)
	u := cl.ExecutorURL(login, "")
	_, ch, _ := cl.Do(http.MethodGet, u, nil)
	_, ch, _ = cl.Do(http.MethodPost, u, map[string]any{"component": ch["component"], "uid_field": "akadmin", "password": testapp.AdminPassword})
	if ch["component"] == "ak-stage-password" {
		_, ch, _ = cl.Do(http.MethodPost, u, map[string]any{"component": "ak-stage-password", "password": testapp.AdminPassword})
	}
	return cl, u, ch
}

// TestSecondFactor imports authentik's default authentication flow and
// TOTP setup flow unmodified: without a device the validation stage is
// skipped; after setting one up, signing in asks for a code, refuses a
// wrong one and a replayed one, and accepts a fresh one.
func TestSecondFactor(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t)
			a := testapp.NewApp(t, st)
			fx := testapp.NewFixture(t, st, a.Passwords.Hash)
			fx.LoginLogout()
			apply(t, a, "flow-default-authentication-flow.yaml")
			apply(t, a, "flow-default-authenticator-totp-setup.yaml")
			srv := testapp.NewServer(t, a)
			ctx := context.Background()

			// No device: not_configured_action skip signs in at once.
			cl, _, ch := signIn(t, srv.URL)
			if ch["component"] != "xak-flow-redirect" {
				t.Fatalf("without a device: %v", ch)
			}

			// Set up a device.
			su := cl.ExecutorURL(setupFlow, "")
			_, ch, _ = cl.Do(http.MethodGet, su, nil)
			key, err := otp.NewKeyFromURL(ch["config_url"].(string))
			if err != nil {
				t.Fatalf("setup: %v %v", err, ch)
			}
			now := time.Now()
			code, _ := totp.GenerateCode(key.Secret(), now)
			_, ch, _ = cl.Do(http.MethodPost, su, map[string]any{"code": code})
			if ch["component"] != "xak-flow-redirect" {
				t.Fatalf("setup with a code: %v", ch)
			}

			// Now sign-in asks for a code.
			cl2, u, ch := signIn(t, srv.URL)
			if ch["component"] != validate {
				t.Fatalf("with a device: %v", ch)
			}
			if devs, _ := ch["device_challenges"].([]any); len(devs) != 1 ||
				devs[0].(map[string]any)["device_class"] != "totp" {
				t.Fatalf("device_challenges: %v", ch["device_challenges"])
			}
			_, ch, _ = cl2.Do(http.MethodPost, u, map[string]any{"component": validate, "code": "abcdef"})
			if errs, _ := ch["response_errors"].(map[string]any); errs["code"] == nil {
				t.Fatalf("wrong code: %v", ch)
			}
			// The code used for the setup is spent.
			_, ch, _ = cl2.Do(http.MethodPost, u, map[string]any{"component": validate, "code": code})
			if errs, _ := ch["response_errors"].(map[string]any); errs["code"] == nil {
				t.Fatalf("setup code replayed at sign-in: %v", ch)
			}
			fresh, _ := totp.GenerateCode(key.Secret(), now.Add(30*time.Second))
			_, ch, _ = cl2.Do(http.MethodPost, u, map[string]any{"component": validate, "code": fresh})
			if ch["component"] != "xak-flow-redirect" {
				t.Fatalf("right code: %v", ch)
			}
			// The same code does not sign in a second browser.
			cl3, u3, ch := signIn(t, srv.URL)
			_, ch, _ = cl3.Do(http.MethodPost, u3, map[string]any{"component": validate, "code": fresh})
			if errs, _ := ch["response_errors"].(map[string]any); errs["code"] == nil {
				t.Fatalf("code replayed in another browser: %v", ch)
			}

			// not_configured_action deny: a user without a device cannot sign in.
			devs, _ := st.ListTOTPDevices(ctx, fx.Admin.PK)
			for _, d := range devs {
				if err := st.DeleteTOTPDevice(ctx, d.ID); err != nil {
					t.Fatal(err)
				}
			}
			stage, err := st.GetStageByName(ctx, "default-authentication-mfa-validation")
			if err != nil {
				t.Fatal(err)
			}
			stage.Validate.NotConfiguredAction = "deny"
			if err := st.UpdateStage(ctx, &stage); err != nil {
				t.Fatal(err)
			}
			if _, _, ch := signIn(t, srv.URL); ch["component"] != "ak-stage-access-denied" {
				t.Fatalf("deny without a device: %v", ch)
			}

			// configure: the login runs the TOTP setup stage, then signs in.
			setup, err := st.GetStageByName(ctx, "default-authenticator-totp-setup")
			if err != nil {
				t.Fatal(err)
			}
			stage.Validate.NotConfiguredAction, stage.Validate.ConfigurationStages = "configure", []string{setup.UUID}
			if err := st.UpdateStage(ctx, &stage); err != nil {
				t.Fatal(err)
			}
			cl4, u4, ch := signIn(t, srv.URL)
			if ch["component"] != "ak-stage-authenticator-totp" {
				t.Fatalf("configure without a device: %v", ch)
			}
			key, _ = otp.NewKeyFromURL(ch["config_url"].(string))
			code, _ = totp.GenerateCode(key.Secret(), time.Now())
			_, ch, _ = cl4.Do(http.MethodPost, u4, map[string]any{"code": code})
			if ch["component"] != "xak-flow-redirect" {
				t.Fatalf("after configuring in the login: %v", ch)
			}
			if devs, _ := st.ListTOTPDevices(ctx, fx.Admin.PK); len(devs) != 1 {
				t.Fatalf("devices after configure: %d", len(devs))
			}
		})
	}
}

// TestLogin2FAExample imports authentik's two-factor login example
// unmodified: its identification stage sets "template", which authentik
// ignores, so usher warns and applies; a user with a TOTP device is then
// asked for a code behind the expression policy bound to the stage.
func TestLogin2FAExample(t *testing.T) {
	path := testkit.AuthentikBlueprint(t, "flows-login-2fa.yaml")
	b := testapp.Backends(t)[0]
	st := b.Open(t)
	a := testapp.NewApp(t, st)
	fx := testapp.NewFixture(t, st, a.Passwords.Hash)
	fx.LoginLogout()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bp, err := blueprint.Parse(data, "flows-login-2fa.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := blueprint.Apply(context.Background(), a, bp, blueprint.Options{})
	if err != nil || !res.Success {
		t.Fatalf("apply: %v", err)
	}
	warned := false
	for _, l := range res.Logs {
		if l.LogLevel == "warning" && l.Attributes["field"] == "template" {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning about the ignored template key: %+v", res.Logs)
	}
	key, err := domaintotp.NewKey("usher", "akadmin", 6)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := domaintotp.Enroll(context.Background(), st, fx.Admin.PK, "Phone", key.Secret(), 6, domaintotp.Step(now)-5, now); err != nil {
		t.Fatal(err)
	}
	srv := testapp.NewServer(t, a)
	cl, u, ch := signIn(t, srv.URL)
	if ch["component"] != validate {
		t.Fatalf("after the password: %v", ch)
	}
	code, _ := totp.GenerateCode(key.Secret(), now)
	if _, ch, _ = cl.Do(http.MethodPost, u, map[string]any{"component": validate, "code": code}); ch["component"] != "xak-flow-redirect" {
		t.Fatalf("with the code: %v", ch)
	}
}
