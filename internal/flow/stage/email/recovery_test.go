package email_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

const (
	sentText    = "Check your email."
	openedText  = "You opened the link from your email."
	newPassword = "new-Passw0rd-jane"
)

// TestForgotPassword walks authentik's recovery blueprint as a browser
// without JavaScript: the sign-in page links the recovery flow, the
// address gets an email through SMTP, the link opened in another browser
// asks for a new password, which works afterwards while the old one does
// not; the link is then used up.
func TestForgotPassword(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			// jane is signed in elsewhere with her old password.
			elsewhere := testapp.NewClient(t, e.url)
			elsewhere.FollowHTML("default-authentication-flow", "", map[string]any{"uid_field": "jane", "password": janePassword})
			if e.loggedIn(elsewhere) != e.jane.PK {
				t.Fatal("jane's other session did not sign in")
			}
			first := testapp.NewClient(t, e.url)
			login := first.Get(first.PageURL("default-authentication-flow", ""))
			if !strings.Contains(login.Body, "Forgot username or password?") || !strings.Contains(login.Body, "/if/flow/"+recoveryFlow+"/") {
				t.Fatalf("the sign-in page does not link the brand's recovery flow:\n%s", login.Body)
			}
			p := first.Get(first.PageURL(recoveryFlow, ""))
			p = first.Submit(p, map[string]any{"uid_field": "jane@example.com"})
			if !strings.Contains(p.Body, sentText) {
				t.Fatalf("after asking: %s", p.Body)
			}
			msgs := e.mails(1)
			m := msgs[0]
			if len(m.To) != 1 || m.To[0] != "jane@example.com" || m.Subject != "authentik" {
				t.Fatalf("email to %v subject %q", m.To, m.Subject)
			}
			l := link(t, m)
			if !strings.HasPrefix(l, e.url+"/if/flow/"+recoveryFlow+"/?flow_token=") {
				t.Fatalf("link %q", l)
			}

			// Another browser: the link alone changes nothing (a scanner).
			other := testapp.NewClient(t, e.url)
			p = other.Get(l)
			if !strings.Contains(p.Body, openedText) {
				t.Fatalf("opening the link: %d %s", p.Status, p.Body)
			}
			p = other.Submit(p, nil)
			if !strings.Contains(p.Body, `name="password"`) {
				t.Fatalf("after continuing: %s", p.Body)
			}
			p = other.Submit(p, map[string]any{"password": newPassword, "password_repeat": newPassword})
			if p.Location == "" {
				t.Fatalf("after the new password: %d %s", p.Status, p.Body)
			}
			if e.user("jane").PK == 0 || !e.canLogin("jane", newPassword) {
				t.Fatal("the new password does not sign in")
			}
			if e.canLogin("jane", janePassword) {
				t.Fatal("the old password still signs in")
			}
			if e.loggedIn(elsewhere) != 0 {
				t.Fatal("the new password did not end jane's other session")
			}
			if e.loggedIn(other) != e.jane.PK {
				t.Fatal("the browser that set the password is not signed in")
			}
			// No event holds the link's key.
			key := l[strings.Index(l, "flow_token=")+len("flow_token="):]
			evs, _, err := e.st.ListEvents(ctx, store.EventFilter{Limit: 1000})
			if err != nil || len(evs) == 0 {
				t.Fatalf("events: %v %d", err, len(evs))
			}
			for _, ev := range evs {
				if raw, _ := json.Marshal(ev); strings.Contains(string(raw), key) {
					t.Fatalf("event %s holds the link's key: %s", ev.Action, raw)
				}
			}

			// The link is used up, in any browser.
			again := testapp.NewClient(t, e.url)
			p = again.Get(l)
			if !strings.Contains(p.Body, "already been used") {
				t.Fatalf("second use: %d %s", p.Status, p.Body)
			}
			if p.Status == http.StatusInternalServerError {
				t.Fatal("500")
			}
		})
	}
}
