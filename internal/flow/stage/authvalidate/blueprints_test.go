package authvalidate_test

import (
	"net/http"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
	"github.com/usher-id/usher/internal/testkit"
)

// TestAuthentikBlueprintsImport: authentik's second-factor blueprints
// import unmodified, twice (the second time changes nothing), and each
// setup flow shows its stage's challenge to a signed-in user.
func TestAuthentikBlueprintsImport(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			files := []string{"flow-default-authenticator-static-setup.yaml", "flow-default-authenticator-webauthn-setup.yaml",
				"flows-authenticator-email-setup.yaml", "flows-login-2fa.yaml", "flow-default-authentication-flow.yaml",
				"flow-default-authenticator-totp-setup.yaml"}
			for _, f := range files {
				testapp.ApplyFile(t, e.app, testkit.AuthentikBlueprint(t, f))
				res := testapp.ApplyFile(t, e.app, testkit.AuthentikBlueprint(t, f))
				if c := res.Counts(); c["created"] != 0 || c["updated"] != 0 {
					t.Errorf("%s applied twice changed %v", f, c)
				}
			}
			c := e.client(t)
			password(t, c)
			for slug, comp := range map[string]string{
				"default-authenticator-static-setup":   "ak-stage-authenticator-static",
				"default-authenticator-webauthn-setup": "ak-stage-authenticator-webauthn",
				"default-authenticator-totp-setup":     "ak-stage-authenticator-totp",
				"default-authenticator-email-setup":    "ak-stage-authenticator-email",
			} {
				if got := firstChallenge(t, c, slug); got.Component != comp {
					t.Errorf("%s shows %v, want %s", slug, got.Challenge, comp)
				}
			}
			// flows-login-2fa.yaml replaces the default flow's validation
			// binding with its own stage.
			if _, err := e.app.Store.GetStageByName(ctx, "default-authentication-flow-mfa"); err != nil {
				t.Error(err)
			}
			if st, _ := e.app.Store.GetStageByName(ctx, "default-authenticator-webauthn-setup"); st.Kind != store.StageAuthenticatorWebAuthn ||
				st.AuthenticatorWebAuthn.FriendlyName != "WebAuthn device" {
				t.Errorf("webauthn setup stage %+v", st)
			}
		})
	}
}

// firstChallenge is what a flow shows first.
func firstChallenge(t *testing.T, c *testapp.Client, slug string) testapp.Step {
	t.Helper()
	_, ch, err := c.Do(http.MethodGet, c.ExecutorURL(slug, ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	comp, _ := ch["component"].(string)
	return testapp.Step{Component: comp, Challenge: ch}
}
