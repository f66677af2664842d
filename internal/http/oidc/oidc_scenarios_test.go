package oidc_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/usher-id/usher/internal/domain/keypair"
	"github.com/usher-id/usher/internal/domain/user"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

// signIn runs a whole code flow and returns the tokens.
func (e *env) signIn() *oauth2.Token {
	e.t.Helper()
	v := oauth2.GenerateVerifier()
	back := e.browser(e.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(v)))
	tok, err := e.conf.Exchange(context.Background(), back.Query().Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		e.t.Fatalf("exchange: %v", err)
	}
	return tok
}

func (e *env) postForm(path string, form url.Values, basic bool) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(e.provider.ClientID, e.provider.ClientSecret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func TestIntrospectRevokeAndDeactivation(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, b, nil)
			tok := e.signIn()
			status, body := e.postForm("/application/o/introspect/", url.Values{"token": {tok.AccessToken}}, true)
			if status != 200 || body["active"] != true || body["username"] != "alice" {
				t.Fatalf("introspect: %d %v", status, body)
			}
			// Wrong client secret: invalid_client (and counted toward the rate limit).
			req := url.Values{"token": {tok.AccessToken}, "client_id": {e.provider.ClientID}, "client_secret": {"wrong"}}
			if status, body := e.postForm("/application/o/introspect/", req, false); status != http.StatusUnauthorized || body["active"] == true {
				t.Errorf("bad secret: %d %v", status, body)
			}
			// Revoking the refresh token ends the whole sign-in.
			if status, _ := e.postForm("/application/o/revoke/", url.Values{"token": {tok.RefreshToken}}, true); status != 200 {
				t.Fatalf("revoke: %d", status)
			}
			if _, err := e.rp.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
				t.Fatal("access token still works after its refresh token was revoked")
			}
			// Deactivating the user revokes their tokens.
			tok = e.signIn()
			u, err := e.a.Store.GetUser(ctx, e.user.PK)
			if err != nil {
				t.Fatal(err)
			}
			if err := user.SetActive(ctx, e.a.Store, &u, false); err != nil {
				t.Fatal(err)
			}
			if _, err := e.rp.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
				t.Fatal("userinfo works for a deactivated user")
			}
			if _, err := e.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
				t.Fatal("refresh works for a deactivated user")
			}
			// Each grant is recorded with its application.
			evs, _, err := e.a.Store.ListEvents(ctx, store.EventFilter{Action: "authorize_application"})
			if err != nil || len(evs) < 2 {
				t.Fatalf("authorize_application events: %d %v", len(evs), err)
			}
			app, _ := evs[0].Context["authorized_application"].(map[string]any)
			if app["name"] != "Wiki" {
				t.Errorf("event context = %v", evs[0].Context)
			}
		})
	}
}

func TestClientCredentials(t *testing.T) {
	e := newEnv(t, testapp.Backends(t)[0], func(d map[string]any) {
		d["grant_types"] = []any{"authorization_code", "client_credentials"}
	})
	cc := clientcredentials.Config{ClientID: e.provider.ClientID, ClientSecret: e.provider.ClientSecret,
		TokenURL: e.base + "/application/o/token/", Scopes: []string{"openid"}}
	tok, err := cc.Token(context.Background())
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("client credentials: %v", err)
	}
	status, body := e.postForm("/application/o/introspect/", url.Values{"token": {tok.AccessToken}}, true)
	if status != 200 || body["active"] != true || body["sub"] != e.provider.ClientID {
		t.Fatalf("introspect client token: %d %v", status, body)
	}
	cc.ClientSecret = "wrong"
	if _, err := cc.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("wrong secret: %v", err)
	}
}

// A user the application's bindings refuse sees why, and the client gets
// access_denied.
func TestAccessDenied(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, b, nil)
			fx := e.fx
			admins := fx.Group("wiki-admins", false)
			app, err := e.a.Store.GetApplicationBySlug(ctx, "wiki")
			if err != nil {
				t.Fatal(err)
			}
			rc := &resource.Ctx{Context: ctx, Q: e.a.Store, Blueprint: true}
			if _, err := resource.PolicyBindings.Create(rc, map[string]any{"target": app.UUID, "group": admins.UUID, "order": 0}); err != nil {
				t.Fatal(err)
			}
			c := testapp.NewClient(t, e.base)
			c.HTTP.CheckRedirect = func(req *http.Request, via []*http.Request) error { return nil }
			p := c.Get(e.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
			for i := 0; i < 5 && p.HasForm(); i++ {
				p = c.Submit(p, map[string]any{"uid_field": "alice", "password": "correct horse battery"})
			}
			if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "do not have access to Wiki") ||
				!strings.Contains(p.Body, "error=access_denied") || !strings.Contains(p.Body, "state=st") {
				t.Fatalf("denied page: %d %s", p.Status, p.Body)
			}
		})
	}
}

