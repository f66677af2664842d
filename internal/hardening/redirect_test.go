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
	"github.com/usher-id/usher/internal/flow/flowtest"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/httpx/httpxtest"
	"github.com/usher-id/usher/internal/store"
)

const loginSlug = "default-authentication-flow"

var adminLogin = map[string]any{"uid_field": "akadmin", "password": flowtest.AdminPassword}

// redirectEnv is one instance on each backend with the example flows.
type redirectEnv struct {
	in      *instance
	fx      *flowtest.Fixture
	backend string
}

// cases is httpxtest.OffsiteNext for this backend. A NUL in the query makes
// PostgreSQL refuse the session row (a 500 of its own, issue 12 item 6,
// fixed at the input boundary); the unit table still covers it.
func (e redirectEnv) cases() []string {
	var out []string
	for _, raw := range httpxtest.OffsiteNext {
		if e.backend == "postgres" && strings.Contains(raw, "%00") {
			continue
		}
		out = append(out, raw)
	}
	return out
}

func forEachRedirectEnv(t *testing.T, fn func(t *testing.T, e redirectEnv)) {
	for _, b := range flowtest.Backends(t) {
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
func noFollow(t *testing.T, base string) *flowtest.Client {
	c := flowtest.NewClient(t, base)
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

// wantOffsiteRefused fails unless a flow walk with an offsite next ended in
// "Invalid next URL" (authentik's answer), or, for an empty next, in "/".
func wantOffsiteRefused(t *testing.T, what, raw string, last flowtest.Step) {
	t.Helper()
	to, _ := last.Challenge["to"].(string)
	if httpxtest.Decode(raw) == "" {
		if last.Component != flow.ComponentRedirect || to != "/" {
			t.Errorf("%s with an empty next: %v", what, last.Challenge)
		}
		return
	}
	msg, _ := last.Challenge["error_message"].(string)
	if last.Component != flow.ComponentAccessDenied || msg != "Invalid next URL" {
		t.Errorf("%s with next=%q: %s to=%q %q, want access denied \"Invalid next URL\"", what, raw, last.Component, to, msg)
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
			c := flowtest.NewClient(t, e.in.srv.URL)
			wantOffsiteRefused(t, "login (JSON)", raw, flowtest.Last(c.FollowJSON(loginSlug, "next="+raw, adminLogin)))

			pages := flowtest.NewClient(t, e.in.srv.URL).FollowHTML(loginSlug, "next="+raw, adminLogin)
			last := pages[len(pages)-1]
			if last.Location != "" {
				wantLocal(t, "login (pages)", raw, last.Location)
				if httpxtest.Decode(raw) != "" {
					t.Errorf("login (pages) next=%q: redirected to %q, want the access-denied page", raw, last.Location)
				}
			} else if !strings.Contains(last.Body, "Invalid next URL") {
				t.Errorf("login (pages) next=%q: %d, want the access-denied page", raw, last.Status)
			}
		}
		// A local next is followed as checked.
		c := flowtest.NewClient(t, e.in.srv.URL)
		last := flowtest.Last(c.FollowJSON(loginSlug, "next="+url.QueryEscape("/a/../if/user/"), adminLogin))
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
			c := flowtest.NewClient(t, e.in.srv.URL)
			wantOffsiteRefused(t, "enrollment (JSON)", raw, flowtest.Last(c.FollowJSON(enrollSlug, q, enrollValues(fmt.Sprintf("rj%d", i)))))

			pages := flowtest.NewClient(t, e.in.srv.URL).FollowHTML(enrollSlug, q, enrollValues(fmt.Sprintf("rh%d", i)))
			last := pages[len(pages)-1]
			if last.Location != "" {
				wantLocal(t, "enrollment (pages)", raw, last.Location)
			} else if !strings.Contains(last.Body, "Invalid next URL") {
				t.Errorf("enrollment (pages) next=%q: %d, want the access-denied page", raw, last.Status)
			}
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
		if last := flowtest.Last(c.FollowJSON(loginSlug, "", adminLogin)); last.Component != flow.ComponentRedirect {
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
				c := flowtest.NewClient(t, e.in.srv.URL)
				last := flowtest.Last(c.FollowJSON(loginSlug, "", adminLogin))
				if msg, _ := last.Challenge["error_message"].(string); last.Component != flow.ComponentAccessDenied || msg != "Invalid next URL" {
					t.Errorf("plan redirect %q: %v", target, last.Challenge)
				}
				pages := flowtest.NewClient(t, e.in.srv.URL).FollowHTML(loginSlug, "", adminLogin)
				if loc := pages[len(pages)-1].Location; loc != "" {
					t.Errorf("plan redirect %q: pages redirected to %q", target, loc)
				}
			})
		}
		t.Run("local", func(t *testing.T) {
			set(t, "/a/../welcome/")
			last := flowtest.Last(flowtest.NewClient(t, e.in.srv.URL).FollowJSON(loginSlug, "", adminLogin))
			if last.Challenge["to"] != "/welcome/" {
				t.Errorf("plan redirect to a local path: %v", last.Challenge)
			}
			pages := flowtest.NewClient(t, e.in.srv.URL).FollowHTML(loginSlug, "", adminLogin)
			if loc := pages[len(pages)-1].Location; loc != "/welcome/" {
				t.Errorf("plan redirect to a local path: pages redirected to %q", loc)
			}
		})
	})
}
