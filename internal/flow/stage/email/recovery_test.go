package email_test

import (
	"net/http"
	"strings"
	"testing"

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
