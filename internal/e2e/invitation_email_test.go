package e2e

import (
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/worker/mail/mailtest"
)

var itokenLink = regexp.MustCompile(`https?://[^\s"'<>]+/if/flow/[-a-zA-Z0-9_]+/\?itoken=[0-9a-f-]{36}`)

// TestInvitationByEmail is the "Done when" of issue 6: the admin creates an
// invitation bound to an address and sends it with Send by email; the SMTP
// server receives it; the invitee follows the link from the message and
// enrolls with the address pre-filled.
func TestInvitationByEmail(t *testing.T) {
	skipShort(t)
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			smtp := mailtest.Start(t, mailtest.Options{})
			srv := startServer(t, serverOptions{DSN: databaseFor(t, backend), Mail: smtp})
			srv.importBlueprintAPI(t, exampleBlueprint(t, "flows-invitation-enrollment.yaml"))
			b := newBrowser(t, srv.URL)
			admin := b.actor("admin")
			admin.login(adminUsername, adminPassword)
			admin.openAdmin()

			admin.nav("Invitations")
			admin.clickLink("Create")
			admin.typeInto("#f-name", "noah-invite")
			admin.choose("#f-flow", "Invitation Enrollment Flow (Internal Users) (invitation-enrollment-flow-internal)")
			admin.setValue("#f-fixed_data", "name: Noah Newhire\n")
			admin.check("#f-single_use", true)
			admin.typeInto("#f-email", "noah@example.com")
			admin.shot("invitation-create")
			admin.clickButton("Create")
			link := invitationLink(admin, "noah-invite")

			admin.clickLink("Send by email")
			if to := admin.value("#f-to"); to != "noah@example.com" {
				t.Errorf("To is %q, want the invitation's address", to)
			}
			admin.shot("send-email")
			admin.clickButton("Send")
			admin.waitText("queued for delivery to noah@example.com")
			admin.shot("send-email-queued")

			msgs := smtp.Wait(t, 1, 20*time.Second)
			m := msgs[0]
			if !slices.Contains(m.To, "noah@example.com") || m.Subject == "" {
				t.Errorf("email to %v with subject %q, want one to noah@example.com", m.To, m.Subject)
			}
			got := itokenLink.FindString(m.Text)
			if got == "" {
				got = itokenLink.FindString(m.HTML)
			}
			if got != link {
				t.Fatalf("link in the email %q, want %q; text:\n%s", got, link, m.Text)
			}

			// The row shows the delivery once the worker recorded it.
			for i := 0; ; i++ {
				invitationLink(admin, "noah-invite")
				if admin.has("details[open] .status.email-sent") {
					break
				}
				if i == 20 {
					admin.fail("email status", fmt.Errorf("the invitation's row does not show the email as sent"))
				}
				time.Sleep(250 * time.Millisecond)
			}
			admin.shot("email-sent")

			noah := b.actor("invitee")
			pre := noah.enroll(got, person{Username: "noah", Password: "noah-Passw0rd"})
			if pre["email"] != "noah@example.com" || pre["name"] != "Noah Newhire" {
				t.Errorf("pre-filled values %v, want the invitation's email and name", pre)
			}
			noah.waitPath("/if/user/")
			noah.shot("user-interface")
			expectUser(t, srv.user(t, "noah"), apiUser{Name: "Noah Newhire", Email: "noah@example.com", Type: "internal", Path: "users/internal"})
		})
	}
}
