package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/store"
)

// TestInvitationEmailNotConfigured: with an SMTP server configured the
// invitation row offers Send by email (and Resend for an expired one) and a
// delegate may have the invitation mailed; without one, the row says what
// to set instead of the button, the send form says so and refuses to
// queue anything, and the delegate's form leaves the choice out.
func TestInvitationEmailNotConfigured(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	member := f.user(t, "mia", store.UserTypeInternal, false)
	flow := invitableFlow(t, f, "enroll", true)
	exp := time.Now().Add(48 * time.Hour)
	past := time.Now().Add(-time.Hour)
	inv := store.Invitation{Name: "jane", Expires: &exp, Expiring: true, Flow: &flow.UUID, CreatedBy: admin.PK, Email: "jane@example.com"}
	old := store.Invitation{Name: "old", Expires: &past, Expiring: true, Flow: &flow.UUID, CreatedBy: admin.PK}
	for _, i := range []*store.Invitation{&inv, &old} {
		if err := f.st.CreateInvitation(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	staff := store.Group{Name: "staff"}
	if err := f.st.CreateGroup(ctx, &staff); err != nil {
		t.Fatal(err)
	}
	if err := f.st.AddGroupMember(ctx, staff.UUID, member.PK); err != nil {
		t.Fatal(err)
	}
	if _, err := invitation.Delegate(ctx, f.st, "staff", flow.Slug, 5, 10); err != nil {
		t.Fatal(err)
	}
	b := f.browser(t, &admin)
	mb := f.browser(t, &member)
	sendURL := "/if/admin/invitations/" + inv.UUID + "/send/"
	const notConfigured = "Email is not configured: set USHER_EMAIL__HOST"
	outbox := func() int {
		msgs, err := f.st.ListOutbox(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(msgs)
	}

	t.Run("configured", func(t *testing.T) {
		r := b.get(t, "/if/admin/invitations/")
		r.expect(t, 200, "", `href="`+sendURL+`">Send by email</a>`, ">Resend with a new expiry</a>")
		if strings.Contains(r.body, notConfigured) {
			t.Error("the list says email is not configured")
		}
		mb.get(t, "/if/user/invitations/").expect(t, 200, "", `name="send"`)
	})

	f.app.EmailNotConfigured = true
	t.Run("not configured", func(t *testing.T) {
		r := b.get(t, "/if/admin/invitations/")
		r.expect(t, 200, "", notConfigured)
		if strings.Contains(r.body, ">Send by email</a>") || strings.Contains(r.body, ">Resend with a new expiry</a>") {
			t.Error("the list still offers to send")
		}
		b.get(t, sendURL).expect(t, 200, "", notConfigured)
		before := outbox()
		b.post(t, sendURL, url.Values{"to": {"jane@example.com"}}).expect(t, 422, "", notConfigured)
		b.post(t, "/if/admin/invitations/"+old.UUID+"/send/", url.Values{"to": {"old@example.com"},
			"expires": {time.Now().Add(72 * time.Hour).UTC().Format("2006-01-02T15:04")}}).expect(t, 422, "", notConfigured)
		if n := outbox() - before; n != 0 {
			t.Errorf("%d emails queued without an SMTP server", n)
		}
		if got, _ := f.st.GetInvitation(ctx, old.UUID); got.Expires == nil || got.Expires.After(time.Now()) {
			t.Errorf("the refused resend moved the expiry: %v", got.Expires)
		}

		r = mb.get(t, "/if/user/invitations/")
		r.expect(t, 200, "", "This server does not send email")
		if strings.Contains(r.body, `name="send"`) {
			t.Error("the delegate is offered to send by email")
		}
		mb.post(t, "/if/user/invitations/", url.Values{"email": {"friend@example.com"}, "flow": {flow.UUID}, "send": {"on"}}).expect(t, 303, "")
		if n := outbox() - before; n != 0 {
			t.Errorf("the delegated invitation queued %d emails", n)
		}
		if invs, _, _ := f.st.ListInvitations(ctx, store.InvitationFilter{Search: "friend"}); len(invs) != 1 {
			t.Errorf("delegated invitation not created: %d", len(invs))
		}
	})
}
