package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/usher-id/usher/internal/testkit"
)

// addPasskeyAuthenticator gives the actor's tab Chromium's virtual
// authenticator (the DevTools WebAuthn domain): a platform authenticator
// that holds resident keys and verifies its user, like a phone or laptop.
func (a *actor) addPasskeyAuthenticator() {
	a.t.Helper()
	if _, err := chromedp.Call(a.ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		a.fail("enable WebAuthn", err)
	}
	_, err := chromedp.Call(a.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2,
			Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true}})
	if err != nil {
		a.fail("add a virtual authenticator", err)
	}
}

// TestPasskeyEnrollment is issue 17's browser scenario: usher's example
// blueprint is imported; an invitee opens the invitation, chooses a
// username, registers a passkey (no password) and is signed in; signs out;
// signs in again with only the passkey from the sign-in page's "Sign in
// with a passkey" link. The invitation is used once.
func TestPasskeyEnrollment(t *testing.T) {
	skipShort(t)
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			srv := startServer(t, serverOptions{DSN: databaseFor(t, backend)})
			srv.importBlueprintAPI(t, filepath.Join(testkit.RepoRoot(t), "blueprints", "example", "flows-invitation-passkey-enrollment.yaml"))
			inv := srv.invitations(t)["example-passkey-invitation"]
			if inv.PK == "" {
				t.Fatal("the example invitation was not created")
			}
			// WebAuthn needs a domain name: the same server as localhost.
			b := newBrowser(t, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1))
			pat := b.actor("invitee")
			pat.addPasskeyAuthenticator()

			pat.open("/if/flow/passkey-enrollment/?itoken=" + inv.PK)
			pat.do("wait for the form", chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)))
			pat.typeInto(`input[name="username"]`, "pat")
			pat.typeInto(`input[name="name"]`, "Pat Passkey")
			pat.typeInto(`input[name="email"]`, "pat@example.com")
			pat.shot("details")
			pat.clickButton(pat.submitLabel())
			pat.do("wait for the passkey button", chromedp.WaitVisible(chromedp.CSS(`#webauthn-start`)))
			if pat.has(`input[name="password"]`) {
				t.Error("the passkey enrollment asks for a password")
			}
			pat.shot("register-passkey")
			pat.clickAndWait("register passkey", `#webauthn-start`)
			pat.waitPath("/if/user/")
			pat.shot("signed-in")
			u := srv.user(t, "pat")
			expectUser(t, u, apiUser{Name: "Pat Passkey", Email: "pat@example.com", Type: "internal", Path: "users/passkey"})

			// The invitation is used: opening it again says so.
			other := b.actor("second-visitor")
			other.open("/if/flow/passkey-enrollment/?itoken=" + inv.PK)
			other.waitText("This invitation has already been used.")

			// Sign out, then in with the passkey alone.
			pat.open("/if/flow/default-invalidation-flow/")
			pat.open("/")
			pat.do("wait for the sign-in page", chromedp.WaitVisible(chromedp.CSS(`input[name="uid_field"]`)))
			pat.shot("signed-out")
			pat.clickLink("Sign in with a passkey")
			pat.do("wait for the passkey button", chromedp.WaitVisible(chromedp.CSS(`#webauthn-start`)))
			pat.shot("passkey-sign-in")
			pat.clickAndWait("use passkey", `#webauthn-start`)
			pat.waitPath("/if/user/")
			pat.waitText("pat")
			pat.shot("signed-in-again")
		})
	}
}

// TestPasskeySecondFactor: the administrator adds a passkey from the
// account page (usher's default WebAuthn setup flow), signs out, and the
// next sign-in asks for it after the password (the default flow's
// validation stage).
func TestPasskeySecondFactor(t *testing.T) {
	skipShort(t)
	srv := startServer(t, serverOptions{})
	b := newBrowser(t, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1))
	admin := b.actor("admin")
	admin.addPasskeyAuthenticator()
	admin.login(adminUsername, adminPassword)
	admin.clickLink("Add a passkey or security key")
	admin.do("wait for the passkey button", chromedp.WaitVisible(chromedp.CSS(`#webauthn-start`)))
	admin.clickAndWait("register passkey", `#webauthn-start`)
	admin.waitPath("/if/user/")
	admin.waitText("WebAuthn Device")
	admin.shot("account-with-passkey")

	admin.open("/if/flow/default-invalidation-flow/")
	admin.open("/")
	admin.do("wait for the login form", chromedp.WaitVisible(chromedp.CSS(`input[name="uid_field"]`)))
	admin.typeInto(`input[name="uid_field"]`, adminUsername)
	if !admin.has(`input[name="password"]`) {
		admin.clickButton(admin.submitLabel())
	}
	admin.typeInto(`input[name="password"]`, adminPassword)
	admin.clickButton(admin.submitLabel())
	admin.do("wait for the second factor", chromedp.WaitVisible(chromedp.CSS(`#webauthn-start`)))
	if !strings.HasPrefix(admin.path(), "/if/flow/default-authentication-flow/") {
		t.Fatalf("second factor asked at %s", admin.path())
	}
	admin.shot("second-factor")
	admin.clickAndWait("use passkey", `#webauthn-start`)
	admin.waitPath("/if/user/")
}
