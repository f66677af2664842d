package flowpage_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/testapp"
)

var bg = context.Background()

func values(username string) map[string]any {
	return map[string]any{"username": username, "password": "s3cret-Passw0rd", "password_repeat": "s3cret-Passw0rd",
		"name": "Page Person", "email": username + "@example.org"}
}

func mustContain(t *testing.T, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

// TestEnrollmentPages walks each example flow in the browser pages, as
// printed in the invitation link, with JavaScript off.
func TestEnrollmentPages(t *testing.T) {
	cases := []struct {
		name, slug, invitation, username string
		skip                             []string // fields left as pre-filled
		wantType, wantPath, wantName     string
		wantGroup                        string
		wantAttr                         string
	}{
		{"external", "invitation-enrollment-flow-external", "example-external-basic-invitation", "pext", nil,
			"external", "users/external", "Page Person", "", ""},
		{"internal prefilled", "invitation-enrollment-flow-internal", "example-internal-prefilled-invitation", "pjane",
			[]string{"name", "email"}, "internal", "users/internal", "Jane Smith", "", ""},
		{"engineering", "invitation-enrollment-flow-internal-engineering", "example-engineering-team-invitation", "peng", nil,
			"internal", "users/internal/engineering", "Page Person", "engineering-team", "Engineering"},
		{"two stage", "default-enrollment-flow", "", "ptwo", nil, "external", "users", "Page Person", "", ""},
	}
	testapp.ForEachBackend(t, func(t *testing.T, e *testapp.Env) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				q := ""
				if c.invitation != "" {
					q = e.IToken(c.invitation)
				}
				vals := values(c.username)
				for _, k := range c.skip {
					delete(vals, k)
				}
				cl := e.Client()
				pages := cl.FollowHTML(c.slug, q, vals)
				first, last := pages[0], pages[len(pages)-1]
				if last.Status != http.StatusSeeOther || last.Location != "/" {
					t.Fatalf("flow ended with %d %q:\n%s", last.Status, last.Location, last.Body)
				}
				mustContain(t, first.Body, `<meta name="viewport"`, `<label for="field-username">Username</label>`,
					`name="username"`, `autocomplete="username"`, `autocomplete="new-password"`, `autofocus`,
					`name="`+auth.CSRFField+`"`, `<p>usher</p>`, `<link rel="stylesheet" href="/if/flow/-/static/flow.css?v=`)
				if strings.Contains(first.Body, "<script") || strings.Contains(first.Body, "style=") {
					t.Error("page has inline script or style")
				}
				if c.wantName == "Jane Smith" {
					mustContain(t, pages[1].Body, `value="Jane Smith"`, `value="jane.smith@company.com"`)
				}
				u, err := e.Store.GetUserByUsername(bg, c.username)
				if err != nil {
					t.Fatal(err)
				}
				if u.Type != c.wantType || u.Path != c.wantPath || u.Name != c.wantName {
					t.Errorf("user %+v", u)
				}
				if c.wantAttr != "" && u.Attributes["department"] != c.wantAttr {
					t.Errorf("attributes %v", u.Attributes)
				}
				if c.wantGroup != "" {
					gs, _ := e.Store.UserGroups(bg, u.PK)
					if len(gs) != 1 || gs[0].Name != c.wantGroup {
						t.Errorf("groups %v", gs)
					}
				}
				if e.LoggedIn(cl) != u.PK {
					t.Error("not logged in after enrollment")
				}
			})
		}
	})
}

