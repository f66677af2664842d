package flow_test

import (
	"net/http"
	"net/http/cookiejar"
	"testing"

	api "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/testapp"
)

// TestAuthentikClient drives an enrollment and a login with authentik's
// own generated Go client, which validates required keys of every
// challenge it decodes.
func TestAuthentikClient(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		jar, _ := cookiejar.New(nil)
		cfg := api.NewConfiguration()
		cfg.Servers = api.ServerConfigurations{{URL: e.URL + "/api/v3"}}
		cfg.HTTPClient = &http.Client{Jar: jar}
		c := api.NewAPIClient(cfg)
		slug := "invitation-enrollment-flow-external"
		query := e.IToken("example-external-basic-invitation")

		ch, _, err := c.FlowsAPI.FlowsExecutorGet(bg, slug).Query(query).Execute()
		if err != nil || ch.PromptChallenge == nil {
			t.Fatalf("first challenge: %v %+v", err, ch)
		}
		if len(ch.PromptChallenge.Fields) != 3 || ch.PromptChallenge.Fields[0].FieldKey != "username" {
			t.Fatalf("fields = %+v", ch.PromptChallenge.Fields)
		}
		vals := enrollValues("clientuser")
		for i := 0; i < 2; i++ {
			ans := api.NewPromptChallengeResponseRequest()
			ans.AdditionalProperties = vals
			ch, _, err = c.FlowsAPI.FlowsExecutorSolve(bg, slug).Query(query).
				FlowChallengeResponseRequest(api.PromptChallengeResponseRequestAsFlowChallengeResponseRequest(ans)).Execute()
			if err != nil {
				t.Fatalf("answer %d: %v", i, err)
			}
		}
		if ch.RedirectChallenge == nil || ch.RedirectChallenge.To != "/" {
			t.Fatalf("final = %+v", ch)
		}

		// A denial decodes as AccessDeniedChallenge.
		ch, _, err = c.FlowsAPI.FlowsExecutorGet(bg, slug).Query("itoken=bad").Execute()
		if err != nil || ch.AccessDeniedChallenge == nil || ch.AccessDeniedChallenge.GetErrorMessage() == "" {
			t.Fatalf("denial: %v %+v", err, ch)
		}

		// Login with identification and password challenges.
		jar2, _ := cookiejar.New(nil)
		cfg.HTTPClient = &http.Client{Jar: jar2}
		login := "default-authentication-flow"
		ch, _, err = c.FlowsAPI.FlowsExecutorGet(bg, login).Query("").Execute()
		if err != nil || ch.IdentificationChallenge == nil {
			t.Fatalf("identification: %v %+v", err, ch)
		}
		id := api.NewIdentificationChallengeResponseRequest()
		id.SetUidField("akadmin")
		ch, _, err = c.FlowsAPI.FlowsExecutorSolve(bg, login).Query("").
			FlowChallengeResponseRequest(api.IdentificationChallengeResponseRequestAsFlowChallengeResponseRequest(id)).Execute()
		if err != nil || ch.PasswordChallenge == nil || ch.PasswordChallenge.PendingUser != "akadmin" {
			t.Fatalf("password challenge: %v %+v", err, ch)
		}
		pw := api.NewPasswordChallengeResponseRequest(testapp.AdminPassword)
		ch, _, err = c.FlowsAPI.FlowsExecutorSolve(bg, login).Query("").
			FlowChallengeResponseRequest(api.PasswordChallengeResponseRequestAsFlowChallengeResponseRequest(pw)).Execute()
		if err != nil || ch.RedirectChallenge == nil {
			t.Fatalf("login result: %v %+v", err, ch)
		}
	})
}
