package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// TestInvitationSendWithoutEmail: with no SMTP server configured (no
// USHER_EMAIL__HOST or PORT here, and no server with one has run on the
// database) --send is refused with what to set and nothing is created;
// once a server that has SMTP settings records so, the same command from
// a shell without them queues the email.
func TestInvitationSendWithoutEmail(t *testing.T) {
	c := newInvitationCLI(t)
	var env []string
	for _, kv := range c.env {
		if !strings.HasPrefix(kv, "USHER_EMAIL__") {
			env = append(env, kv)
		}
	}
	c.env = env
	args := []string{"invitation", "create", "--name", "jane", "--flow", "enroll", "--email", "jane@example.com", "--send", "--as", "ada"}
	code, out, errs := c.run("", args...)
	if code != 1 || !strings.Contains(errs, "Email is not configured: set USHER_EMAIL__HOST") || out != "" {
		t.Fatalf("create --send without email: exit %d\n%s%s", code, out, errs)
	}
	ctx := context.Background()
	st := c.store()
	if invs, n, err := st.ListInvitations(ctx, store.InvitationFilter{}); err != nil || n != 0 {
		t.Fatalf("refused create left %d invitations (%v): %+v", n, err, invs)
	}
	// Without --send the link is printed as usual.
	if out := c.ok("invitation", "create", "--name", "link-only", "--flow", "enroll", "--as", "ada"); !strings.Contains(out, "?itoken=") {
		t.Fatalf("create without --send: %q", out)
	}

	if err := st.SetSetting(ctx, settingServerEmail, emailConfigured); err != nil {
		t.Fatal(err)
	}
	c.ok(args...)
	msgs, err := st.ListOutbox(ctx, 10)
	if err != nil || len(msgs) != 1 || !strings.Contains(string(msgs[0].Payload), "jane@example.com") {
		t.Fatalf("queued emails: %+v %v", msgs, err)
	}
}
