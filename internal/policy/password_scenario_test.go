package policy_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ak "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/blueprint"
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
	"github.com/usher-id/usher/internal/testkit"
)

var ctx = context.Background()

// TestPasswordChangeFlow: authentik's flow-password-change.yaml imports
// unmodified with its password policy; with authentik's default
// authentication flow (whose password stage points at it) the account page
// links to it; through the flow, a short password gets the policy's
// message, a long but guessable one the zxcvbn message, a strong one is
// saved, and nothing is written for the refused ones. Both databases.
func TestPasswordChangeFlow(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t)
			a := testapp.NewApp(t, st)
			fx := testapp.NewFixture(t, st, a.Passwords.Hash)
			fx.LoginLogout()
			testapp.ApplyFile(t, a, testkit.AuthentikBlueprint(t, "flow-password-change.yaml"))
			testapp.ApplyFile(t, a, testkit.AuthentikBlueprint(t, "flow-default-authentication-flow.yaml"))
			p, err := st.GetPolicyByName(ctx, "default-password-change-password-policy")
			if err != nil || p.Kind != store.PolicyPassword || p.Password.LengthMin != 8 || !p.Password.CheckZxcvbn ||
				p.Password.ErrorMessage != "Password needs to be 8 characters or longer." {
				t.Fatalf("imported policy %+v %+v %v", p, p.Password, err)
			}
			srv := testapp.NewServer(t, a)
			c := testapp.NewClient(t, srv.URL)
			c.FollowJSON("default-authentication-flow", "", map[string]any{"uid_field": "akadmin", "password": testapp.AdminPassword})

			if page := c.Get(srv.URL + "/if/user/"); !strings.Contains(page.Body, `href="/if/flow/default-password-change/?next=%2Fif%2Fuser%2F"`) {
				t.Fatalf("account page does not link the password change flow:\n%s", page.Body)
			}

			u := c.ExecutorURL("default-password-change", "")
			if _, ch, err := c.Do(http.MethodGet, u, nil); err != nil || ch["component"] != "ak-stage-prompt" {
				t.Fatalf("flow start: %v %v", ch, err)
			}
			before, _ := st.GetUserByUsername(ctx, "akadmin")
			for _, tc := range []struct{ pw, want string }{
				{"short", "Password needs to be 8 characters or longer."},
				{"password123", "too easy to guess"},
			} {
				_, ch, err := c.Do(http.MethodPost, u, map[string]any{"password": tc.pw, "password_repeat": tc.pw})
				if err != nil || ch["component"] != "ak-stage-prompt" || !strings.Contains(fmt.Sprint(ch["response_errors"]), tc.want) {
					t.Errorf("%q: %v %v; want an error with %q", tc.pw, ch["response_errors"], err, tc.want)
				}
			}
			if after, _ := st.GetUserByUsername(ctx, "akadmin"); after.Password != before.Password {
				t.Fatal("a refused password was saved")
			}
			const strong = "lantern orbit velvet meadow 42"
			resp, ch, err := c.Do(http.MethodPost, u, map[string]any{"password": strong, "password_repeat": strong})
			if err != nil || (resp.StatusCode != http.StatusFound && ch["component"] == "ak-stage-prompt") {
				t.Fatalf("strong password: %v %v", ch, err)
			}
			after, _ := st.GetUserByUsername(ctx, "akadmin")
			if ok, _ := a.Passwords.Verify(after.Password, strong); !ok {
				t.Fatalf("the strong password was not saved (challenge %v)", ch)
			}
		})
	}
}

