package email_test

import (
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/domain/user"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

// enroll walks authentik's enrollment-with-verification flow as a browser
// without JavaScript and returns the last page.
func (e *env) enroll(cl *testapp.Client, query string, v map[string]any) testapp.Page {
	e.t.Helper()
	// Like FollowHTML, but stops at "check your email" (its form would
	// send the email again).
	p := cl.Get(cl.PageURL(enrollmentFlow, query))
	for i := 0; i < 10 && p.Location == "" && p.HasForm() && !strings.Contains(p.Body, sentText); i++ {
		p = cl.Submit(p, v)
	}
	return p
}

// TestEnrollmentVerification: authentik's blueprint imported unmodified
// creates the account inactive and emails a link; the account cannot sign
// in until the link is followed, which activates it, marks the address
// verified and signs the visitor in.
func TestEnrollmentVerification(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			cl := testapp.NewClient(t, e.url)
			p := e.enroll(cl, "", map[string]any{"username": "sam", "password": "sam-Passw0rd", "password_repeat": "sam-Passw0rd",
				"name": "Sam Smith", "email": "sam@example.com"})
			if !strings.Contains(p.Body, sentText) {
				t.Fatalf("after enrolling: %d %s", p.Status, p.Body)
			}
			sam := e.user("sam")
			if sam.IsActive || user.EmailVerified(sam) {
				t.Fatalf("sam before the link: active %v verified %v", sam.IsActive, user.EmailVerified(sam))
			}
			if e.canLogin("sam", "sam-Passw0rd") {
				t.Fatal("an unverified account signs in")
			}
			m := e.mails(1)[0]
			if m.To[0] != "sam@example.com" || !strings.Contains(m.Text, "confirm your email address") {
				t.Fatalf("email to %v:\n%s", m.To, m.Text)
			}
			l := link(t, m)
			// The stored plan holds no password.
			tok := e.tokenFor(t, l)
			if strings.Contains(string(tok.Plan), "sam-Passw0rd") {
				t.Fatal("the link's stored plan holds the password")
			}

			// A scanner opening the link changes nothing.
			scanner := testapp.NewClient(t, e.url)
			scanned := scanner.Get(l)
			if !strings.Contains(scanned.Body, openedText) {
				t.Fatalf("scanner: %s", scanned.Body)
			}
			if e.user("sam").IsActive {
				t.Fatal("opening the link activated the account")
			}

			other := testapp.NewClient(t, e.url)
			p = other.Submit(other.Get(l), nil)
			if p.Location == "" {
				t.Fatalf("continuing: %d %s", p.Status, p.Body)
			}
			sam = e.user("sam")
			if !sam.IsActive || !user.EmailVerified(sam) {
				t.Fatalf("sam after the link: active %v verified %v", sam.IsActive, user.EmailVerified(sam))
			}
			if !e.canLogin("sam", "sam-Passw0rd") {
				t.Fatal("the verified account cannot sign in")
			}
			// The page opened before the use cannot use it again.
			if p = scanner.Submit(scanned, nil); !strings.Contains(p.Body, "already been used") {
				t.Fatalf("the scanner's page after use: %s", p.Body)
			}
		})
	}
}

// TestInvitationTrustsEmail: with trust_invitation_email on the invitation
// stage, an invitation bound to an address skips the email verification:
// no email, the account is active, verified and signed in at once.
func TestInvitationTrustsEmail(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			f, err := e.st.GetFlowBySlug(ctx, enrollmentFlow)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := store.NewStage(store.StageInvitation, "enrollment-invitation")
			st.Invitation.TrustInvitationEmail = true
			if err := e.st.CreateStage(ctx, &st); err != nil {
				t.Fatal(err)
			}
			if err := e.st.CreateBinding(ctx, &store.FlowStageBinding{Target: f.UUID, Stage: st.UUID, Order: 1,
				PolicyEngineMode: "any", InvalidResponseAction: "retry", EvaluateOnPlan: true}); err != nil {
				t.Fatal(err)
			}
			inv := store.Invitation{Name: "ivy", Flow: &f.UUID, Email: "ivy@example.com", CreatedBy: e.fx.Admin.PK,
				FixedData: map[string]any{}}
			if err := e.st.CreateInvitation(ctx, &inv); err != nil {
				t.Fatal(err)
			}
			cl := testapp.NewClient(t, e.url)
			p := e.enroll(cl, "itoken="+inv.UUID, map[string]any{"username": "ivy", "password": "ivy-Passw0rd",
				"password_repeat": "ivy-Passw0rd", "name": "Ivy"})
			if p.Location == "" {
				t.Fatalf("enrolling with the invitation: %d %s", p.Status, p.Body)
			}
			ivy := e.user("ivy")
			if !ivy.IsActive || !user.EmailVerified(ivy) || ivy.Email != "ivy@example.com" {
				t.Fatalf("ivy: active %v verified %v email %q", ivy.IsActive, user.EmailVerified(ivy), ivy.Email)
			}
			e.deliver()
			time.Sleep(200 * time.Millisecond)
			if n := len(e.smtp.Messages()); n != 0 {
				t.Fatalf("%d emails sent, want none", n)
			}
		})
	}
}
