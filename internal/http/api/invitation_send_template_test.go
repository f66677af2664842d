package api_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// send_email/ with a template that does not exist (a path, an unknown
// name) is a 400 naming "template" and listing the templates there are,
// and queues nothing; existing ones, including an override directory's
// own, are accepted in every spelling authentik uses.
func TestSendEmailTemplateName(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "email"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "email", "welcome.txt"), []byte("Hello {{.url}}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b.Open(t), func(a *app.App) { a.TemplatesDir = dir })
			ctx := context.Background()
			flow := store.Flow{Name: "E", Slug: "enroll", Title: "E", Designation: "enrollment", Authentication: "none",
				Layout: "stacked", PolicyEngineMode: "any", DeniedAction: "message_continue"}
			must(t, e.store.CreateFlow(ctx, &flow))
			inv := store.Invitation{Name: "bound", Expiring: true, CreatedBy: e.admin.PK, Flow: &flow.UUID, FixedData: map[string]any{}}
			must(t, e.store.CreateInvitation(ctx, &inv))
			u := "/api/v3/stages/invitation/invitations/" + inv.UUID + "/send_email/"
			to := []string{"a@example.com"}

			for _, bad := range []string{"../../etc/passwd", "/etc/passwd", "email/../../../etc/passwd.html",
				"nosuch", "Invitation", "invitation\x00", "..", "email/welcome.txt/..", strings.Repeat("a", 300)} {
				status, m, raw := e.do("POST", u, map[string]any{"email_addresses": to, "template": bad}, e.adminKey)
				if status != 400 {
					t.Fatalf("template %q: status %d, want 400: %s", bad, status, raw)
				}
				msgs, _ := m["template"].([]any)
				if len(msgs) != 1 {
					t.Fatalf("template %q: body %s does not name template", bad, raw)
				}
				msg, _ := msgs[0].(string)
				if !strings.Contains(msg, "account_confirmation, email_otp, invitation, password_reset, welcome") || strings.Contains(msg, "root:") {
					t.Errorf("template %q: message %q does not list the templates", bad, msg)
				}
			}
			if out, err := e.store.ListOutbox(ctx, 10); err != nil || len(out) != 0 {
				t.Fatalf("refused requests queued %d messages (%v)", len(out), err)
			}

			for _, good := range []string{"", "invitation", "email/invitation.html", "email/invitation.txt", "welcome", "email/welcome.txt"} {
				if status, _, raw := e.do("POST", u, map[string]any{"email_addresses": to, "template": good}, e.adminKey); status != 204 {
					t.Errorf("template %q: status %d, want 204: %s", good, status, raw)
				}
			}
		})
	}
}
