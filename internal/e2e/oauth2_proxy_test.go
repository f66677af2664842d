package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/usher-id/usher/internal/testkit"
)

// TestOAuth2ProxySignIn is issue 15's relying-party scenario with a real,
// widely deployed one: oauth2-proxy (installed by scripts/test.sh, not a
// mock) guards an application. Someone invited by email enrolls, opens the
// application, is sent to usher, consents on authentik's explicit-consent
// flow, and sees the application's page greeting them with the identity
// oauth2-proxy took from usher's ID token. Then they sign out of both
// (oauth2-proxy's sign_out, then usher's end-session endpoint), and the
// application asks for a sign-in again. Someone with an unverified address
// typed in as Ivy's is turned away.
func TestOAuth2ProxySignIn(t *testing.T) {
	skipShort(t)
	proxyBin := testkit.Tool(t, "oauth2-proxy")
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			srv := startServer(t, serverOptions{DSN: databaseFor(t, backend)})
			srv.importBlueprintAPI(t, exampleBlueprint(t, "flows-invitation-enrollment.yaml"))

			// oauth2-proxy lets in only verified addresses (email_verified
			// in the ID token). An invitation bound to the invitee's
			// address proves it when the invitation stage trusts it and
			// an email stage (which then mails nothing) records it, as the
			// README's "Email verification at enrollment" says.
			enrollment := srv.flowPK(t, "invitation-enrollment-flow-internal-engineering")
			stage := srv.stagePK(t, "/api/v3/stages/invitation/stages/", "invitation-enrollment-invitation-internal-engineering")
			srv.patch(t, "/api/v3/stages/invitation/stages/"+stage+"/", map[string]any{"trust_invitation_email": true})
			verify := srv.create(t, "/api/v3/stages/email/", map[string]any{"name": "verify-invitee-email",
				"use_global_settings": true, "activate_user_on_success": true})
			srv.create(t, "/api/v3/flows/bindings/", map[string]any{"target": enrollment, "stage": verify["pk"], "order": 25})
			inv := srv.create(t, "/api/v3/stages/invitation/invitations/", map[string]any{
				"name": "ivy-invite", "flow": enrollment,
				"single_use": true, "email": "ivy@example.com", "fixed_data": map[string]any{}})
			link, _ := inv["link"].(string)
			if !strings.Contains(link, "itoken=") {
				t.Fatalf("invitation link = %q", link)
			}

			// The application behind oauth2-proxy, on a port chosen now so
			// the provider can name its callback.
			proxyAddr := testkit.FreeAddr(t)
			proxyURL := "http://" + proxyAddr
			provider := srv.create(t, "/api/v3/providers/oauth2/", map[string]any{
				"name": "Team Wiki (oauth2-proxy)", "authorization_flow": srv.flowPK(t, "default-provider-authorization-explicit-consent"),
				"redirect_uris":     []any{map[string]any{"matching_mode": "strict", "url": proxyURL + "/oauth2/callback"}},
				"property_mappings": srv.scopeMappings(t, "openid", "email", "profile")})
			srv.create(t, "/api/v3/core/applications/", map[string]any{"name": "Team Wiki", "slug": "team-wiki", "provider": provider["pk"]})
			clientID, _ := provider["client_id"].(string)
			clientSecret, _ := provider["client_secret"].(string)
			if clientID == "" || clientSecret == "" {
				t.Fatalf("provider has no client credentials: %v", provider)
			}

			up := startUpstream(t)
			startOAuth2Proxy(t, proxyBin, proxyAddr,
				"--provider=oidc",
				"--provider-display-name=usher",
				"--oidc-issuer-url="+srv.URL+"/application/o/team-wiki/",
				"--client-id="+clientID,
				"--client-secret="+clientSecret,
				"--code-challenge-method=S256",
				"--redirect-url="+proxyURL+"/oauth2/callback",
				"--upstream="+up.URL+"/",
				"--email-domain=*",
				"--skip-provider-button",
				"--pass-user-headers",
				"--cookie-secret="+randomHex(t, 16), // 32 characters: an AES-256 key
				"--cookie-secure=false",
				// sign_out may send the browser on to usher's end-session endpoint.
				"--whitelist-domain="+strings.TrimPrefix(srv.URL, "http://"),
			)

			b := newBrowser(t, srv.URL)
			ivy := b.actor("invitee")
			pre := ivy.enroll(link, person{Username: "ivy", Password: "ivy-Passw0rd-long", Name: "Ivy Park"})
			if pre["email"] != "ivy@example.com" {
				t.Errorf("pre-filled values %v, want the invitation's address", pre)
			}
			ivy.waitPath("/if/user/")
			ivy.shot("enrolled")
			uid := srv.userUID(t, "ivy")

			// The application: oauth2-proxy sends the browser to usher,
			// which asks for consent on the application's behalf.
			ivy.open(proxyURL + "/")
			ivy.waitText("wants to access")
			if !strings.HasPrefix(ivy.path(), "/if/flow/default-provider-authorization-explicit-consent/") {
				ivy.fail("consent", fmt.Errorf("not on the explicit-consent flow"))
			}
			consent := ivy.text()
			for _, want := range []string{"Team Wiki wants to access", "Email address", "General Profile Information"} {
				if !strings.Contains(consent, want) {
					t.Errorf("consent page lacks %q:\n%s", want, consent)
				}
			}
			ivy.shot("consent")
			if label := ivy.submitLabel(); label != "Continue" {
				t.Errorf("consent button %q, want Continue", label)
			}
			ivy.clickButton(ivy.submitLabel())

			// Back at the application, as Ivy.
			ivy.waitText("Team Wiki home")
			ivy.shot("application")
			if host := eval[string](ivy, "read the host", `location.host`); host != proxyAddr {
				t.Errorf("application page served by %s, want oauth2-proxy at %s", host, proxyAddr)
			}
			got := map[string]string{}
			for _, id := range []string{"email", "user", "username", "groups"} {
				got[id] = eval[string](ivy, "read #"+id, `document.getElementById(`+jsString(id)+`).innerText`)
			}
			want := map[string]string{"email": "ivy@example.com", "user": uid, "username": "ivy", "groups": "engineering-team"}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("the application saw %s = %q, want %q", k, got[k], v)
				}
			}
			if n := up.anonymous.Load(); n != 0 {
				t.Errorf("the application got %d requests without a signed-in user", n)
			}

			// Sign out of the application and, through usher's end-session
			// endpoint, of usher.
			ivy.open(proxyURL + "/oauth2/sign_out?rd=" + url.QueryEscape(srv.URL+"/application/o/team-wiki/end-session/"))
			ivy.waitText("You have been signed out of Team Wiki.")
			ivy.shot("signed-out")
			ivy.open(proxyURL + "/")
			ivy.do("wait for the login form", chromedp.WaitVisible(chromedp.CSS(`input[name="uid_field"]`)))
			if p := ivy.path(); !strings.HasPrefix(p, "/if/flow/default-authentication-flow/") {
				ivy.fail("after sign-out", fmt.Errorf("the application led to %s, not usher's login", p))
			}
			ivy.shot("login-again")

			// Signing in again: the consent is remembered, so the password
			// leads straight back to the application.
			ivy.typeInto(`input[name="uid_field"]`, "ivy")
			if !ivy.has(`input[name="password"]`) {
				ivy.clickButton(ivy.submitLabel())
			}
			ivy.typeInto(`input[name="password"]`, "ivy-Passw0rd-long")
			ivy.clickButton(ivy.submitLabel())
			ivy.waitText("Team Wiki home")
			if got := eval[string](ivy, "read #email", `document.getElementById("email").innerText`); got != "ivy@example.com" {
				t.Errorf("after signing in again the application saw email %q", got)
			}

			// Someone whose address nobody verified (they typed it into
			// a flow without an email stage) consents too, but
			// oauth2-proxy turns them away on usher's email_verified:
			// false, and the application never sees them.
			untrusted := srv.create(t, "/api/v3/stages/invitation/invitations/", map[string]any{
				"name": "mallory-invite", "flow": srv.flowPK(t, "invitation-enrollment-flow-external"), "fixed_data": map[string]any{}})
			mallory := b.actor("unverified")
			mallory.enroll(untrusted["link"].(string), person{Username: "mallory", Password: "mallory-Passw0rd-long", Name: "Mallory", Email: "ivy@example.com"})
			mallory.open(proxyURL + "/")
			mallory.waitText("wants to access")
			mallory.clickButton(mallory.submitLabel())
			mallory.waitText("Forbidden")
			mallory.shot("refused")
			if title := eval[string](mallory, "read the title", `document.title`); title != "403 Forbidden" {
				t.Errorf("refusal page titled %q, want oauth2-proxy's 403 Forbidden", title)
			}
			if host := eval[string](mallory, "read the host", `location.host`); host != proxyAddr {
				t.Errorf("refusal served by %s, want oauth2-proxy at %s", host, proxyAddr)
			}
			if text := mallory.text(); strings.Contains(text, "Team Wiki home") {
				t.Errorf("an unverified address reached the application:\n%s", text)
			}
			if n := up.anonymous.Load(); n != 0 {
				t.Errorf("the application got %d requests without a signed-in user", n)
			}
		})
	}
}

