package invitation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/cli/invite"

	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/worker/mail"
	"github.com/usher-id/usher/internal/worker/mail/mailtest"
	"github.com/usher-id/usher/internal/worker/outbox"
)

func TestRetention(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, p := range []invite.Params{
		{Name: "old", FlowSlug: "enroll", Expires: "1h"},
		{Name: "recent", FlowSlug: "enroll", Expires: "30h"},
		{Name: "never", FlowSlug: "enroll"},
	} {
		if _, err := invite.Create(ctx, f.app, f.app.Store, f.admin, p); err != nil {
			t.Fatal(err)
		}
	}
	f.now = f.now.Add(48 * time.Hour) // "old" expired 47h ago, "recent" 18h ago

	off := &invitation.Retention{App: f.app}
	if n, err := off.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("retention 0 keeps everything: %d, %v", n, err)
	}
	// Every 24h: the lease lasts 48h.
	r := &invitation.Retention{App: f.app, Keep: 24 * time.Hour, Every: 24 * time.Hour, Holder: "a"}
	other := &invitation.Retention{App: f.app, Keep: 24 * time.Hour, Every: 24 * time.Hour, Holder: "b"}
	n, err := r.RunOnce(ctx)
	if err != nil || n != 1 {
		t.Fatalf("removed %d, %v; want 1", n, err)
	}
	var names []string
	for _, inv := range f.invitations(t) {
		names = append(names, inv.Name)
	}
	if strings.Join(names, ",") != "never,recent" {
		t.Errorf("left %v", names)
	}
	ev := f.events(t, invitation.ActionExpired)
	if len(ev) != 1 || ev[0].Context["count"] != float64(1) {
		t.Errorf("invitation_expired events = %+v", ev)
	}
	// Another instance does nothing while "a" holds the lease.
	f.now = f.now.Add(24 * time.Hour)
	if n, err := other.RunOnce(ctx); err != nil || n != 0 {
		t.Errorf("second holder removed %d, %v", n, err)
	}
	if n, err := r.RunOnce(ctx); err != nil || n != 1 {
		t.Errorf("holder removed %d, %v; want 1 (recent)", n, err)
	}
}

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
