package hardening

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/httpx/httpxtest"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

const loginSlug = "default-authentication-flow"

var adminLogin = map[string]any{"uid_field": "akadmin", "password": testapp.AdminPassword}

// redirectEnv is one instance on each backend with the example flows.
type redirectEnv struct {
	in      *instance
	fx      *testapp.Fixture
	backend string
}

// cases is httpxtest.OffsiteNext; a NUL in the query is refused at the
// input boundary on both databases, so every case runs on both.
func (e redirectEnv) cases() []string { return httpxtest.OffsiteNext }

func forEachRedirectEnv(t *testing.T, fn func(t *testing.T, e redirectEnv)) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t)
			in := newInstance(t, st)
			fn(t, redirectEnv{in: in, fx: fixture(t, st, in.app), backend: b.Name})
		})
	}
}

func (e redirectEnv) itoken() string {
	return "itoken=" + e.fx.Invitations["example-external-basic-invitation"].UUID
}

// noFollow returns a client that stops at every redirect.
func noFollow(t *testing.T, base string) *testapp.Client {
	c := testapp.NewClient(t, base)
	c.HTTP.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// wantLocal fails unless loc is what the redirect check lets out: a path
// it accepts unchanged, that a browser resolves on this origin.
func wantLocal(t *testing.T, what, next, loc string) {
	t.Helper()
	if got, ok := httpx.LocalRedirect(loc); !ok || got != loc || httpxtest.BrowserLeaves(loc) {
		t.Errorf("%s with next=%q: Location %q leaves the site or is not a checked path", what, next, loc)
	}
}

// wantOffsiteRefused fails unless a flow walk with an offsite (or empty)
// next finished with a redirect to "/": the bad target is dropped, the
// login or enrollment itself still completes.
func wantOffsiteRefused(t *testing.T, what, raw string, last testapp.Step) {
	t.Helper()
	if to, _ := last.Challenge["to"].(string); last.Component != flow.ComponentRedirect || to != "/" {
		t.Errorf("%s with next=%q: %s %v, want a redirect to /", what, raw, last.Component, last.Challenge)
	}
}

// wantPagesHome fails unless the pages' walk ended with a redirect to "/".
func wantPagesHome(t *testing.T, what, raw string, last testapp.Page) {
	t.Helper()
	if last.Location != "/" {
		t.Errorf("%s next=%q: %d Location %q, want a redirect to /", what, raw, last.Status, last.Location)
	}
}

// The cancel view sends an offsite next to the fallback, a local one as
// checked; it needs no login.
func TestRedirectCancelStaysOnSite(t *testing.T) {
	forEachRedirectEnv(t, func(t *testing.T, e redirectEnv) {
		c := noFollow(t, e.in.srv.URL)
		for _, raw := range e.cases() {
			resp, _, err := c.Do(http.MethodGet, e.in.srv.URL+"/flows/-/cancel/?next="+raw, nil)
			if err != nil {
				t.Fatal(err)
			}
			loc := resp.Header.Get("Location")
			if resp.StatusCode != http.StatusFound || loc != "/" {
				t.Errorf("cancel next=%q: %d %q, want 302 to /", raw, resp.StatusCode, loc)
			}
		}
		for raw, want := range httpxtest.SameSite {
			resp, _, err := c.Do(http.MethodGet, e.in.srv.URL+"/flows/-/cancel/?next="+url.QueryEscape(httpxtest.Decode(raw)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != want {
				t.Errorf("cancel next=%q: %d %q, want 302 to %q", raw, resp.StatusCode, loc, want)
			}
		}
	})
}

// After a login, through the JSON executor and through the pages.
func TestRedirectAfterLoginStaysOnSite(t *testing.T) {
	forEachRedirectEnv(t, func(t *testing.T, e redirectEnv) {
		for _, raw := range e.cases() {
			c := testapp.NewClient(t, e.in.srv.URL)
			wantOffsiteRefused(t, "login (JSON)", raw, testapp.Last(c.FollowJSON(loginSlug, "next="+raw, adminLogin)))

			pages := testapp.NewClient(t, e.in.srv.URL).FollowHTML(loginSlug, "next="+raw, adminLogin)
			wantPagesHome(t, "login (pages)", raw, pages[len(pages)-1])
		}
		// A local next is followed as checked.
		c := testapp.NewClient(t, e.in.srv.URL)
		last := testapp.Last(c.FollowJSON(loginSlug, "next="+url.QueryEscape("/a/../if/user/"), adminLogin))
		if to, _ := last.Challenge["to"].(string); to != "/if/user/" {
			t.Errorf("login with a local next: %v", last.Challenge)
		}
	})
}

// After an enrollment with an invitation, through both front-ends.
func TestRedirectAfterEnrollmentStaysOnSite(t *testing.T) {
	forEachRedirectEnv(t, func(t *testing.T, e redirectEnv) {
		for i, raw := range e.cases() {
			q := e.itoken() + "&next=" + raw
			c := testapp.NewClient(t, e.in.srv.URL)
			wantOffsiteRefused(t, "enrollment (JSON)", raw, testapp.Last(c.FollowJSON(enrollSlug, q, enrollValues(fmt.Sprintf("rj%d", i)))))

			pages := testapp.NewClient(t, e.in.srv.URL).FollowHTML(enrollSlug, q, enrollValues(fmt.Sprintf("rh%d", i)))
			wantPagesHome(t, "enrollment (pages)", raw, pages[len(pages)-1])
		}
	})
}

// A signed-in user opening an enrollment flow (not applicable to them) is
// sent to next only when it is a checked local path, else denied.
func TestRedirectSignedInEnrollmentStaysOnSite(t *testing.T) {
	forEachRedirectEnv(t, func(t *testing.T, e redirectEnv) {
		c := noFollow(t, e.in.srv.URL)
		c.HTTP.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if strings.HasPrefix(req.URL.Path, "/api/") {
				return nil
			}
			return http.ErrUseLastResponse
		}
		if last := testapp.Last(c.FollowJSON(loginSlug, "", adminLogin)); last.Component != flow.ComponentRedirect {
			t.Fatalf("login: %v", last.Challenge)
		}
		for _, raw := range e.cases() {
			// The page: its own next= is the one used.
			resp, err := c.HTTP.Get(c.PageURL(enrollSlug, e.itoken()+"&next="+raw))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if loc := resp.Header.Get("Location"); loc != "" {
				wantLocal(t, "signed-in enrollment page", raw, loc)
				if httpxtest.Decode(raw) != "" {
					t.Errorf("signed-in enrollment page next=%q: redirected to %q", raw, loc)
				}
			}
			// The executor: next= of the executor URL itself.
			_, ch, err := c.Do(http.MethodGet, c.ExecutorURL(enrollSlug, e.itoken())+"&next="+raw, nil)
			if err != nil {
				t.Fatal(err)
			}
			if ch["component"] == flow.ComponentRedirect {
				to, _ := ch["to"].(string)
				wantLocal(t, "signed-in enrollment executor", raw, to)
				if httpxtest.Decode(raw) != "" {
					t.Errorf("signed-in enrollment executor next=%q: redirected to %q", raw, to)
				}
			}
		}
		// A local next still works.
		_, ch, _ := c.Do(http.MethodGet, c.ExecutorURL(enrollSlug, e.itoken())+"&next="+url.QueryEscape("/if/user/"), nil)
		if ch["component"] != flow.ComponentRedirect || ch["to"] != "/if/user/" {
			t.Errorf("signed-in enrollment with a local next: %v", ch)
		}
	})
}

// A policy that writes the plan's redirect gets the same check as next:
// authentik's _flow_done refuses an absolute target, and a path that
// cleaning turns into another origin is one.
func TestRedirectFromPlanContextStaysOnSite(t *testing.T) {
	forEachRedirectEnv(t, func(t *testing.T, e redirectEnv) {
		st, bg := e.in.app.Store, context.Background()
		set := func(t *testing.T, target string) {
			t.Helper()
			p := store.Policy{Name: "redirect-" + target, Kind: "expression",
				Expression: "context['flow_plan'].context['redirect'] = " + strconv.Quote(target) + "\nreturn True"}
			if err := st.CreatePolicy(bg, &p); err != nil {
				t.Fatal(err)
			}
			b := e.fx.Bindings[loginSlug+"/default-authentication-login"]
			pb := store.PolicyBinding{Target: b.UUID, Policy: &p.UUID, Enabled: true, Timeout: 30}
			if err := st.CreatePolicyBinding(bg, &pb); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := st.DeletePolicyBinding(bg, pb.UUID); err != nil {
					t.Error(err)
				}
			})
		}
		for _, target := range []string{"/a/../\\evil.example", "https://evil.example/", "/./\\evil.example"} {
			t.Run(target, func(t *testing.T) {
				set(t, target)
				c := testapp.NewClient(t, e.in.srv.URL)
				last := testapp.Last(c.FollowJSON(loginSlug, "", adminLogin))
				wantOffsiteRefused(t, "plan redirect", target, last)
				pages := testapp.NewClient(t, e.in.srv.URL).FollowHTML(loginSlug, "", adminLogin)
				wantPagesHome(t, "plan redirect (pages)", target, pages[len(pages)-1])
			})
		}
		t.Run("local", func(t *testing.T) {
			set(t, "/a/../welcome/")
			last := testapp.Last(testapp.NewClient(t, e.in.srv.URL).FollowJSON(loginSlug, "", adminLogin))
			if last.Challenge["to"] != "/welcome/" {
				t.Errorf("plan redirect to a local path: %v", last.Challenge)
			}
			pages := testapp.NewClient(t, e.in.srv.URL).FollowHTML(loginSlug, "", adminLogin)
			if loc := pages[len(pages)-1].Location; loc != "/welcome/" {
				t.Errorf("plan redirect to a local path: pages redirected to %q", loc)
			}
		})
	})
}
