package console_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/usher-id/usher/internal/browsertest"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// The provider page's Copy button (the console's small script) copies the
// client secret; without the script the secret is a selectable read-only
// field (the other tests read it from the HTML).
func TestBrowserProviderCopySecret(t *testing.T) {
	browser := browsertest.Start(t)
	f, implicit := oidcFixture(t, storetest.Backend{Name: "sqlite", Open: storetest.OpenSQLite})
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	p := store.OAuth2Provider{Name: "Wiki provider", AuthorizationFlow: implicit.UUID, ClientType: "confidential",
		ClientID: "wiki-client", ClientSecret: "the-secret-to-copy", AccessCodeValidity: "minutes=1",
		AccessTokenValidity: "hours=1", RefreshTokenValidity: "days=30", SubMode: "hashed_user_id",
		IssuerMode: "per_provider", RedirectURIs: []store.RedirectURI{}, PropertyMappings: []string{},
		GrantTypes: []string{"authorization_code"}}
	if err := f.st.CreateOAuth2Provider(context.Background(), &p); err != nil {
		t.Fatal(err)
	}
	_, cookie := f.session(t, admin.PK)
	dir := browsertest.ArtifactsDir(t)
	ctx, cancel := context.WithTimeout(browser, time.Minute)
	defer cancel()
	base := f.srv.URL
	// A page that sets no cookie of its own (the login page would, HttpOnly).
	step(t, ctx, "set cookie", chromedp.Navigate(base+"/if/flow/-/static/flow.css"),
		chromedp.Evaluate[chromedp.Void](`document.cookie = "authentik_session=`+cookie.Value+`; path=/"`))
	step(t, ctx, "provider page", chromedp.Navigate(base+"/if/admin/providers/"+strconv.FormatInt(p.PK, 10)+"/"),
		chromedp.WaitVisible(chromedp.CSS("button.copy[data-copy='the-secret-to-copy']")))
	shot(t, ctx, dir, "provider")
	step(t, ctx, "stub clipboard", chromedp.Evaluate[chromedp.Void](`Object.defineProperty(navigator, "clipboard",
		{value: {writeText: function (t) { window.__copied = t; return Promise.resolve(); }}, configurable: true})`))
	step(t, ctx, "click Copy", chromedp.Click(chromedp.CSS("button.copy[data-copy='the-secret-to-copy']")),
		chromedp.WaitVisible(chromedp.CSS("button.copy.done")))
	copied, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.__copied`))
	if err != nil || copied != "the-secret-to-copy" {
		t.Fatalf("copied %q (%v)", copied, err)
	}
}
