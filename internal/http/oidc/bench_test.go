package oidc_test

import (
	"context"
	"net/url"
	"runtime"
	"testing"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/domain/keypair"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store/storetest"
	"golang.org/x/oauth2"
)

// The measures, on SQLite with the minimum password hash
// (testapp's argon2id m=8,t=1): a whole sign-in (authorize, login pages,
// the authorization flow, code exchange, userinfo) and a token refresh
// alone, each from 16 concurrent clients (-cpu decides GOMAXPROCS; the
// parallelism is fixed at 16 goroutines).
//
//	go test -run '^$' -bench . -benchtime 3s ./internal/http/oidc/
func BenchmarkSignIn(b *testing.B) { benchSignIn(b, newEnvB(b)) }

// BenchmarkSignInArgon2id hashes with the default argon2id (19 MiB, t=2):
// the sign-in is then bound by the hash.
func BenchmarkSignInArgon2id(b *testing.B) {
	benchSignIn(b, newEnvWith(b, storetest.Backends(b)[0], nil, func(a *app.App) {
		pw, err := auth.ParsePasswordHash(auth.DefaultPasswordHash)
		if err != nil {
			b.Fatal(err)
		}
		a.Passwords = pw
	}))
}

func benchSignIn(b *testing.B, e *env) {
	b.SetParallelism(16 / maxInt(1, procs()))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			v := oauth2.GenerateVerifier()
			back := e.browser(e.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(v)))
			tok, err := e.conf.Exchange(context.Background(), back.Query().Get("code"), oauth2.VerifierOption(v))
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := e.rp.UserInfo(context.Background(), oauth2.StaticTokenSource(tok)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sign-ins/s")
}

func BenchmarkRefresh(b *testing.B) { benchRefresh(b, newEnvB(b)) }

// BenchmarkRefreshES256 signs with a P-256 key: an RS256 signature with a
// 2048-bit key costs about 1.4 ms of CPU here, most of a refresh.
func BenchmarkRefreshES256(b *testing.B) {
	e := newEnvB(b)
	ctx := context.Background()
	cert, key, err := keypair.GenerateEC("bench", 30)
	if err != nil {
		b.Fatal(err)
	}
	rc := &resource.Ctx{Context: ctx, Q: e.a.Store, Blueprint: true}
	kp, err := resource.CertificateKeyPairs.Create(rc, map[string]any{"name": "ec", "certificate_data": cert, "key_data": key})
	if err != nil {
		b.Fatal(err)
	}
	p, _ := e.a.Store.GetOAuth2Provider(ctx, e.provider.PK)
	if _, err := resource.OAuth2Providers.Update(rc, p, map[string]any{"signing_key": kp.UUID}); err != nil {
		b.Fatal(err)
	}
	benchRefresh(b, e)
}

func benchRefresh(b *testing.B, e *env) {
	// One sign-in per client goroutine; each then refreshes in a chain
	// (rotation makes every refresh token single use).
	b.SetParallelism(16 / maxInt(1, procs()))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		b.StopTimer()
		tok := e.signIn()
		b.StartTimer()
		rt := tok.RefreshToken
		for pb.Next() {
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
			status, body := e.postForm("/application/o/token/", form, true)
			if status != 200 {
				b.Errorf("refresh: %d %v", status, body)
				return
			}
			rt, _ = body["refresh_token"].(string)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "refreshes/s")
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// newEnvB is newEnv for a benchmark, on SQLite.
func newEnvB(b *testing.B) *env { return newEnv(b, storetest.Backends(b)[0], nil) }

func procs() int { return runtime.GOMAXPROCS(0) }