// Someone without an account follows the application's sign-in link,
// enrolls with an invitation in the same browser, and lands signed in to
// the application.
func TestInvitationResumesAuthorization(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, nil)
			fx := e.fx
			fx.InvitationEnrollment()
			inv := fx.Invitations["example-external-basic-invitation"]
			c := testapp.NewClient(t, e.base)
			c.HTTP.CheckRedirect = func(req *http.Request, via []*http.Request) error {
				if req.URL.Host == "rp.example" {
					return http.ErrUseLastResponse
				}
				return nil
			}
			v := oauth2.GenerateVerifier()
			p := c.Get(e.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(v)))
			if !p.HasForm() || !strings.Contains(p.URL, "default-authentication-flow") {
				t.Fatalf("not at the login page: %s", p.URL)
			}
			// The invitation link, opened in the same browser.
			p = c.Get(e.base + "/if/flow/invitation-enrollment-flow-external/?itoken=" + inv.UUID)
			for i := 0; i < 6 && p.Location == "" && p.HasForm(); i++ {
				p = c.Submit(p, map[string]any{"username": "newbie", "password": "a long enough passphrase 1",
					"password_repeat": "a long enough passphrase 1", "name": "New Bie", "email": "newbie@example.com"})
			}
			if p.Location == "" {
				t.Fatalf("enrollment did not return to the application: %s %s", p.URL, p.Body)
			}
			back, _ := url.Parse(p.Location)
			tok, err := e.conf.Exchange(context.Background(), back.Query().Get("code"), oauth2.VerifierOption(v))
			if err != nil {
				t.Fatalf("exchange after enrollment: %v (%s)", err, p.Location)
			}
			info, err := e.rp.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
			if err != nil || info.Email != "newbie@example.com" {
				t.Fatalf("userinfo of the new account: %+v %v", info, err)
			}
		})
	}
}

// Changing the signing key keeps the old public key in the JWKS, so an ID
// token signed before the rotation still verifies.
func TestKeyRotation(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, testapp.Backends(t)[0], nil)
	before := e.signIn()
	cert, key, err := keypair.GenerateEC("rotated", 30)
	if err != nil {
		t.Fatal(err)
	}
	rc := &resource.Ctx{Context: ctx, Q: e.a.Store, Blueprint: true}
	kp, err := resource.CertificateKeyPairs.Create(rc, map[string]any{"name": "rotated", "certificate_data": cert, "key_data": key})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.a.Store.GetOAuth2Provider(ctx, e.provider.PK)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resource.OAuth2Providers.Update(rc, p, map[string]any{"signing_key": kp.UUID}); err != nil {
		t.Fatal(err)
	}
	after := e.signIn()
	rp, err := gooidc.NewProvider(ctx, e.base+"/application/o/wiki/") // a fresh key cache
	if err != nil {
		t.Fatal(err)
	}
	ver := rp.Verifier(&gooidc.Config{ClientID: e.provider.ClientID})
	for name, tok := range map[string]*oauth2.Token{"before": before, "after": after} {
		raw, _ := tok.Extra("id_token").(string)
		if _, err := ver.Verify(ctx, raw); err != nil {
			t.Errorf("ID token signed %s the rotation: %v", name, err)
		}
	}
	var hdr struct{ Alg string }
	raw, _ := after.Extra("id_token").(string)
	seg, _ := base64URL(strings.Split(raw, ".")[0])
	_ = json.Unmarshal(seg, &hdr)
	if hdr.Alg != "ES256" {
		t.Errorf("alg after rotating to an EC key = %q, want ES256", hdr.Alg)
	}
}

// authentik's explicit-consent flow (installed by default): the first
// sign-in asks, the consent is remembered (mode expiring), the second
// sign-in goes straight through.
func TestExplicitConsent(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, b, nil)
			f, err := e.a.Store.GetFlowBySlug(ctx, "default-provider-authorization-explicit-consent")
			if err != nil {
				t.Fatalf("the explicit-consent flow is not installed: %v", err)
			}
			rc := &resource.Ctx{Context: ctx, Q: e.a.Store, Blueprint: true}
			p, _ := e.a.Store.GetOAuth2Provider(ctx, e.provider.PK)
			if _, err := resource.OAuth2Providers.Update(rc, p, map[string]any{"authorization_flow": f.UUID}); err != nil {
				t.Fatal(err)
			}
			c := testapp.NewClient(t, e.base)
			c.HTTP.CheckRedirect = func(req *http.Request, via []*http.Request) error {
				if req.URL.Host == "rp.example" {
					return http.ErrUseLastResponse
				}
				return nil
			}
			walk := func() (consentShown bool, back string) {
				p := c.Get(e.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
				for i := 0; i < 6 && p.Location == ""; i++ {
					if strings.Contains(p.Body, "wants to access") {
						consentShown = true
						if !strings.Contains(p.Body, "Email address") || !strings.Contains(p.Body, "Wiki") {
							t.Errorf("consent page does not name the app and scopes: %s", p.Body)
						}
					}
					p = c.Submit(p, map[string]any{"uid_field": "alice", "password": "correct horse battery"})
				}
				return consentShown, p.Location
			}
			shown, back := walk()
			if !shown || !strings.Contains(back, "code=") {
				t.Fatalf("first sign-in: consent shown %v, back %q", shown, back)
			}
			if shown, back = walk(); shown || !strings.Contains(back, "code=") {
				t.Fatalf("second sign-in: consent shown %v, back %q", shown, back)
			}
			cs, err := e.a.Store.ListUserConsents(ctx, e.user.PK)
			if err != nil || len(cs) != 1 || cs[0].Expires == nil {
				t.Fatalf("consents = %+v %v", cs, err)
			}
		})
	}
}