// TestPageErrors: errors show beside their field, non-field errors on top,
// focus on the first field with an error, and typed values are kept.
func TestPageErrors(t *testing.T) {
	testapp.ForEachBackend(t, func(t *testing.T, e *testapp.Env) {
		cl := e.Client()
		p := cl.Get(cl.PageURL("invitation-enrollment-flow-external", e.IToken("example-external-basic-invitation")))
		p = cl.Submit(p, map[string]any{"username": "akadmin", "password": "a", "password_repeat": "b"})
		if p.Status != 200 {
			t.Fatalf("status %d", p.Status)
		}
		mustContain(t, p.Body, `id="form-errors"`, "Passwords don&#39;t match.",
			`<div class="field-error" id="field-username-error"><p>Username is already taken.</p></div>`,
			`aria-describedby="field-username-error"`, `aria-invalid="true"`, `value="akadmin"`)
		if !regexp.MustCompile(`name="username" value="akadmin"[^>]*autofocus`).MatchString(p.Body) {
			t.Error("autofocus is not on the username field with the error")
		}
		if strings.Contains(p.Body, `value="a"`) {
			t.Error("a password was echoed back")
		}
		// Fix the answer: the flow moves on to the details page.
		p = cl.Submit(p, map[string]any{"username": "fixed", "password": "a", "password_repeat": "a"})
		mustContain(t, p.Body, `<label for="field-name">Name</label>`, `type="email"`)
	})
}

// TestPageDenials: each invitation failure renders its own page: the
// title says the invitation cannot be used, the reason is in the error
// box, a next step follows, there is a way on and no form, and no
// "Start again" where starting again cannot help.
func TestPageDenials(t *testing.T) {
	testapp.ForEachBackend(t, func(t *testing.T, e *testapp.Env) {
		past := time.Now().Add(-time.Minute)
		e.Fixture.Invitation("old", "invitation-enrollment-flow-external", false, &past, nil)
		cases := []struct {
			name, slug, query, cause string
		}{
			{"expired", "invitation-enrollment-flow-external", e.IToken("old"), flow.CauseExpired},
			{"wrong flow", "invitation-enrollment-flow-external", e.IToken("example-engineering-team-invitation"), flow.CauseWrongFlow},
			{"no invitation stage", "default-enrollment-flow", e.IToken("example-external-basic-invitation"), flow.CauseNoStage},
			{"no token", "invitation-enrollment-flow-internal", "", flow.CauseMissing},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				p := e.Client().Get(e.URL + "/if/flow/" + c.slug + "/?" + c.query)
				msg := (&flow.InvitationError{Cause: c.cause}).Message()
				msg = strings.ReplaceAll(msg, "'", "&#39;")
				mustContain(t, p.Body, "<h1>This invitation can&#39;t be used</h1>", `<div class="errors" role="alert"`, msg,
					`class="intro"`, `href="/"`)
				if strings.Contains(p.Body, "Start again") || strings.Contains(p.Body, "Complete your enrollment") {
					t.Errorf("%s page offers Start again or keeps the enrollment heading:\n%s", c.cause, p.Body)
				}
				if c.cause == flow.CauseExpired && !strings.Contains(p.Body, ">Sign in</a>") {
					t.Errorf("expired page does not offer to sign in:\n%s", p.Body)
				}
				if p.Status != 200 || p.HasForm() {
					t.Errorf("status %d, form %v", p.Status, p.HasForm())
				}
			})
		}
		p := e.Client().Get(e.URL + "/if/flow/no-such-flow/")
		if p.Status != 404 || !strings.Contains(p.Body, "Page not found") {
			t.Errorf("unknown flow: %d", p.Status)
		}
	})
}