// TestPasswordPolicyAPI: authentik's Go client creates and reads password
// policies; the breached-password check warns that it runs against a local
// list, and refuses a common password in a prompt stage.
func TestPasswordPolicyAPI(t *testing.T) {
	st := testapp.Backends(t)[0].Open(t)
	a := testapp.NewApp(t, st)
	fx := testapp.NewFixture(t, st, a.Passwords.Hash)
	fx.LoginLogout()
	list := filepath.Join(t.TempDir(), "breached.txt")
	// One plain password and one SHA-1 line as in HIBP's files.
	sum := sha1.Sum([]byte("Hunter2hunter2"))
	content := "correcthorse7\n" + strings.ToUpper(hex.EncodeToString(sum[:])) + ":3\n"
	if err := os.WriteFile(list, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	a.BreachedPasswordsFile = list
	srv := testapp.NewServer(t, a)
	key := auth.NewTokenKey()
	if err := st.CreateToken(ctx, &store.Token{Identifier: "admin-token", KeyHash: auth.HashToken(key), UserPK: fx.Admin.PK, Intent: "api"}); err != nil {
		t.Fatal(err)
	}
	cfg := ak.NewConfiguration()
	cfg.Servers = ak.ServerConfigurations{{URL: srv.URL + "/api/v3"}}
	cfg.AddDefaultHeader("Authorization", "Bearer "+key)
	client := ak.NewAPIClient(cfg)

	req := ak.NewPasswordPolicyRequest("corp")
	req.SetLengthMin(10)
	req.SetAmountDigits(1)
	req.SetCheckHaveIBeenPwned(true)
	req.SetErrorMessage("")
	created, resp, err := client.PoliciesAPI.PoliciesPasswordCreate(ctx).PasswordPolicyRequest(*req).Execute()
	if err != nil || resp.StatusCode != 201 || created.GetLengthMin() != 10 || !created.GetCheckHaveIBeenPwned() {
		t.Fatalf("create: %+v %v", created, err)
	}
	if w := fmt.Sprint(created.AdditionalProperties["warnings"]); !strings.Contains(w, "Have I Been Pwned check is skipped") {
		t.Errorf("no warning about the skipped online check: %s", w)
	}
	got, _, err := client.PoliciesAPI.PoliciesPasswordRetrieve(ctx, created.Pk).Execute()
	if err != nil || got.Name != "corp" || got.GetSymbolCharset() != store.DefaultSymbolCharset || got.GetZxcvbnScoreThreshold() != 2 {
		t.Fatalf("retrieve: %+v %v", got, err)
	}
	if _, resp, err := client.PoliciesAPI.PoliciesPasswordCreate(ctx).PasswordPolicyRequest(
		*ak.NewPasswordPolicyRequest("corp")).Execute(); err == nil || resp.StatusCode != 400 {
		t.Errorf("duplicate name: %v", err)
	}

	// The policy as a prompt stage's validation policy sees it.
	p, _ := st.GetPolicy(ctx, created.Pk)
	engine := policy.NewEngine(a)
	run := func(pw string) policy.Result {
		return engine.Test(ctx, st, p, nil, map[string]any{"prompt_data": map[string]any{"password": pw}}, nil)
	}
	for _, tc := range []struct {
		pw   string
		pass bool
		want string
	}{
		{"short1", false, "at least 10 characters"},
		{"longenough", false, "at least 1 digit"},
		{"correcthorse7", false, "breached or common passwords"},
		{"CorrectHorse7", false, "breached or common passwords"},
		{"Hunter2hunter2", false, "breached or common passwords"},
		{"notinthelist9", true, ""},
	} {
		res := run(tc.pw)
		if res.Passing != tc.pass || !strings.Contains(strings.Join(res.Messages, " "), tc.want) {
			t.Errorf("%q: passing %v %v", tc.pw, res.Passing, res.Messages)
		}
	}
	evs, _, _ := st.ListEvents(ctx, store.EventFilter{Action: "configuration_warning"})
	if len(evs) != 1 || !strings.Contains(fmt.Sprint(evs[0].Context["message"]), list) {
		t.Errorf("configuration_warning events: %+v", evs)
	}
}

// TestPasswordPolicyExportRoundTrip: a flow whose prompt stage validates
// with a password policy exports with the policy and imports again.
func TestPasswordPolicyExportRoundTrip(t *testing.T) {
	st := testapp.Backends(t)[0].Open(t)
	a := testapp.NewApp(t, st)
	testapp.NewFixture(t, st, a.Passwords.Hash)
	testapp.ApplyFile(t, a, testkit.AuthentikBlueprint(t, "flow-password-change.yaml"))
	f, err := st.GetFlowBySlug(ctx, "default-password-change")
	if err != nil {
		t.Fatal(err)
	}
	out, err := blueprint.ExportFlow(ctx, st, f.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "model: authentik_policies_password.passwordpolicy") || !strings.Contains(string(out), "zxcvbn_score_threshold: 2") {
		t.Fatalf("export lacks the password policy:\n%s", out)
	}
	st2 := testapp.Backends(t)[0].Open(t)
	a2 := testapp.NewApp(t, st2)
	testapp.NewFixture(t, st2, a2.Passwords.Hash)
	file := filepath.Join(t.TempDir(), "exported.yaml")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	testapp.ApplyFile(t, a2, file)
	if p, err := st2.GetPolicyByName(ctx, "default-password-change-password-policy"); err != nil || p.Password == nil || p.Password.LengthMin != 8 {
		t.Fatalf("re-imported policy %+v %v", p, err)
	}
}