// RP-initiated logout: end-session runs the invalidation flow, which ends
// the session and with it the tokens the application got through it, then
// returns to the application's post-logout URI with its state.
func TestEndSession(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, b, nil)
			c := e.newBrowser()
			v := oauth2.GenerateVerifier()
			back := e.browserWith(c, e.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(v)))
			tok, err := e.conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(v))
			if err != nil {
				t.Fatal(err)
			}
			q := url.Values{"post_logout_redirect_uri": {redirectURI}, "state": {"bye"}}
			p := c.Get(e.base + "/application/o/wiki/end-session/?" + q.Encode())
			for i := 0; i < 3 && p.Location == "" && p.HasForm(); i++ {
				p = c.Submit(p, nil)
			}
			if !strings.HasPrefix(p.Location, redirectURI) || !strings.Contains(p.Location, "state=bye") {
				t.Fatalf("after end-session: %d %q %s", p.Status, p.Location, p.URL)
			}
			if _, err := e.rp.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
				t.Fatal("the access token outlived the session it was issued in")
			}
			// A post-logout URI the provider does not list is refused.
			q.Set("post_logout_redirect_uri", "https://evil.example/")
			if p := c.Get(e.base + "/application/o/wiki/end-session/?" + q.Encode()); p.Status != http.StatusBadRequest {
				t.Fatalf("foreign post-logout URI: %d %s", p.Status, p.Location)
			}
		})
	}
}

// prompt=none without a session answers login_required instead of
// showing the login page.
func TestPromptNone(t *testing.T) {
	e := newEnv(t, testapp.Backends(t)[0], nil)
	c := e.newBrowser()
	p := c.Get(e.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("prompt", "none")))
	if !strings.HasPrefix(p.Location, redirectURI) || !strings.Contains(p.Location, "error=login_required") || !strings.Contains(p.Location, "state=st") {
		t.Fatalf("prompt=none: %d %q", p.Status, p.Location)
	}
}

// Guessing a client secret is rate limited per address, like passwords.
func TestClientSecretGuessingIsLimited(t *testing.T) {
	e := newEnv(t, testapp.Backends(t)[0], nil)
	introspect := func(secret string) int {
		req, _ := http.NewRequest(http.MethodPost, e.base+"/application/o/introspect/", strings.NewReader("token=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(e.provider.ClientID, secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if status := introspect(e.provider.ClientSecret); status != http.StatusOK {
		t.Fatalf("the right secret: %d", status)
	}
	for i := 0; i < 12; i++ {
		if status := introspect("guess"); status != http.StatusUnauthorized {
			t.Fatalf("a wrong secret: %d", status)
		}
	}
	if status := introspect(e.provider.ClientSecret); status != http.StatusUnauthorized {
		t.Fatalf("the right secret after 12 wrong guesses: %d, want 401 while limited", status)
	}
}

// A scope mapping that fails at run time leaves its claims out; the
// sign-in and the other mappings' claims go on (as authentik does).
func TestFailingScopeMappingIsLeftOut(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, testapp.Backends(t)[0], nil)
	rc := &resource.Ctx{Context: ctx, Q: e.a.Store, Blueprint: true}
	bad, err := resource.ScopeMappings.Create(rc, map[string]any{"name": "broken", "scope_name": "email",
		"expression": `return {"team": 1 // 0}`})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := e.a.Store.GetOAuth2Provider(ctx, e.provider.PK)
	maps := append(append([]any{}, anyList(p.PropertyMappings)...), bad.UUID)
	if _, err := resource.OAuth2Providers.Update(rc, p, map[string]any{"property_mappings": maps}); err != nil {
		t.Fatal(err)
	}
	tok := e.signIn()
	var claims map[string]any
	info, err := e.rp.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo with a failing mapping: %v", err)
	}
	_ = info.Claims(&claims)
	if claims["email"] != "alice@example.com" || claims["team"] != nil {
		t.Fatalf("claims = %v", claims)
	}
}

func anyList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}
