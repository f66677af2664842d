package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// send_email/ without an SMTP server configured is a 400 in authentik's
// {"error": msg} shape that says what to set, and queues nothing (and
// does not move the expiry); with one configured the same call queues
// the email (both databases).
func TestSendEmailNotConfigured(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b.Open(t), func(a *app.App) { a.EmailNotConfigured = true })
			ctx := context.Background()
			flow := store.Flow{Name: "E", Slug: "enroll", Title: "E", Designation: "enrollment", Authentication: "none",
				Layout: "stacked", PolicyEngineMode: "any", DeniedAction: "message_continue"}
			must(t, e.store.CreateFlow(ctx, &flow))
			inv := store.Invitation{Name: "bound", Expiring: true, CreatedBy: e.admin.PK, Flow: &flow.UUID, FixedData: map[string]any{}}
			must(t, e.store.CreateInvitation(ctx, &inv))
			u := "/api/v3/stages/invitation/invitations/" + inv.UUID + "/send_email/"
			body := map[string]any{"email_addresses": []string{"a@example.com"}, "expires": "2099-01-01T00:00:00Z"}

			status, m, raw := e.do("POST", u, body, e.adminKey)
			if msg, _ := m["error"].(string); status != 400 || !strings.HasPrefix(msg, "Email is not configured: set USHER_EMAIL__HOST") {
				t.Fatalf("not configured: %d %s", status, raw)
			}
			if out, err := e.store.ListOutbox(ctx, 10); err != nil || len(out) != 0 {
				t.Fatalf("queued %d messages without an SMTP server (%v)", len(out), err)
			}
			if got, _ := e.store.GetInvitation(ctx, inv.UUID); got.Expires != nil {
				t.Fatalf("the refused call moved the expiry to %v", got.Expires)
			}

			e.app.EmailNotConfigured = false
			if status, _, raw := e.do("POST", u, body, e.adminKey); status != 204 {
				t.Fatalf("configured: %d %s", status, raw)
			}
			if out, err := e.store.ListOutbox(ctx, 10); err != nil || len(out) != 1 {
				t.Fatalf("configured: %d messages queued (%v)", len(out), err)
			}
		})
	}
}
