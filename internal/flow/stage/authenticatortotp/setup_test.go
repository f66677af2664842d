package authenticatortotp_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/usher-id/usher/internal/blueprint"
	domaintotp "github.com/usher-id/usher/internal/domain/totp"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
	"github.com/usher-id/usher/internal/testkit"
)

const setupFlow = "default-authenticator-totp-setup"

// TestSetupFlow imports authentik's TOTP setup blueprint unmodified, signs
// in, runs the setup through the executor API with a code computed by
// pquerna/otp, and checks the device: stored, confirmed, and its setup code
// not usable again.
func TestSetupFlow(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st, admin, base := newServer(t, b)
			cl := testapp.NewClient(t, base)

			// Signed out, the flow (authentication: require_authenticated) is refused.
			_, ch, err := cl.Do(http.MethodGet, cl.ExecutorURL(setupFlow, ""), nil)
			if err != nil || ch["component"] == "ak-stage-authenticator-totp" {
				t.Fatalf("signed out: %v %v", err, ch)
			}

			cl.FollowJSON("default-authentication-flow", "", map[string]any{"uid_field": "akadmin", "password": testapp.AdminPassword})
			u := cl.ExecutorURL(setupFlow, "")
			_, ch, err = cl.Do(http.MethodGet, u, nil)
			if err != nil || ch["component"] != "ak-stage-authenticator-totp" {
				t.Fatalf("setup challenge: %v %v", err, ch)
			}
			cfg, _ := ch["config_url"].(string)
			key, err := otp.NewKeyFromURL(cfg)
			if err != nil || key.AccountName() != "akadmin" || key.Digits() != otp.DigitsSix {
				t.Fatalf("config_url %q: %v", cfg, err)
			}

			// A wrong code is refused with the field named; nothing stored.
			_, ch, _ = cl.Do(http.MethodPost, u, map[string]any{"component": "ak-stage-authenticator-totp", "code": "000000"})
			if errs, _ := ch["response_errors"].(map[string]any); errs["code"] == nil {
				if code, _ := totp.GenerateCode(key.Secret(), time.Now()); code != "000000" {
					t.Fatalf("wrong code accepted: %v", ch)
				}
			}
			if devs, _ := st.ListTOTPDevices(context.Background(), admin.PK); len(devs) != 0 {
				t.Fatalf("device stored before confirmation: %+v", devs)
			}

			code, err := totp.GenerateCode(key.Secret(), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			_, ch, _ = cl.Do(http.MethodPost, u, map[string]any{"component": "ak-stage-authenticator-totp", "code": code})
			if ch["component"] != "xak-flow-redirect" {
				t.Fatalf("after the right code: %v", ch)
			}
			devs, err := st.ListTOTPDevices(context.Background(), admin.PK)
			if err != nil || len(devs) != 1 {
				t.Fatalf("devices: %v %+v", err, devs)
			}
			d := devs[0]
			if !d.Confirmed || d.Name != "TOTP Device" || d.Digits != 6 || d.Key != key.Secret() {
				t.Fatalf("device: %+v", d)
			}
			// The code that proved the setup cannot sign in afterwards.
			ok, err := domaintotp.Verify(context.Background(), st, d, code, time.Now())
			if err != nil || ok {
				t.Fatalf("setup code accepted again: %v %v", ok, err)
			}
		})
	}
}

// TestSetupPage shows the setup as a page without JavaScript: the QR code
// as an inline PNG, the key as text, and a code field.
func TestSetupPage(t *testing.T) {
	st, admin, base := newServer(t, testapp.Backends(t)[0])
	cl := testapp.NewClient(t, base)
	cl.FollowHTML("default-authentication-flow", "", map[string]any{"uid_field": "akadmin", "password": testapp.AdminPassword})
	p := cl.Get(cl.PageURL(setupFlow, ""))
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `src="data:image/png;base64,`) ||
		!strings.Contains(p.Body, "Key: ") || !strings.Contains(p.Body, `name="code"`) {
		t.Fatalf("setup page (%d): %s", p.Status, p.Body)
	}
	i := strings.Index(p.Body, "Key: ")
	secret := strings.Fields(p.Body[i+len("Key: "):])[0]
	secret = strings.SplitN(secret, "<", 2)[0]
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatalf("secret %q from the page: %v", secret, err)
	}
	cl.Submit(p, map[string]any{"code": code})
	if devs, _ := st.ListTOTPDevices(context.Background(), admin.PK); len(devs) != 1 {
		t.Fatalf("devices after the page's form: %d", len(devs))
	}
}

// TestWrongCodesLimited: guessing codes is throttled like passwords (429
// with Retry-After once the address's limit is reached).
func TestWrongCodesLimited(t *testing.T) {
	_, _, base := newServer(t, testapp.Backends(t)[0])
	cl := testapp.NewClient(t, base)
	cl.FollowJSON("default-authentication-flow", "", map[string]any{"uid_field": "akadmin", "password": testapp.AdminPassword})
	u := cl.ExecutorURL(setupFlow, "")
	if _, ch, _ := cl.Do(http.MethodGet, u, nil); ch["component"] != "ak-stage-authenticator-totp" {
		t.Fatalf("challenge: %v", ch)
	}
	limited := false
	for i := 0; i < 30 && !limited; i++ {
		resp, _, err := cl.Do(http.MethodPost, u, map[string]any{"code": "12345a"})
		if err != nil {
			t.Fatal(err)
		}
		limited = resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != ""
	}
	if !limited {
		t.Fatal("30 wrong codes were never limited")
	}
}

// newServer serves a fresh store on b with the login flows and authentik's
// TOTP setup blueprint applied unmodified.
func newServer(t *testing.T, b testapp.Backend) (store.Store, store.User, string) {
	t.Helper()
	path := testkit.AuthentikBlueprint(t, "flow-default-authenticator-totp-setup.yaml")
	st := b.Open(t)
	a := testapp.NewApp(t, st)
	fx := testapp.NewFixture(t, st, a.Passwords.Hash)
	fx.LoginLogout()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bp, err := blueprint.Parse(data, "flow-default-authenticator-totp-setup.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := blueprint.Apply(context.Background(), a, bp, blueprint.Options{}); err != nil || !res.Success {
		t.Fatalf("apply: %v %+v", err, res)
	}
	return st, fx.Admin, testapp.NewServer(t, a).URL
}
