package invite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/cli/invite"
	"github.com/usher-id/usher/internal/worker/mail"
	"github.com/usher-id/usher/internal/worker/mail/mailtest"
	"github.com/usher-id/usher/internal/worker/outbox"
)

// TestSentInvitationArrives: create with --send semantics, deliver through
// the outbox worker to a real SMTP server, and check the link and expiry in
// both parts of the received email.
func TestSentInvitationArrives(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	srv := mailtest.Start(t, mailtest.Options{STARTTLS: true, Username: "usher", Password: "pw"})
	inv, err := invite.Create(ctx, f.app, f.app.Store, f.admin, invite.Params{Name: "jane", FlowSlug: "enroll",
		Expires: "2099-06-30", Email: "jane@example.com", Send: true, BaseURL: "https://id.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := mail.NewDeliverer(srv.Config(), "")
	if err != nil {
		t.Fatal(err)
	}
	w := &outbox.Worker{Store: f.app.Store, Log: f.app.Log, Now: func() time.Time { return f.now.Add(time.Minute) }}
	d.Register(w)
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 5*time.Second)[0]
	link := "https://id.example.com/if/flow/enroll/?itoken=" + inv.UUID
	if got.To[0] != "jane@example.com" || got.Subject != "You have been invited to id.example.com" {
		t.Errorf("to %v subject %q", got.To, got.Subject)
	}
	for part, body := range map[string]string{"text": got.Text, "html": got.HTML} {
		for _, want := range []string{link, "2099-06-30 23:59 UTC", "authentik Default Admin"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s part lacks %q:\n%s", part, want, body)
			}
		}
	}
}
