package email_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/domain/user"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

// TestChangeEmailVerified: with an email stage between the prompt and the
// user write of the brand's user settings flow, a signed-in user's new
// address gets the link and is saved, marked verified, only once the link
// is followed.
func TestChangeEmailVerified(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			fx := e.fx
			f := fx.Flow("my-settings", "Settings", "Update your info", "stage_configuration", "require_authenticated")
			fx.Prompt("settings-email", "email", "Email", "email", 0, nil)
			fx.PromptStage("settings-prompt", "settings-email")
			fx.Stage(store.StageEmail, "settings-email-verify", func(s *store.Stage) {
				s.Email.UseGlobalSettings = true
				s.Email.Template = "email/account_confirmation.html"
				s.Email.Subject = "Confirm your new address"
			})
			fx.Stage(store.StageUserWrite, "settings-write", nil)
			fx.Bind("my-settings", "settings-prompt", 10, false)
			fx.Bind("my-settings", "settings-email-verify", 20, false)
			fx.Bind("my-settings", "settings-write", 30, false)
			e.brand.FlowUserSettings = &f.UUID
			if err := e.st.UpdateBrand(ctx, &e.brand); err != nil {
				t.Fatal(err)
			}

			cl := testapp.NewClient(t, e.url)
			cl.FollowHTML("default-authentication-flow", "", map[string]any{"uid_field": "jane", "password": janePassword})
			page := cl.Get(e.url + "/if/user/")
			if page.Status != http.StatusOK || !strings.Contains(page.Body, `href="/if/flow/my-settings/?next=%2Fif%2Fuser%2F"`) {
				t.Fatalf("the account page does not offer the settings flow: %d %s", page.Status, page.Body)
			}
			p := cl.Get(cl.PageURL("my-settings", "next=%2Fif%2Fuser%2F"))
			p = cl.Submit(p, map[string]any{"email": "jane.new@example.com"})
			if !strings.Contains(p.Body, sentText) {
				t.Fatalf("after the new address: %d %s", p.Status, p.Body)
			}
			if got := e.user("jane").Email; got != "jane@example.com" {
				t.Fatalf("email changed before verification: %q", got)
			}
			m := e.mails(1)[0]
			if m.To[0] != "jane.new@example.com" || m.Subject != "Confirm your new address" {
				t.Fatalf("email to %v %q, want the new address", m.To, m.Subject)
			}
			l := link(t, m)
			p = cl.Submit(cl.Get(l), nil)
			if p.Location == "" {
				t.Fatalf("following the link: %d %s", p.Status, p.Body)
			}
			j := e.user("jane")
			if j.Email != "jane.new@example.com" || !user.EmailVerified(j) {
				t.Fatalf("after the link: email %q verified %v", j.Email, user.EmailVerified(j))
			}
			if page = cl.Get(e.url + "/if/user/"); !strings.Contains(page.Body, `jane.new@example.com <span class="badge">verified</span>`) {
				t.Fatalf("the account page does not show the verified address:\n%s", page.Body)
			}
		})
	}
}
