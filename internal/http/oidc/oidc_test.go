package oidc_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/blueprint"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

const redirectURI = "http://rp.example/callback"

// env is a running usher with an application behind an OAuth2 provider
// and a user who may sign in to it.
type env struct {
	t        testing.TB
	a        *app.App
	base     string
	provider store.OAuth2Provider
	user     store.User
	conf     oauth2.Config
	rp       *gooidc.Provider
	fx       *testapp.Fixture
}

func newEnv(t testing.TB, b testapp.Backend, mutate func(data map[string]any)) *env {
	t.Helper()
	return newEnvWith(t, b, mutate, nil)
}

// newEnvWith lets the caller adjust the app (its password hash) first.
func newEnvWith(t testing.TB, b testapp.Backend, mutate func(data map[string]any), adjust func(*app.App)) *env {
	t.Helper()
	ctx := context.Background()
	st := b.Open(t)
	a := testapp.NewApp(t, st)
	if adjust != nil {
		adjust(a)
	}
	if err := blueprint.ApplyDefaults(ctx, a); err != nil {
		t.Fatal(err)
	}
	fx := testapp.NewFixture(t, st, a.Passwords.Hash)
	authz := fx.Flow("test-authorization", "Authorize Application", "Redirecting to %(app)s", "authorization", "require_authenticated")
	hash, err := a.Passwords.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	u := store.User{Username: "alice", Name: "Alice Liddell", Email: "alice@example.com", Password: hash, IsActive: true}
	if err := st.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	g := fx.Group("readers", false)
	if err := st.AddGroupMember(ctx, g.UUID, u.PK); err != nil {
		t.Fatal(err)
	}
	rc := &resource.Ctx{Context: ctx, Q: st, Blueprint: true}
	maps, err := resource.ScopeMappings.List(rc)
	if err != nil {
		t.Fatal(err)
	}
	var ids []any
	for _, m := range maps {
		ids = append(ids, m.UUID)
	}
	data := map[string]any{"name": "Wiki provider", "authorization_flow": authz.UUID,
		"redirect_uris": []any{map[string]any{"matching_mode": "strict", "url": redirectURI}}, "property_mappings": ids}
	if mutate != nil {
		mutate(data)
	}
	p, err := resource.OAuth2Providers.Create(rc, data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resource.Applications.Create(rc, map[string]any{"name": "Wiki", "slug": "wiki", "provider": p.PK}); err != nil {
		t.Fatal(err)
	}
	srv := testapp.NewServer(t, a)
	e := &env{t: t, a: a, base: srv.URL, provider: p, user: u, fx: fx}
	e.rp, err = gooidc.NewProvider(ctx, srv.URL+"/application/o/wiki/")
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	e.conf = oauth2.Config{ClientID: p.ClientID, ClientSecret: p.ClientSecret, Endpoint: e.rp.Endpoint(),
		RedirectURL: redirectURI, Scopes: []string{gooidc.ScopeOpenID, "profile", "email", gooidc.ScopeOfflineAccess}}
	return e
}

// browser signs in through usher's pages and returns where usher sent it
// back to the application (the redirect URI with code, state and iss).
func (e *env) browser(authURL string) *url.URL {
	e.t.Helper()
	return e.browserWith(e.newBrowser(), authURL)
}

// newBrowser is a cookie jar that follows redirects until one leaves for
// the application.
func (e *env) newBrowser() *testapp.Client {
	c := testapp.NewClient(e.t, e.base)
	c.HTTP.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Host == "rp.example" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return c
}

func (e *env) browserWith(c *testapp.Client, authURL string) *url.URL {
	e.t.Helper()
	p := c.Get(authURL)
	for i := 0; i < 10 && p.Location == ""; i++ {
		if !p.HasForm() {
			e.t.Fatalf("stuck at %s (%d): %s", p.URL, p.Status, p.Body)
		}
		p = c.Submit(p, map[string]any{"uid_field": "alice", "password": "correct horse battery"})
	}
	if p.Location == "" {
		e.t.Fatalf("never returned to the application; last page %s", p.URL)
	}
	u, err := url.Parse(p.Location)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func TestCodeFlowWithGoOIDC(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, b, nil)
			verifier := oauth2.GenerateVerifier()
			authURL := e.conf.AuthCodeURL("state-123", oauth2.S256ChallengeOption(verifier), gooidc.Nonce("nonce-456"))
			back := e.browser(authURL)
			q := back.Query()
			if q.Get("state") != "state-123" || q.Get("code") == "" {
				t.Fatalf("redirect back = %s", back)
			}
			if q.Get("iss") != e.base+"/application/o/wiki/" {
				t.Errorf("iss = %q", q.Get("iss"))
			}
			tok, err := e.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			raw, _ := tok.Extra("id_token").(string)
			idt, err := e.rp.Verifier(&gooidc.Config{ClientID: e.provider.ClientID}).Verify(ctx, raw)
			if err != nil {
				t.Fatalf("verify ID token: %v", err)
			}
			if idt.Nonce != "nonce-456" {
				t.Errorf("nonce = %q", idt.Nonce)
			}
			var claims struct {
				Email    string   `json:"email"`
				Name     string   `json:"name"`
				Username string   `json:"preferred_username"`
				Groups   []string `json:"groups"`
			}
			if err := idt.Claims(&claims); err != nil {
				t.Fatal(err)
			}
			if claims.Email != "alice@example.com" || claims.Name != "Alice Liddell" || claims.Username != "alice" ||
				len(claims.Groups) != 1 || claims.Groups[0] != "readers" {
				t.Errorf("ID token claims = %+v", claims)
			}
			if idt.Subject != resource.UserUID(e.user) {
				t.Errorf("sub = %q, want the hashed user id", idt.Subject)
			}
			// The code works once: a second exchange is invalid_grant and
			// revokes what the first issued.
			if _, err := e.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier)); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
				t.Fatalf("second exchange: %v", err)
			}
			if _, err := e.rp.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
				t.Fatal("userinfo still works with a token of a replayed code")
			}

			// A fresh sign-in: userinfo, refresh with rotation, revoke.
			verifier = oauth2.GenerateVerifier()
			back = e.browser(e.conf.AuthCodeURL("s2", oauth2.S256ChallengeOption(verifier)))
			tok, err = e.conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			info, err := e.rp.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatalf("userinfo: %v", err)
			}
			if info.Email != "alice@example.com" || info.Subject != resource.UserUID(e.user) {
				t.Errorf("userinfo = %+v", info)
			}
			if tok.RefreshToken == "" {
				t.Fatal("no refresh token for offline_access")
			}
			old := tok.RefreshToken
			tok.Expiry = tok.Expiry.Add(-24 * 3600e9) // force a refresh
			fresh, err := e.conf.TokenSource(ctx, tok).Token()
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			if fresh.RefreshToken == "" || fresh.RefreshToken == old || fresh.AccessToken == tok.AccessToken {
				t.Fatalf("refresh did not rotate: %+v", fresh)
			}
			// Reusing the rotated token revokes the family.
			if _, err := e.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: old}).Token(); err == nil {
				t.Fatal("a rotated refresh token was accepted again")
			}
			if _, err := e.rp.UserInfo(ctx, oauth2.StaticTokenSource(fresh)); err == nil {
				t.Fatal("the family's newest access token survived a refresh token replay")
			}
		})
	}
}

