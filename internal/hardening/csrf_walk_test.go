package hardening

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testapp"
	"github.com/usher-id/usher/internal/testkit"
)

var (
	hrefRe   = regexp.MustCompile(`(?i)\shref="([^"]+)"`)
	formRe   = regexp.MustCompile(`(?is)<form\b([^>]*)>`)
	actionRe = regexp.MustCompile(`(?i)\saction="([^"]*)"`)
	methodRe = regexp.MustCompile(`(?i)\smethod="([^"]*)"`)
)

// TestCSRFWalk logs in as the administrator, crawls every page of the
// admin console and the flow pages reachable by links, and sends every
// form that changes something (method POST) again without its CSRF token,
// with the administrator's cookie: each must be refused with 403 and change
// nothing. Every page also carries the security headers.
func TestCSRFWalk(t *testing.T) {
	st := storetest.OpenSQLite(t)
	a := testapp.NewApp(t, st)
	logs := &testkit.SyncBuffer{}
	a.Log = server.NewLogger(logs, "info", "text")
	a.Sessions.Secure = httpx.Secure
	srv := testapp.NewServer(t, a).URL
	fx := fixture(t, st, a)
	fx.Invitation("walk", enrollSlug, false, nil, nil)

	c := testapp.NewClient(t, srv)
	if last := testapp.Last(c.FollowJSON("default-authentication-flow", "", map[string]any{"uid_field": "akadmin",
		"password": testapp.AdminPassword})); last.Component != flow.ComponentRedirect {
		t.Fatalf("admin login: %v", last.Challenge)
	}
	seen := map[string]bool{}
	posts := map[string]string{} // action -> page it was found on
	queue := []string{"/if/admin/", "/if/user/", "/if/flow/" + enrollSlug + "/?itoken=" + fx.Invitations["walk"].UUID}
	for len(queue) > 0 && len(seen) < 400 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		resp, err := c.HTTP.Get(srv + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := string(b)
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			checkHeaders(t, p, resp.Header)
		}
		for _, m := range hrefRe.FindAllStringSubmatch(body, -1) {
			if next, ok := sameSite(p, html.UnescapeString(m[1])); ok && !seen[next] && !strings.Contains(next, "logout") &&
				!strings.Contains(next, "invalidation") && !strings.HasPrefix(next, "/static/") && !strings.HasPrefix(next, "/api/") {
				queue = append(queue, next)
			}
		}
		for _, m := range formRe.FindAllStringSubmatch(body, -1) {
			method := "get"
			if mm := methodRe.FindStringSubmatch(m[1]); mm != nil {
				method = strings.ToLower(mm[1])
			}
			action := p
			if am := actionRe.FindStringSubmatch(m[1]); am != nil && am[1] != "" {
				action = html.UnescapeString(am[1])
			}
			if method == "post" {
				if next, ok := sameSite(p, action); ok {
					posts[next] = p
				}
			}
		}
	}
	if len(posts) < 5 {
		t.Fatalf("only %d POST forms found on %d pages; the crawl did not reach the console: %v", len(posts), len(seen), posts)
	}
	t.Logf("crawled %d pages, %d POST forms", len(seen), len(posts))
	for action, page := range posts {
		for _, ct := range []string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=X"} {
			body := "name=csrf-walk&username=csrf-walk&password=x"
			if strings.HasPrefix(ct, "multipart") {
				body = "--X\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\ncsrf-walk\r\n--X--\r\n"
			}
			req, _ := http.NewRequest("POST", srv+action, strings.NewReader(body))
			req.Header.Set("Content-Type", ct)
			resp, err := c.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s (form on %s) without a CSRF token: status %d, want 403", action, page, resp.StatusCode)
			}
		}
	}
}

func checkHeaders(t *testing.T, page string, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	if csp == "" || strings.Contains(csp, "unsafe-inline") && strings.Contains(scriptSrc(csp), "unsafe-inline") ||
		!strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("%s: Content-Security-Policy %q", page, csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
		t.Errorf("%s: security headers missing: %v", page, h)
	}
}

func scriptSrc(csp string) string {
	for _, d := range strings.Split(csp, ";") {
		if d = strings.TrimSpace(d); strings.HasPrefix(d, "script-src") || strings.HasPrefix(d, "default-src") {
			return d
		}
	}
	return ""
}

// sameSite resolves ref against page and keeps it when it stays on site.
func sameSite(page, ref string) (string, bool) {
	if strings.HasPrefix(ref, "#") || strings.HasPrefix(ref, "mailto:") || strings.HasPrefix(ref, "javascript:") {
		return "", false
	}
	base, _ := url.Parse(page)
	u, err := base.Parse(ref)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "", false
	}
	u.Fragment = ""
	return u.RequestURI(), true
}