// TestPageCSRF: a form posted with a wrong token is refused by the server's
// CSRF check and changes nothing.
func TestPageCSRF(t *testing.T) {
	testapp.ForEachBackend(t, func(t *testing.T, e *testapp.Env) {
		cl := e.Client()
		u := cl.PageURL("invitation-enrollment-flow-external", e.IToken("example-external-basic-invitation"))
		cl.Get(u)
		resp, err := cl.HTTP.PostForm(u, url.Values{auth.CSRFField: {"forged"}, "username": {"csrf"},
			"password": {"a"}, "password_repeat": {"a"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b := make([]byte, 1<<16)
		n, _ := resp.Body.Read(b)
		body := string(b[:n])
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("forged token: %d, want 403", resp.StatusCode)
		}
		mustContain(t, body, "This form has expired", "reload the page")
		// Nothing moved: the same page still asks for the username.
		if p := cl.Get(u); !strings.Contains(p.Body, `name="username"`) || strings.Contains(p.Body, `name="name"`) {
			t.Error("the forged answer moved the flow on")
		}
	})
}

// TestPageLogin: akadmin logs in and out in the browser pages.
func TestPageLogin(t *testing.T) {
	testapp.ForEachBackend(t, func(t *testing.T, e *testapp.Env) {
		cl := e.Client()
		pages := cl.FollowHTML("default-authentication-flow", "next=%2Fif%2Fadmin%2F",
			map[string]any{"uid_field": "akadmin", "password": testapp.AdminPassword})
		mustContain(t, pages[0].Body, `<label for="field-uid_field">Email or Username</label>`, `Log in</button>`)
		mustContain(t, pages[1].Body, `autocomplete="current-password"`, `Signing in as <strong>akadmin</strong>`)
		last := pages[len(pages)-1]
		if last.Location != "/if/admin/" || e.LoggedIn(cl) != e.Fixture.Admin.PK {
			t.Fatalf("login ended %d %q", last.Status, last.Location)
		}
		p := cl.Get(cl.PageURL("default-invalidation-flow", ""))
		if p.Location != "/" || e.LoggedIn(cl) != 0 {
			t.Fatalf("logout: %q, still logged in as %d", p.Location, e.LoggedIn(cl))
		}
	})
}

// TestPageRestart: a new instance continues a browser enrollment.
func TestPageRestart(t *testing.T) {
	testapp.ForEachBackend(t, func(t *testing.T, e *testapp.Env) {
		cl := e.Client()
		slug, q := "invitation-enrollment-flow-external", e.IToken("example-external-basic-invitation")
		p := cl.Get(cl.PageURL(slug, q))
		p = cl.Submit(p, values("prestart"))
		mustContain(t, p.Body, `name="email"`)
		srv2 := testapp.NewServer(t, testapp.NewApp(t, e.Store))
		cl2 := cl.Reuse(srv2.URL)
		p = cl2.Get(cl2.PageURL(slug, q))
		mustContain(t, p.Body, `name="email"`)
		p = cl2.Submit(p, values("prestart"))
		if p.Location != "/" {
			t.Fatalf("after restart: %d %q", p.Status, p.Location)
		}
	})
}

func TestStylesheet(t *testing.T) {
	testapp.ForEachBackend(t, func(t *testing.T, e *testapp.Env) {
		resp, err := http.Get(e.URL + "/if/flow/-/static/flow.css")
		if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
			t.Fatalf("css: %v %v", resp, err)
		}
		resp.Body.Close()
	})
}

// TestSignedInOpensInvitation: someone signed in who opens a link to an
// invitation that makes a new account is told who is signed in and can
// sign out and continue with the same link (authentik only answers "Flow
// does not apply to current user.").
func TestSignedInOpensInvitation(t *testing.T) {
	testapp.ForEachBackend(t, func(t *testing.T, e *testapp.Env) {
		cl := e.Client()
		cl.FollowHTML("default-authentication-flow", "", map[string]any{"uid_field": "akadmin", "password": testapp.AdminPassword})
		slug, q := "invitation-enrollment-flow-external", e.IToken("example-external-basic-invitation")
		p := cl.Get(cl.PageURL(slug, q))
		mustContain(t, p.Body, "You are already signed in", "You are signed in as akadmin", "Sign out and continue</button>",
			`href="/if/user/"`)
		if strings.Contains(p.Body, "does not apply") {
			t.Errorf("still the bare denial:\n%s", p.Body)
		}
		p = cl.Submit(p, nil) // the client follows the redirect back to the link
		if p.Status != http.StatusOK || !strings.Contains(p.URL, "/if/flow/"+slug+"/?") || e.LoggedIn(cl) != 0 {
			t.Fatalf("sign out and continue: %d %q, logged in as %d", p.Status, p.URL, e.LoggedIn(cl))
		}
		mustContain(t, p.Body, `name="username"`)
	})
}