// Two token requests race with one code: exactly one gets tokens.
func TestCodeRedeemedOnceUnderRace(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, b, nil)
			// A second instance on the same database.
			other := testapp.NewServer(t, testapp.NewApp(t, e.a.Store)).URL
			verifier := oauth2.GenerateVerifier()
			code := e.browser(e.conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier))).Query().Get("code")
			var wg sync.WaitGroup
			var mu sync.Mutex
			ok := 0
			for _, base := range []string{e.base, other, e.base, other} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					conf := e.conf
					conf.Endpoint.TokenURL = base + "/application/o/token/"
					if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil {
						mu.Lock()
						ok++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if ok != 1 {
				t.Fatalf("%d token requests succeeded with one code, want 1", ok)
			}
		})
	}
}

func TestAuthorizeRefusals(t *testing.T) {
	b := testapp.Backends(t)[0]
	e := newEnv(t, b, func(d map[string]any) { d["client_type"] = "public" })
	c := testapp.NewClient(t, e.base)
	get := func(q url.Values) (*http.Response, string) {
		resp, err := c.HTTP.Get(e.base + "/application/o/authorize/?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	base := url.Values{"client_id": {e.provider.ClientID}, "redirect_uri": {redirectURI}, "scope": {"openid"},
		"response_type": {"code"}, "state": {"st"}}
	// A redirect URI that only shares a prefix is refused with a page.
	q := url.Values{}
	for k, v := range base {
		q[k] = v
	}
	q.Set("redirect_uri", redirectURI+"/../evil")
	if resp, body := get(q); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "not one of the redirect URIs") {
		t.Errorf("prefix redirect: %d %s", resp.StatusCode, body)
	}
	// Implicit flow: unsupported_response_type, back to the client.
	q.Set("redirect_uri", redirectURI)
	q.Set("response_type", "id_token token")
	resp, _ := get(q)
	if loc := resp.Header.Get("Location"); !strings.Contains(loc, "error=unsupported_response_type") || !strings.Contains(loc, "state=st") {
		t.Errorf("implicit: %d %s", resp.StatusCode, loc)
	}
	// A public client without PKCE S256.
	q.Set("response_type", "code")
	resp, _ = get(q)
	if loc := resp.Header.Get("Location"); !strings.Contains(loc, "error=invalid_request") {
		t.Errorf("public without PKCE: %d %s", resp.StatusCode, loc)
	}
	// Unknown client.
	q.Set("client_id", "nope")
	if resp, body := get(q); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "No OAuth2/OpenID provider has the client ID") {
		t.Errorf("unknown client: %d %s", resp.StatusCode, body)
	}
}
