package flow_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/testapp"
)

// The stages without a UI at the end of an enrollment (user write, login)
// run in the request after the client followed the redirect for them
// (?ran=1), so the account, the invitation's use, the login and the session
// commit in one transaction. The client still sees authentik's protocol: a
// 302 after the last answer and after the user write, then the redirect
// challenge. An invitation used up by someone else between the last answer
// and that request refuses the enrollment with its own message.
func TestHeadlessStagesRunTogether(t *testing.T) {
	testapp.ForEachBackend(t, func(t *testing.T, e *testapp.Env) {
		single := e.IToken("example-external-prefilled-email-invitation")
		values := func(name string) map[string]any {
			return map[string]any{"username": name, "password": "pw-" + name + "-long enough", "password_repeat": "pw-" + name + "-long enough",
				"name": "N " + name, "email": "external@example.com"}
		}
		// A client that does not follow redirects, to see each one.
		c := e.Client()
		c.HTTP.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		u := c.ExecutorURL(slugExt, single)
		step := func(method, to string, body any) (*http.Response, map[string]any) {
			t.Helper()
			resp, ch, err := c.Do(method, to, body)
			if err != nil {
				t.Fatal(err)
			}
			return resp, ch
		}
		_, ch := step(http.MethodGet, u, nil)
		resp, _ := step(http.MethodPost, u, testapp.Answer(ch, values("first")))
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("credentials answer: %d", resp.StatusCode)
		}
		_, ch = step(http.MethodGet, e.URL+resp.Header.Get("Location"), nil)
		resp, _ = step(http.MethodPost, u, testapp.Answer(ch, values("first")))
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("details answer: %d", resp.StatusCode)
		}
		resp, _ = step(http.MethodGet, e.URL+resp.Header.Get("Location"), nil)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc.Query().Get("ran") != "1" || loc.Query().Get("query") != single {
			t.Fatalf("after the details: %d to %q, want a 302 for the user write with ran=1", resp.StatusCode, resp.Header.Get("Location"))
		}
		if e.LoggedIn(c) != 0 {
			t.Fatal("logged in before the login stage ran")
		}

		// Someone else uses the single-use invitation up now.
		other := testapp.Last(e.Client().FollowJSON(slugExt, single, values("second")))
		if other.Component != "xak-flow-redirect" {
			t.Fatalf("second enrollment: %v", other.Challenge)
		}
		_, ch = step(http.MethodGet, e.URL+loc.RequestURI(), nil)
		msg, _ := ch["error_message"].(string)
		if ch["component"] != "ak-stage-access-denied" || !strings.Contains(msg, "already been used") {
			t.Fatalf("after the invitation was used up: %v", ch)
		}
		if _, err := e.Store.GetUserByUsername(t.Context(), "first"); err == nil {
			t.Error("an account was created with a used-up invitation")
		}
		if e.LoggedIn(c) != 0 {
			t.Error("the refused client is logged in")
		}

		// A fresh enrollment through the same steps ends logged in.
		c2 := e.Client()
		last := testapp.Last(c2.FollowJSON(slugExt, e.IToken("example-external-basic-invitation"), values("third")))
		if last.Component != "xak-flow-redirect" || e.LoggedIn(c2) == 0 {
			t.Fatalf("third enrollment: %v, logged in as %d", last.Challenge, e.LoggedIn(c2))
		}
	})
}
