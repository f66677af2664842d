package console_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// An expired invitation is resent with a new expiry from its Send form: one
// email queued, the expiry moved, and the expanded row's history says so.
// A new expiry in the past is refused on the field and queues nothing.
func TestInvitationResendWithNewExpiry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	flow := invitableFlow(t, f, "enroll", true)
	b := f.browser(t, &admin)
	old := time.Now().Add(-time.Hour)
	inv := store.Invitation{Name: "late", Expires: &old, Expiring: true, Flow: &flow.UUID, CreatedBy: admin.PK, Email: "late@example.com"}
	if err := f.st.CreateInvitation(ctx, &inv); err != nil {
		t.Fatal(err)
	}
	row := "/if/admin/invitations/?search=late&open=" + inv.UUID
	b.get(t, "/if/admin/invitations/?search=late").expect(t, 200, "", "Resend with a new expiry", "Show the history")
	sendURL := "/if/admin/invitations/" + inv.UUID + "/send/"
	b.post(t, sendURL, url.Values{"to": {"late@example.com"}}).expect(t, 422, "", "This invitation has expired.")
	b.post(t, sendURL, url.Values{"to": {"late@example.com"}, "expires": {"2001-01-01T00:00"}}).
		expect(t, 422, "", "The new expiry must be in the future.")
	if msgs, _ := f.st.ListOutbox(ctx, 10); len(msgs) != 0 {
		t.Fatalf("refused sends queued %d emails", len(msgs))
	}
	b.post(t, sendURL, url.Values{"to": {"late@example.com"}, "expires": {"2031-02-03T04:05"}}).expect(t, 303, "")
	msgs, err := f.st.ListOutbox(ctx, 10)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("want 1 queued email, got %d (%v)", len(msgs), err)
	}
	got, err := f.st.GetInvitation(ctx, inv.UUID)
	if err != nil || got.Expires == nil || got.Expires.UTC().Format("2006-01-02T15:04") != "2031-02-03T04:05" || got.Status(time.Now()) != store.InvitationActive {
		t.Fatalf("after resend: %+v, %v", got, err)
	}
	b.get(t, row).expect(t, 200, "", "<h3>History</h3>", "<td>Expiry moved</td><td>admin</td>", "<td>Email queued</td>", "late@example.com")
}
