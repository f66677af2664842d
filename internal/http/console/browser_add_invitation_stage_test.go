package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/usher-id/usher/internal/browsertest"
	"github.com/usher-id/usher/internal/store"
)

// TestBrowserAddInvitationStage walks the Example - Enrollment (2 Stage)
// case in Chromium: an invitation to an enrollment flow without an
// invitation stage is refused; the administrator clicks Add an invitation
// stage to this flow on the flow's warning; the same link then opens the
// enrollment form, and the bare flow URL no longer lets anyone enroll.
func TestBrowserAddInvitationStage(t *testing.T) {
	f := newFixture(t)
	bg := context.Background()
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	flow := invitableFlow(t, f, "open-enrollment", false)
	inv := store.Invitation{Name: "jane", Flow: &flow.UUID, CreatedBy: admin.PK}
	if err := f.st.CreateInvitation(bg, &inv); err != nil {
		t.Fatal(err)
	}
	link := f.srv.URL + "/if/flow/open-enrollment/?itoken=" + inv.UUID
	text := func(ctx context.Context) string {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	invitee, cancel := context.WithTimeout(browsertest.Start(t), time.Minute)
	defer cancel()
	step(t, invitee, "open the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("main")))
	if s := text(invitee); !strings.Contains(s, "this page does not accept invitations") {
		t.Fatalf("before the fix the link shows:\n%s", s)
	}

	ctx, cancelAdmin := context.WithTimeout(browsertest.Start(t), time.Minute)
	defer cancelAdmin()
	_, cookie := f.session(t, admin.PK)
	step(t, ctx, "set cookie", chromedp.Navigate(f.srv.URL+"/if/admin/nothing-here/"),
		chromedp.Evaluate[chromedp.Void](`document.cookie = "authentik_session=`+cookie.Value+`; path=/"`))
	step(t, ctx, "add the stage", chromedp.Navigate(f.srv.URL+"/if/admin/flows/open-enrollment/bindings/"),
		chromedp.Click(chromedp.Search(`//button[normalize-space(text())='Add an invitation stage to this flow']`)),
		chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
	if s := text(ctx); !strings.Contains(s, "Invitation stage open-enrollment-invitation added first in this flow") ||
		strings.Contains(s, "has no invitation stage") {
		t.Fatalf("after the click the page shows:\n%s", s)
	}

	step(t, invitee, "open the link again", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`input[name="name"]`)))
	step(t, invitee, "open the bare flow URL", chromedp.Navigate(f.srv.URL+"/if/flow/open-enrollment/"),
		chromedp.WaitVisible(chromedp.CSS("main")))
	if s := text(invitee); !strings.Contains(s, "You need an invitation to enroll here") {
		t.Fatalf("the bare flow URL shows:\n%s", s)
	}
}
