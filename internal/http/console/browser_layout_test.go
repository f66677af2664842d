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

// TestBrowserAdminLayout: at 1280 px the users table stays inside its card
// (long addresses and paths wrap or scroll within it), and at phone width
// tables keep their column headers (the invitations list names the column
// in each cell).
func TestBrowserAdminLayout(t *testing.T) {
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	for _, name := range []string{"a-very-long-username-for-layout", "another-quite-long-username"} {
		u := store.User{Username: name, Name: "Someone With A Rather Long Display Name", IsActive: true,
			Email: name + "@a-long-subdomain.department.example-company.com", Type: store.UserTypeExternal,
			Path: "users/external/partners/europe/long-path-segment"}
		if err := f.st.CreateUser(context.Background(), &u); err != nil {
			t.Fatal(err)
		}
	}
	flow := invitableFlow(t, f, "invitation-enrollment", true)
	inv := store.Invitation{Name: "layout", Flow: &flow.UUID, CreatedBy: admin.PK}
	if err := f.st.CreateInvitation(context.Background(), &inv); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(browsertest.Start(t), time.Minute)
	defer cancel()
	_, cookie := f.session(t, admin.PK)
	base := f.srv.URL
	step(t, ctx, "set cookie", chromedp.Navigate(base+"/if/admin/nothing-here/"),
		chromedp.Evaluate[chromedp.Void](`document.cookie = "authentik_session=`+cookie.Value+`; path=/"`))
	step(t, ctx, "users at 1280", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/if/admin/users/"),
		chromedp.WaitVisible(chromedp.CSS("table.users")))
	fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const card = document.querySelector("section.card.grow").getBoundingClientRect();
		const scroller = document.querySelector(".table-scroll").getBoundingClientRect();
		return scroller.right <= card.right + 0.5 && document.documentElement.scrollWidth <= window.innerWidth;
	})()`))
	if err != nil || !fits {
		t.Fatalf("users table overflows its card at 1280 px (%v)", err)
	}
	// At phone width a plain table scrolls sideways inside its card and
	// keeps its header row; the invitations list names each cell's column
	// instead of a header row that does not fit.
	step(t, ctx, "users at phone width", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/if/admin/users/"),
		chromedp.WaitVisible(chromedp.CSS("table.users")))
	head, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const th = document.querySelector("table.users thead th");
		return getComputedStyle(th).display !== "none" && th.getBoundingClientRect().height > 0 &&
			document.documentElement.scrollWidth <= window.innerWidth;
	})()`))
	if err != nil || !head {
		t.Fatalf("users table lost its headers or widened the page at phone width (%v)", err)
	}
	step(t, ctx, "invitations at phone width", chromedp.Navigate(base+"/if/admin/invitations/"),
		chromedp.WaitVisible(chromedp.CSS(".xtable")))
	label, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const cell = document.querySelector(".xrow:not(.xhead) > span[data-label]");
		return cell ? getComputedStyle(cell, "::before").content : "no cell";
	})()`))
	if err != nil || !strings.Contains(label, ":") {
		t.Fatalf("invitation cells do not name their column at phone width: %q (%v)", label, err)
	}
}
