package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/usher-id/usher/internal/http/console"
	"github.com/usher-id/usher/internal/store"
)

func TestShellRouting(t *testing.T) {
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	alice := f.user(t, "alice", store.UserTypeInternal, false)
	ext := f.user(t, "ext", store.UserTypeExternal, false)

	tests := []struct {
		name   string
		as     *store.User
		path   string
		status int
		loc    string
		body   []string
	}{
		{"anonymous root goes to the authentication flow", nil, "/", 302, "/if/flow/default-authentication-flow/?next=%2F", nil},
		{"anonymous admin keeps next", nil, "/if/admin/invitations/?page=2", 302,
			"/if/flow/default-authentication-flow/?next=" + url.QueryEscape("/if/admin/invitations/?page=2"), nil},
		{"internal user root", &alice, "/", 302, "/if/user/", nil},
		{"internal user page", &alice, "/if/user/", 200, "", []string{"My applications", "Change password", "/if/flow/default-invalidation-flow/"}},
		{"non-superuser admin is forbidden", &alice, "/if/admin/", 403, "", []string{"only available to superusers"}},
		{"external user without default application", &ext, "/", 200, "", []string{console.InternalOnlyMessage}},
		{"external user page", &ext, "/if/user/", 200, "", []string{console.InternalOnlyMessage}},
		{"superuser admin overview", &admin, "/if/admin/", 200, "", []string{"Overview", "Flows and Stages", "Directory", "Invitations", "Customization", "System", "Events"}},
		{"unknown invitation", &admin, "/if/admin/invitations/00000000-0000-0000-0000-000000000000/edit/", 404, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.browser(t, tc.as).get(t, tc.path).expect(t, tc.status, tc.loc, tc.body...)
		})
	}

	t.Run("external user with a default application is redirected", func(t *testing.T) {
		ctx := context.Background()
		a := store.Application{Name: "Portal", Slug: "portal", MetaLaunchURL: "https://portal.example.com/", PolicyEngineMode: "any"}
		if err := f.st.CreateApplication(ctx, &a); err != nil {
			t.Fatal(err)
		}
		br := store.Brand{Domain: "127.0.0.1", Default: true, BrandingTitle: "usher", DefaultApplication: &a.UUID}
		if err := f.st.CreateBrand(ctx, &br); err != nil {
			t.Fatal(err)
		}
		b := f.browser(t, &ext)
		b.get(t, "/").expect(t, 302, "/application/launch/portal/")
		b.get(t, "/application/launch/portal/").expect(t, 302, "https://portal.example.com/")
		// A service account opening the admin interface goes there too,
		// not to a 403 (authentik's interface views).
		svc := f.user(t, "svc", store.UserTypeServiceAccount, false)
		f.browser(t, &svc).get(t, "/if/admin/").expect(t, 302, "/application/launch/portal/")
	})
}

func TestStaticAssetsAreFingerprinted(t *testing.T) {
	f := newFixture(t)
	// The stylesheet URL the pages link to carries the content hash.
	u := f.user(t, "ann", store.UserTypeInternal, false)
	page := f.browser(t, &u).get(t, "/if/user/").body
	m := regexp.MustCompile(`href="(/static/web/[0-9a-f]{12}/app\.css)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no fingerprinted stylesheet link in /if/user/:\n%s", page)
	}
	resp, err := http.Get(f.srv.URL + m[1])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("asset %s: %d %q", m[1], resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	resp, _ = http.Get(f.srv.URL + "/static/web/000000000000/app.css")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("stale hash served: %d", resp.StatusCode)
	}
}

func TestUserChangesPassword(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, "alice", store.UserTypeInternal, false)
	b := f.browser(t, &alice)
	tests := []struct {
		name   string
		form   url.Values
		status int
		body   []string
	}{
		{"wrong current password", url.Values{"current_password": {"nope"}, "new_password": {"n1"}, "new_password_repeat": {"n1"}},
			422, []string{"The current password is not correct."}},
		{"repeat differs", url.Values{"current_password": {"pw"}, "new_password": {"n1"}, "new_password_repeat": {"n2"}},
			422, []string{"Passwords don&#39;t match."}},
		{"ok", url.Values{"current_password": {"pw"}, "new_password": {"n1"}, "new_password_repeat": {"n1"}}, 303, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b.post(t, "/if/user/password/", tc.form).expect(t, tc.status, "", tc.body...)
		})
	}
	u, _ := f.st.GetUser(context.Background(), alice.PK)
	if ok, _ := f.app.Passwords.Verify(u.Password, "n1"); !ok {
		t.Fatal("new password not stored")
	}
	if len(f.events(t, "password_set")) != 1 {
		t.Fatal("want one password_set event")
	}
	b.get(t, "/if/user/").expect(t, 200, "", "Your password was changed.")
}
