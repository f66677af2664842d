package console_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/usher-id/usher/internal/browsertest"
	"github.com/usher-id/usher/internal/store"
)

// step runs actions with their own timeout, so a missing element fails fast.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "admin-"+name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserInvitationWalkthrough signs in as a superuser (session cookie),
// creates an invitation in the console, expands its row and copies the link,
// taking a screenshot of every admin page on the way.
func TestBrowserInvitationWalkthrough(t *testing.T) {
	browser := browsertest.Start(t)
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	flow := invitableFlow(t, f, "invitation-enrollment", true)
	invitableFlow(t, f, "no-invitation-flow", false)
	_, cookie := f.session(t, admin.PK)
	dir := browsertest.ArtifactsDir(t)
	ctx, cancel := context.WithTimeout(browser, 2*time.Minute)
	defer cancel()
	base := f.srv.URL
	// Set the session cookie from a page on the same origin.
	step(t, ctx, "set cookie", chromedp.Navigate(base+"/if/admin/nothing-here/"),
		chromedp.Evaluate[chromedp.Void](`document.cookie = "authentik_session=`+cookie.Value+`; path=/"`))

	pages := []struct{ name, path, wait string }{
		{"overview", "/if/admin/", "h1"},
		{"flows", "/if/admin/flows/", "table"},
		{"flow-stage-bindings", "/if/admin/flows/invitation-enrollment/bindings/", ".flow-order"},
		{"flow-import", "/if/admin/flows/import/", "input[type=file]"},
		{"stages", "/if/admin/stages/", "table"},
		{"stage-types", "/if/admin/stages/new/", ".type-list"},
		{"stage-user-write-form", "/if/admin/stages/new/?type=user_write", "form"},
		{"prompts", "/if/admin/prompts/", "table"},
		{"users", "/if/admin/users/", "table"},
		{"groups", "/if/admin/groups/", "table"},
		{"applications", "/if/admin/applications/", "table"},
		{"brands", "/if/admin/brands/", "table"},
		{"policies", "/if/admin/policies/", "table"},
		{"blueprints", "/if/admin/blueprints/", "table"},
	}
	for _, p := range pages {
		step(t, ctx, p.name, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
		shot(t, ctx, dir, p.name)
	}

	// Directory > Invitations > Create.
	step(t, ctx, "open invitations", chromedp.Navigate(base+"/if/admin/invitations/"), chromedp.WaitVisible(chromedp.CSS("h1")))
	step(t, ctx, "click Create", chromedp.Click(chromedp.Search(`//a[normalize-space(text())='Create']`)),
		chromedp.WaitVisible(chromedp.CSS("#f-name")))
	shot(t, ctx, dir, "invitation-create")
	step(t, ctx, "fill form",
		chromedp.SendKeys(chromedp.CSS("#f-name"), "jane-invite"),
		chromedp.SetValue(chromedp.CSS("#f-flow"), flow.UUID),
		chromedp.SetValue(chromedp.CSS("#f-fixed_data"), "name: Jane Smith\nemail: jane.smith@company.com\n"),
		chromedp.Click(chromedp.Search(`//button[normalize-space(text())='Create']`)),
		chromedp.WaitVisible(chromedp.CSS(".xitem")))
	shot(t, ctx, dir, "invitations")

	inv, n, err := f.st.ListInvitations(context.Background(), store.InvitationFilter{Limit: 5})
	if err != nil || n != 1 || inv[0].Name != "jane-invite" || !inv[0].SingleUse() {
		t.Fatalf("invitation not created as expected: %+v %v", inv, err)
	}
	link := base + "/if/flow/invitation-enrollment/?itoken=" + inv[0].UUID

	// The new invitation comes back first and expanded to its link, which
	// the success message repeats.
	step(t, ctx, "see the new row open", chromedp.WaitVisible(chromedp.CSS(".xitem[open] input.link")))
	flashText, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll(".flash.ok")).map(e => e.innerText).join(" ")`))
	if err != nil || !strings.Contains(flashText, "Invitation jane-invite created.") || !strings.Contains(flashText, link) {
		t.Errorf("success message %q lacks the name or the link %s", flashText, link)
	}
	shot(t, ctx, dir, "invitation-expanded")
	got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(".xitem[open] input.link")))
	if err != nil || got != link {
		t.Fatalf("link %q (%v), want %q", got, err, link)
	}

	// Copy: record what the page writes to the clipboard.
	step(t, ctx, "stub clipboard", chromedp.Evaluate[chromedp.Void](`Object.defineProperty(navigator, "clipboard",
		{value: {writeText: function (t) { window.__copied = t; return Promise.resolve(); }}, configurable: true})`))
	step(t, ctx, "click Copy", chromedp.Click(chromedp.CSS(".xitem[open] button.copy")),
		chromedp.WaitVisible(chromedp.CSS(".xitem[open] button.copy.done")))
	copied, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.__copied`))
	if err != nil || copied != link {
		t.Fatalf("copied %q (%v), want %q", copied, err, link)
	}
	label, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".xitem[open] button.copy")))
	if !strings.Contains(label, "Copied") {
		t.Fatalf("copy button says %q", label)
	}

	// Send by email from the expanded row: the row comes back open with
	// the queued message.
	step(t, ctx, "click Send by email", chromedp.Click(chromedp.Search(`//details[@open]//a[normalize-space(text())='Send by email']`)),
		chromedp.WaitVisible(chromedp.CSS("#f-to")))
	step(t, ctx, "send", chromedp.SetValue(chromedp.CSS("#f-to"), "jane.smith@company.com"),
		chromedp.Click(chromedp.Search(`//button[normalize-space(text())='Send']`)),
		chromedp.WaitVisible(chromedp.CSS(".xitem[open] table.emails")))
	shot(t, ctx, dir, "invitation-sent")
	if ids, err := f.st.ListOutbox(context.Background(), 5); err != nil || len(ids) != 1 {
		t.Fatalf("want one queued email, got %d (%v)", len(ids), err)
	}

	// Customization > Policies: create a policy, then test it.
	step(t, ctx, "new policy", chromedp.Navigate(base+"/if/admin/policies/new/"), chromedp.WaitVisible(chromedp.CSS("#f-expression")),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "company-only"),
		chromedp.SetValue(chromedp.CSS("#f-expression"), "ak_message('checked ' + request.user.username)\nreturn context.get('email', '').endswith('@company.com')\n"),
		chromedp.Click(chromedp.Search(`//button[normalize-space(text())='Create']`)),
		chromedp.WaitVisible(chromedp.Search(`//a[normalize-space(text())='Test']`)))
	shot(t, ctx, dir, "policies-after-create")
	step(t, ctx, "test policy", chromedp.Click(chromedp.Search(`//a[normalize-space(text())='Test']`)),
		chromedp.WaitVisible(chromedp.CSS("#f-context")),
		chromedp.SetValue(chromedp.CSS("#f-context"), "email: jane@company.com\n"),
		chromedp.Click(chromedp.Search(`//button[normalize-space(text())='Run test']`)),
		chromedp.WaitVisible(chromedp.CSS(".test-result")))
	shot(t, ctx, dir, "policy-test")
	result, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".test-result")))
	msgs, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("ul.messages")))
	if !strings.HasPrefix(strings.TrimSpace(result), "Passing") || !strings.Contains(msgs, "checked admin") {
		t.Fatalf("test result %q, messages %q", result, msgs)
	}
	step(t, ctx, "flow policy bindings", chromedp.Navigate(base+"/if/admin/flows/invitation-enrollment/policies/new/"),
		chromedp.WaitVisible(chromedp.CSS("#f-policy")))
	shot(t, ctx, dir, "policy-binding-form")

	// Events show the invitation's creation; the user interface renders.
	step(t, ctx, "events", chromedp.Navigate(base+"/if/admin/events/"), chromedp.WaitVisible(chromedp.CSS("table")))
	shot(t, ctx, dir, "events")
	step(t, ctx, "user interface", chromedp.Navigate(base+"/if/user/"), chromedp.WaitVisible(chromedp.CSS("h1")))
	shot(t, ctx, dir, "user-interface")
	step(t, ctx, "phone width", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/if/admin/invitations/"),
		chromedp.WaitVisible(chromedp.CSS(".xitem")))
	shot(t, ctx, dir, "invitations-phone")
}
