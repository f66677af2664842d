package hardening

import (
	"net/url"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testapp"
)

var offsite = []string{"//evil.com", "https://evil.com", "/\\evil.com", "javascript:alert(1)", "\\\\evil.com",
	"http:evil.com", "//evil.com/%2F..", "/\t/evil.com", " //evil.com", "HTTPS://evil.com", "/%5Cevil.com", "///evil.com"}

// next and other redirect targets only go to paths on this site.
func TestRedirectTargetsStayOnSite(t *testing.T) {
	for _, next := range offsite {
		if flow.IsRelative(next) {
			// "/%5Cevil.com" is a harmless path: the browser does not decode it.
			if next != "/%5Cevil.com" {
				t.Errorf("IsRelative(%q) = true", next)
			}
		}
	}
	for _, ok := range []string{"/", "/if/user/", "/if/flow/x/?next=%2F", "/a?b=//evil.com"} {
		if !flow.IsRelative(ok) {
			t.Errorf("IsRelative(%q) = false", ok)
		}
	}

	st := storetest.OpenSQLite(t)
	in := newInstance(t, st)
	fixture(t, st, in.app)
	for _, next := range offsite {
		t.Run(next, func(t *testing.T) {
			// The flow's finish step refuses the target.
			c := testapp.NewClient(t, in.srv.URL)
			last := testapp.Last(c.FollowJSON("default-authentication-flow", "next="+url.QueryEscape(next),
				map[string]any{"uid_field": "akadmin", "password": testapp.AdminPassword}))
			if to, _ := last.Challenge["to"].(string); last.Component == flow.ComponentRedirect && offsiteLocation(to) {
				t.Errorf("flow finished with a redirect to %q", to)
			}
			// The cancel view and the flow page do not send the browser there.
			for _, path := range []string{"/flows/-/cancel/?next=", "/if/flow/default-authentication-flow/?next="} {
				resp, err := c.HTTP.Get(in.srv.URL + path + url.QueryEscape(next))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				loc := resp.Header.Get("Location")
				if resp.StatusCode >= 300 && resp.StatusCode < 400 && offsiteLocation(loc) {
					t.Errorf("%s redirects to %q", path, loc)
				}
			}
		})
	}
}

// offsiteLocation reports whether a browser would leave the site for loc.
func offsiteLocation(loc string) bool {
	u, err := url.Parse(strings.TrimSpace(loc))
	if err != nil {
		return true
	}
	return u.Scheme != "" || u.Host != "" || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\")
}
