package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// testOAuth2: providers round-trip with their lists; an authorization
// request is bound to one user once; its code is redeemed by exactly one
// of many concurrent redeemers and a replay is told apart from an unknown
// code; a refresh token is rotated once; revocation by family, user and
// session; cascades with the user and the provider.
func testOAuth2(t *testing.T, s store.Store) {
	jane := mkUser(t, s, "jane")
	f := mkFlow(t, s, "authorize")
	now := time.Now().UTC().Truncate(time.Second)

	k := store.CertificateKeyPair{Name: "kp", CertificateData: "cert", KeyData: "key"}
	check(t, s.CreateCertificateKeyPair(ctx, &k), "create key pair")
	m := store.ScopeMapping{Name: "email", ScopeName: "email", Expression: "return {}"}
	check(t, s.CreateScopeMapping(ctx, &m), "create scope mapping")
	p := store.OAuth2Provider{Name: "wiki", AuthorizationFlow: f.UUID, ClientType: "confidential", ClientID: "cid",
		ClientSecret: "sec", RedirectURIs: []store.RedirectURI{{MatchingMode: "regex", URL: "https://.*"}},
		SigningKey: &k.UUID, AccessCodeValidity: "minutes=1", AccessTokenValidity: "hours=1",
		RefreshTokenValidity: "days=30", IncludeClaimsInIDToken: true, SubMode: "user_uuid", IssuerMode: "per_provider",
		PropertyMappings: []string{m.UUID}, GrantTypes: []string{"authorization_code"}}
	check(t, s.CreateOAuth2Provider(ctx, &p), "create provider")
	got, err := s.GetOAuth2ProviderByClientID(ctx, "cid")
	check(t, err, "get provider")
	if got.PK != p.PK || len(got.RedirectURIs) != 1 || got.RedirectURIs[0].MatchingMode != "regex" || got.SigningKey == nil ||
		*got.SigningKey != k.UUID || len(got.PropertyMappings) != 1 || got.SubMode != "user_uuid" || !got.IncludeClaimsInIDToken {
		t.Fatalf("provider round trip: %+v", got)
	}
	a := store.Application{Name: "Wiki", Slug: "wiki", Provider: &p.PK}
	check(t, s.CreateApplication(ctx, &a), "create application")
	if app, err := s.ApplicationOfProvider(ctx, p.PK); err != nil || app.UUID != a.UUID {
		t.Fatalf("application of provider: %+v %v", app, err)
	}
	if err := s.CreateApplication(ctx, &store.Application{Name: "Other", Slug: "other", Provider: &p.PK}); err == nil {
		t.Fatal("a second application took the same provider")
	}

	req := store.OAuth2AuthRequest{ID: "req-1", ProviderPK: p.PK, Request: []byte(`{}`), Expires: now.Add(time.Hour)}
	check(t, s.CreateOAuth2AuthRequest(ctx, &req), "create request")
	if err := s.SetOAuth2AuthCode(ctx, "req-1", "code-hash", now.Add(time.Minute)); !isNotFound(err) {
		t.Fatalf("code before authorization: %v", err)
	}
	ok, err := s.AuthorizeOAuth2AuthRequest(ctx, "req-1", jane.PK, "sess", now)
	check(t, err, "authorize")
	if again, _ := s.AuthorizeOAuth2AuthRequest(ctx, "req-1", jane.PK, "sess", now); !ok || again {
		t.Fatalf("authorize: first %v, second %v", ok, again)
	}
	check(t, s.SetOAuth2AuthCode(ctx, "req-1", "code-hash", now.Add(time.Minute)), "set code")

	var wg sync.WaitGroup
	wins := make(chan bool, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, used, err := s.RedeemOAuth2AuthCode(ctx, "code-hash", now)
			if err == nil && (r.UserPK == nil || *r.UserPK != jane.PK) {
				t.Errorf("redeemed request = %+v", r)
			}
			if err != nil && !used {
				t.Errorf("a losing redeemer was not told the code was used: %v", err)
			}
			wins <- err == nil
		}()
	}
	wg.Wait()
	close(wins)
	n := 0
	for w := range wins {
		if w {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d redeemers won, want exactly 1", n)
	}
	if _, used, err := s.RedeemOAuth2AuthCode(ctx, "unknown", now); !isNotFound(err) || used {
		t.Fatalf("unknown code: used=%v %v", used, err)
	}

	pk := jane.PK
	mk := func(id, kind, hash, family, sess string) store.OAuth2Token {
		tok := store.OAuth2Token{ID: id, Kind: kind, TokenHash: hash, ProviderPK: p.PK, UserPK: &pk, Family: family,
			SessionHash: sess, Scopes: []string{"openid"}, Audience: []string{"cid"}, Expires: now.Add(time.Hour)}
		check(t, s.CreateOAuth2Token(ctx, &tok), "create token %s", id)
		return tok
	}
	mk("a1", "access", "", "fam", "sess")
	r1 := mk("r1", "refresh", "rh1", "fam", "sess")
	mk("a2", "access", "", "fam2", "other")
	if got, err := s.GetOAuth2TokenByHash(ctx, "rh1"); err != nil || got.ID != r1.ID || len(got.Scopes) != 1 {
		t.Fatalf("token by hash: %+v %v", got, err)
	}
	first, _ := s.UseOAuth2RefreshToken(ctx, "r1", now)
	second, _ := s.UseOAuth2RefreshToken(ctx, "r1", now)
	if !first || second {
		t.Fatalf("refresh rotation: first %v, second %v", first, second)
	}
	if n, err := s.RevokeOAuth2Family(ctx, "fam", now); err != nil || n != 2 {
		t.Fatalf("revoke family: %d %v", n, err)
	}
	if n, err := s.RevokeOAuth2TokensOfSession(ctx, "other", now); err != nil || n != 1 {
		t.Fatalf("revoke session: %d %v", n, err)
	}
	mk("a3", "access", "", "fam3", "x")
	if n, err := s.RevokeOAuth2TokensOfUser(ctx, jane.PK, now); err != nil || n != 1 {
		t.Fatalf("revoke user: %d %v", n, err)
	}
	if got, _ := s.GetOAuth2Token(ctx, "a3"); got.RevokedAt == nil {
		t.Fatal("user's token not revoked")
	}

	// The user's rows go with the user; the provider's with the provider.
	check(t, s.DeleteUser(ctx, jane.PK), "delete user")
	if _, err := s.GetOAuth2Token(ctx, "a1"); !isNotFound(err) {
		t.Fatalf("token survived its user: %v", err)
	}
	check(t, s.DeleteOAuth2Provider(ctx, p.PK), "delete provider")
	if _, err := s.GetOAuth2AuthRequest(ctx, "req-1"); !isNotFound(err) {
		t.Fatalf("request survived its provider: %v", err)
	}
	if app, err := s.GetApplication(ctx, a.UUID); err != nil || app.Provider != nil {
		t.Fatalf("application after provider delete: %+v %v", app, err)
	}
}
