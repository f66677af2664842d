package console_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/usher-id/usher/internal/browsertest"
	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/store"
)

// TestBrowserInvitationGroupsAndDelegation: in Chromium, an administrator
// creates an invitation with a group from the console's picker, and a
// member of a delegated group invites someone from /if/user/invitations/.
func TestBrowserInvitationGroupsAndDelegation(t *testing.T) {
	f := newFixture(t)
	bg := context.Background()
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	member := f.user(t, "mia", store.UserTypeInternal, false)
	flow := invitableFlow(t, f, "invitation-enrollment", true)
	staff := store.Group{Name: "staff"}
	if err := f.st.CreateGroup(bg, &staff); err != nil {
		t.Fatal(err)
	}
	if err := f.st.AddGroupMember(bg, staff.UUID, member.PK); err != nil {
		t.Fatal(err)
	}
	if _, err := invitation.Delegate(bg, f.st, "staff", flow.Slug, 2, 10); err != nil {
		t.Fatal(err)
	}
	dir := browsertest.ArtifactsDir(t)
	ctx, cancel := context.WithCancel(bg)
	defer func() { cancel() }()
	base := f.srv.URL
	signIn := func(u store.User) {
		// A fresh browser per user: the session cookie is HttpOnly.
		cancel()
		ctx, cancel = context.WithTimeout(browsertest.Start(t), 2*time.Minute)
		_, cookie := f.session(t, u.PK)
		step(t, ctx, "set cookie", chromedp.Navigate(base+"/if/admin/nothing-here/"),
			chromedp.Evaluate[chromedp.Void](`document.cookie = "authentik_session=`+cookie.Value+`; path=/"`))
	}

	signIn(admin)
	step(t, ctx, "open create form", chromedp.Navigate(base+"/if/admin/invitations/"),
		chromedp.Click(chromedp.Search(`//a[normalize-space(text())='Create']`)), chromedp.WaitVisible(chromedp.CSS("#f-groups")))
	step(t, ctx, "fill and create",
		chromedp.SendKeys(chromedp.CSS("#f-name"), "with-group"),
		chromedp.SetValue(chromedp.CSS("#f-flow"), flow.UUID),
		chromedp.SetValue(chromedp.CSS("#f-groups"), staff.UUID),
		chromedp.Click(chromedp.Search(`//button[normalize-space(text())='Create']`)),
		chromedp.WaitVisible(chromedp.CSS(".xitem")))
	shot(t, ctx, dir, "invitation-with-group")
	invs, _, err := f.st.ListInvitations(bg, store.InvitationFilter{Name: "with-group"})
	if err != nil || len(invs) != 1 {
		t.Fatalf("invitation: %v %v", invs, err)
	}
	groups, err := f.st.InvitationGroups(bg, []string{invs[0].UUID})
	if err != nil || len(groups[invs[0].UUID]) != 1 || groups[invs[0].UUID][0].UUID != staff.UUID {
		t.Fatalf("groups of the invitation: %+v %v", groups, err)
	}

	signIn(member)
	step(t, ctx, "account page links to invitations", chromedp.Navigate(base+"/if/user/"),
		chromedp.Click(chromedp.Search(`//a[normalize-space(text())='Invite people']`)), chromedp.WaitVisible(chromedp.CSS("#f-email")))
	step(t, ctx, "invite", chromedp.SendKeys(chromedp.CSS("#f-email"), "friend@example.com"),
		chromedp.Click(chromedp.Search(`//button[normalize-space(text())='Invite']`)),
		chromedp.WaitVisible(chromedp.CSS("input.link")))
	shot(t, ctx, dir, "user-invitations")
	mine, _, err := f.st.ListInvitations(bg, store.InvitationFilter{CreatedByUsername: "mia"})
	if err != nil || len(mine) != 1 || mine[0].Email != "friend@example.com" || !mine[0].SingleUse() {
		t.Fatalf("delegated invitation: %+v %v", mine, err)
	}
}
