package invitation_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
	"github.com/usher-id/usher/internal/worker/mail"
	"github.com/usher-id/usher/internal/worker/mail/mailtest"
	"github.com/usher-id/usher/internal/worker/outbox"
)

// send_email/ with "expires" moves the expiry and queues exactly one email,
// which arrives naming the new expiry; a past expiry is a 400 on
// "expires" that queues nothing and moves nothing. The history lists it all.
func TestInvitationResendScenario(t *testing.T) {
	testapp.ForEachBackend(t, func(t *testing.T, e *testapp.Env) {
		ctx := context.Background()
		api := adminAPI(t, e)
		flow := e.Fixture.Flows["invitation-enrollment-flow-internal"]
		status, body := api.do("POST", invitationsPath, map[string]any{"name": "late", "flow": flow.UUID,
			"email": "late@example.com", "expires": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
		if status != http.StatusCreated {
			t.Fatalf("create: %d %v", status, body)
		}
		pk := body["pk"].(string)
		sendURL := invitationsPath + pk + "/send_email/"

		past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		status, body = api.do("POST", sendURL, map[string]any{"email_addresses": []string{"late@example.com"}, "expires": past})
		if status != http.StatusBadRequest || body["expires"] == nil {
			t.Fatalf("past expiry: %d %v", status, body)
		}
		if msgs, _ := e.Store.ListOutbox(ctx, 10); len(msgs) != 0 {
			t.Fatalf("a refused resend queued %d emails", len(msgs))
		}

		newExp := "2031-02-03T04:05:00Z"
		status, body = api.do("POST", sendURL, map[string]any{"email_addresses": []string{"late@example.com"}, "expires": newExp})
		if status != http.StatusNoContent {
			t.Fatalf("resend: %d %v", status, body)
		}
		inv, err := e.Store.GetInvitation(ctx, pk)
		must(t, err)
		if inv.Expires == nil || inv.Expires.UTC().Format(time.RFC3339) != newExp {
			t.Errorf("expires = %v, want %s", inv.Expires, newExp)
		}
		msgs, err := e.Store.ListOutbox(ctx, 10)
		must(t, err)
		if len(msgs) != 1 {
			t.Fatalf("%d emails queued, want exactly 1", len(msgs))
		}
		// The mail worker delivers it to a real SMTP server.
		srv := mailtest.Start(t, mailtest.Options{})
		d, err := mail.NewDeliverer(srv.Config(), "")
		must(t, err)
		w := &outbox.Worker{Store: e.Store, Log: slog.New(slog.DiscardHandler)}
		d.Register(w)
		_, err = w.RunOnce(ctx)
		must(t, err)
		got := srv.Wait(t, 1, 5*time.Second)
		if len(got) != 1 || got[0].To[0] != "late@example.com" || !strings.Contains(got[0].Text, "2031-02-03 04:05 UTC") ||
			!strings.Contains(got[0].Text, "itoken="+pk) {
			t.Fatalf("received %+v", got)
		}

		hist, err := invitation.History(ctx, e.Store, inv, 0)
		must(t, err)
		var whats []string
		for _, h := range hist {
			whats = append(whats, h.What)
		}
		if strings.Join(whats, ",") != "Created,Expiry moved,Email queued,Email delivered" {
			t.Errorf("history = %v", whats)
		}
		if hist[1].By != "akadmin" || !strings.Contains(hist[1].Detail, "2031-02-03T04:05:00") {
			t.Errorf("expiry entry = %+v", hist[1])
		}

		// Revoked: no new expiry, no email.
		_, err = invitation.Revoke(ctx, testapp.NewApp(t, e.Store), e.Store, &e.Fixture.Admin, pk)
		must(t, err)
		status, body = api.do("POST", sendURL, map[string]any{"email_addresses": []string{"late@example.com"}, "expires": newExp})
		if status != http.StatusBadRequest || body["expires"] == nil {
			t.Errorf("revoked: %d %v", status, body)
		}
		if n, _, _ := e.Store.ListInvitations(ctx, store.InvitationFilter{Name: "late"}); len(n) != 1 {
			t.Errorf("invitation gone")
		}
	})
}
