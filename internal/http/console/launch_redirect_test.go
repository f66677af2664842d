package console_test

import (
	"context"
	"testing"

	"github.com/usher-id/usher/internal/httpx/httpxtest"
	"github.com/usher-id/usher/internal/store"
)

// A launch URL is an administrator's absolute http(s) URL or a path that the
// redirect check accepts, sent exactly as checked: "/a/../\evil.example"
// passed the old prefix check and http.Redirect cleaned it into
// "/\evil.example", another origin for a browser.
func TestLaunchURLStaysOnSiteOrIsAbsolute(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, "alice", store.UserTypeInternal, false)
	ctx := context.Background()
	cases := []struct{ launch, loc string }{
		{"/a/../\\evil.example", ""},
		{"/./\\evil.example", ""},
		{"/a/..//\\evil.example", ""},
		{"/%2e%2e/x", ""},
		{"//evil.example", ""},
		{"/\t/evil.example", ""},
		{"JaVaScRiPt:alert(1)", ""},
		{"https:\\\\evil.example", ""},
		{"/a/../if/user/", "/if/user/"},
		{"HTTPS://portal.example.com/x", "https://portal.example.com/x"},
	}
	for i, tc := range cases {
		slug := "app" + string(rune('a'+i))
		a := store.Application{Name: slug, Slug: slug, MetaLaunchURL: tc.launch, PolicyEngineMode: "any"}
		if err := f.st.CreateApplication(ctx, &a); err != nil {
			t.Fatal(err)
		}
		r := f.browser(t, &alice).get(t, "/application/launch/"+slug+"/")
		if tc.loc == "" {
			r.expect(t, 404, "", "has no usable launch URL")
			continue
		}
		r.expect(t, 302, tc.loc)
		if httpxtest.BrowserLeaves(tc.loc) != (tc.loc[0] != '/') {
			t.Errorf("launch %q: Location %q", tc.launch, tc.loc)
		}
	}
}
