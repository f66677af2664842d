package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/mail"
	"github.com/usher-id/usher/internal/worker/mail/mailtest"
	"github.com/usher-id/usher/internal/worker/outbox"
)

// deliverOnce runs the mail worker once against an SMTP server.
func deliverOnce(t *testing.T, f *fixture, srv *mailtest.Server, maxAttempts int) {
	t.Helper()
	d, err := mail.NewDeliverer(srv.Config(), "")
	if err != nil {
		t.Fatal(err)
	}
	w := &outbox.Worker{Store: f.st, Events: f.app.Events, MaxAttempts: maxAttempts, Log: f.app.Log}
	d.Register(w)
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestInvitationSendByEmail(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	flow := invitableFlow(t, f, "enroll", true)
	b := f.browser(t, &admin)
	exp := time.Now().Add(48 * time.Hour)
	inv := store.Invitation{Name: "jane", Expires: &exp, Expiring: true, Flow: &flow.UUID, CreatedBy: admin.PK, Email: "jane@example.com"}
	if err := f.st.CreateInvitation(ctx, &inv); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour)
	expired := store.Invitation{Name: "old", Expires: &past, Expiring: true, Flow: &flow.UUID, CreatedBy: admin.PK}
	noFlow := store.Invitation{Name: "anyflow", Expiring: true, CreatedBy: admin.PK}
	for _, i := range []*store.Invitation{&expired, &noFlow} {
		if err := f.st.CreateInvitation(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	sendURL := "/if/admin/invitations/" + inv.UUID + "/send/"

	t.Run("form is prefilled with the bound address", func(t *testing.T) {
		b.get(t, sendURL).expect(t, 200, "", "Send invitation jane by email", `name="to"`, ">jane@example.com</textarea>", "Cc", "Bcc")
	})

	tests := []struct {
		name   string
		path   string
		form   url.Values
		status int
		body   []string
	}{
		{"no address", sendURL, url.Values{"to": {"  "}}, 422, []string{"Enter at least one email address."}},
		{"bad address named", sendURL, url.Values{"to": {"jane@example.com, not-an-address"}}, 422,
			[]string{"“not-an-address” is not a valid email address.", "jane@example.com, not-an-address"}},
		{"bad cc named", sendURL, url.Values{"to": {"jane@example.com"}, "cc": {"boss@"}}, 422, []string{"“boss@” is not a valid email address."}},
		{"expired is refused", "/if/admin/invitations/" + expired.UUID + "/send/", url.Values{"to": {"a@example.com"}}, 422,
			[]string{"This invitation has expired."}},
		{"no flow is refused", "/if/admin/invitations/" + noFlow.UUID + "/send/", url.Values{"to": {"a@example.com"}}, 422,
			[]string{"This invitation has no flow"}},
		{"two addresses", sendURL, url.Values{"to": {"jane@example.com\nbob@example.com"}}, 303, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b.post(t, tc.path, tc.form).expect(t, tc.status, "", tc.body...)
		})
	}
	msgs, err := f.st.ListOutbox(ctx, 10)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("want 2 queued emails, got %d (%v)", len(msgs), err)
	}
	if ev := f.events(t, "invitation_sent"); len(ev) != 1 || ev[0].User["username"] != "admin" {
		t.Fatalf("want one invitation_sent event by admin, got %+v", ev)
	}

	row := "/if/admin/invitations/?search=jane&open=" + inv.UUID
	t.Run("row shows the queued emails, expanded", func(t *testing.T) {
		r := b.get(t, row)
		r.expect(t, 200, "", `id="inv-`+inv.UUID+`" open`, "jane@example.com", "bob@example.com", "Waiting for the mail worker", ">queued<")
		if strings.Contains(r.body, "email failed") {
			t.Fatal("queued emails flagged as failed")
		}
	})

	t.Run("a failed delivery is visible with its error", func(t *testing.T) {
		down := mailtest.Start(t, mailtest.Options{Reject: true})
		deliverOnce(t, f, down, 1)
		r := b.get(t, row)
		r.expect(t, 200, "", ">failed<", "Gave up after attempt 1: ", "451", "email failed")
		if len(f.events(t, "email_failed")) != 2 {
			t.Fatal("want two email_failed events")
		}
	})

	t.Run("a delivered email shows as sent", func(t *testing.T) {
		b.post(t, sendURL, url.Values{"to": {"carol@example.com"}}).expect(t, 303, "/if/admin/invitations/")
		up := mailtest.Start(t, mailtest.Options{})
		deliverOnce(t, f, up, 1)
		got := up.Wait(t, 1, 5*time.Second)
		if !strings.Contains(got[0].Text, "itoken="+inv.UUID) || got[0].To[0] != "carol@example.com" {
			t.Fatalf("delivered email lacks the link: %+v", got[0])
		}
		b.get(t, row).expect(t, 200, "", "carol@example.com", ">sent<", "Delivered ")
	})
}