// upstream is the application oauth2-proxy guards: one page greeting the
// user named by the headers oauth2-proxy adds.
type upstream struct {
	*httptest.Server
	anonymous atomic.Int64 // requests that reached it without a user
}

var upstreamPage = template.Must(template.New("").Parse(`<!doctype html>
<html><head><title>Team Wiki</title></head><body>
<h1>Team Wiki home</h1>
<p>Hello <span id="username">{{.Get "X-Forwarded-Preferred-Username"}}</span>
(<span id="email">{{.Get "X-Forwarded-Email"}}</span>).</p>
<p>User ID: <span id="user">{{.Get "X-Forwarded-User"}}</span></p>
<p>Groups: <span id="groups">{{.Get "X-Forwarded-Groups"}}</span></p>
</body></html>`))

func startUpstream(t *testing.T) *upstream {
	t.Helper()
	up := &upstream{}
	up.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Forwarded-Email") == "" {
			up.anonymous.Add(1)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = upstreamPage.Execute(w, r.Header)
	}))
	t.Cleanup(up.Close)
	return up
}

// startOAuth2Proxy runs oauth2-proxy on addr and waits until it answers
// /ping. It is stopped when the test ends; its log is kept as an artifact
// when the test failed.
func startOAuth2Proxy(t *testing.T, bin, addr string, args ...string) {
	t.Helper()
	logs := &testkit.SyncBuffer{}
	cmd := exec.Command(bin, append([]string{"--http-address=" + addr}, args...)...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start oauth2-proxy: %v", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
		}
		if t.Failed() {
			path := filepath.Join(artifactsDir(t), artifactName(t, "oauth2-proxy.log"))
			if err := os.WriteFile(path, []byte(logs.String()), 0o644); err == nil {
				t.Logf("oauth2-proxy log: %s", path)
			}
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-done:
			t.Fatalf("oauth2-proxy exited: %v\n%s", cmd.ProcessState, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("oauth2-proxy did not answer /ping within 30s (last: %v)\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// create POSTs an object to an API path with the bootstrap token and
// returns it, failing unless the answer is 201.
func (s *server) create(t *testing.T, path string, body map[string]any) map[string]any {
	t.Helper()
	r := s.request(t, http.MethodPost, path, adminToken, body)
	if r.Status != http.StatusCreated {
		t.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
	}
	var out map[string]any
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("POST %s: %v in %s", path, err, r.Body)
	}
	return out
}

// patch PATCHes an object with the bootstrap token, failing unless the
// answer is 200.
func (s *server) patch(t *testing.T, path string, body map[string]any) {
	t.Helper()
	if r := s.request(t, http.MethodPatch, path, adminToken, body); r.Status != http.StatusOK {
		t.Fatalf("PATCH %s: %d %s", path, r.Status, r.Body)
	}
}

// stagePK is the primary key of the stage of that name under a stage
// type's API path.
func (s *server) stagePK(t *testing.T, path, name string) string {
	t.Helper()
	var page struct {
		Results []struct {
			PK   string `json:"pk"`
			Name string `json:"name"`
		} `json:"results"`
	}
	s.getJSON(t, path+"?page_size=100", &page)
	for _, st := range page.Results {
		if st.Name == name {
			return st.PK
		}
	}
	t.Fatalf("no stage %q at %s", name, path)
	return ""
}

// flowPK is the primary key (flow_uuid) of the flow with that slug.
func (s *server) flowPK(t *testing.T, slug string) string {
	t.Helper()
	var f struct {
		PK string `json:"pk"`
	}
	s.getJSON(t, "/api/v3/flows/instances/"+slug+"/", &f)
	if f.PK == "" {
		t.Fatalf("flow %s has no pk", slug)
	}
	return f.PK
}

// scopeMappings returns the keys of the managed scope mappings for those
// scopes (installed by default, as in authentik).
func (s *server) scopeMappings(t *testing.T, scopes ...string) []any {
	t.Helper()
	var page struct {
		Results []struct {
			PK        string `json:"pk"`
			ScopeName string `json:"scope_name"`
			Managed   string `json:"managed"`
		} `json:"results"`
	}
	s.getJSON(t, "/api/v3/propertymappings/provider/scope/?page_size=100", &page)
	var out []any
	for _, scope := range scopes {
		for _, m := range page.Results {
			if m.ScopeName == scope && m.Managed == "goauthentik.io/providers/oauth2/scope-"+scope {
				out = append(out, m.PK)
			}
		}
	}
	if len(out) != len(scopes) {
		t.Fatalf("managed scope mappings for %v: found %d", scopes, len(out))
	}
	return out
}

// userUID is the user's uid, the subject usher's ID tokens carry by
// default (authentik's sub_mode hashed_user_id).
func (s *server) userUID(t *testing.T, username string) string {
	t.Helper()
	var page struct {
		Results []struct {
			UID string `json:"uid"`
		} `json:"results"`
	}
	s.getJSON(t, "/api/v3/core/users/?username="+url.QueryEscape(username), &page)
	if len(page.Results) != 1 || page.Results[0].UID == "" {
		t.Fatalf("user %s: %+v", username, page.Results)
	}
	return page.Results[0].UID
}
