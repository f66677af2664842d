package hardening

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/usher-id/usher/internal/browsertest"
	"github.com/usher-id/usher/internal/httpx/httpxtest"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testapp"
)

// redirectBrowser is Chromium with evil.example resolved to a local server
// that counts every connection it gets: a redirect that leaves usher's
// origin for evil.example, over HTTP or HTTPS, shows up there.
type redirectBrowser struct {
	t    *testing.T
	ctx  context.Context
	base string
	hits atomic.Int64
}

func newRedirectBrowser(t *testing.T, base string) *redirectBrowser {
	rb := &redirectBrowser{t: t, base: base}
	evil := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("evil"))
	}))
	evil.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			rb.hits.Add(1)
		}
	}
	evil.Start()
	t.Cleanup(evil.Close)
	_, port, _ := net.SplitHostPort(evil.Listener.Addr().String())
	rb.ctx = browsertest.StartWith(t, chromedp.Flag("host-resolver-rules", "MAP evil.example 127.0.0.1:"+port))
	return rb
}

// visit opens u (following every redirect, as a person clicking a link)
// and fails when the browser ends up anywhere but usher's origin.
func (rb *redirectBrowser) visit(what, u string) {
	rb.t.Helper()
	rb.settle(what, chromedp.Navigate(u))
}

// submit fills the page's form and submits it like the user would.
func (rb *redirectBrowser) submit(what string, values map[string]string) {
	rb.t.Helper()
	js := `window.__old = true;`
	for k, v := range values {
		js += `document.querySelector('[name=` + k + `]').value = ` + jsQuote(v) + `;`
	}
	js += `document.querySelector('form').submit();`
	rb.settle(what, chromedp.Evaluate[chromedp.Void](js))
	rb.waitNewPage(what)
}

func (rb *redirectBrowser) settle(what string, action chromedp.Action[chromedp.Void]) {
	rb.t.Helper()
	ctx, cancel := context.WithTimeout(rb.ctx, 15*time.Second)
	defer cancel()
	// A navigation that fails (a host that does not answer) still leaves
	// a location to check, so its error is not the verdict.
	_ = chromedp.Do(ctx, action)
	rb.check(what)
}

func (rb *redirectBrowser) waitNewPage(what string) {
	rb.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(rb.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!window.__old && document.readyState === "complete"`))
		cancel()
		if err == nil && ok {
			rb.check(what)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	rb.t.Fatalf("%s: no new page", what)
}

func (rb *redirectBrowser) check(what string) {
	rb.t.Helper()
	ctx, cancel := context.WithTimeout(rb.ctx, 5*time.Second)
	defer cancel()
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	if err != nil {
		rb.t.Fatalf("%s: read location: %v", what, err)
	}
	if !strings.HasPrefix(href, rb.base+"/") || rb.hits.Load() != 0 {
		rb.t.Errorf("%s: the browser left usher: at %s, evil.example connections %d", what, href, rb.hits.Load())
		rb.hits.Store(0)
	}
}

func (rb *redirectBrowser) text() string {
	rb.t.Helper()
	ctx, cancel := context.WithTimeout(rb.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		rb.t.Fatalf("read the page: %v", err)
	}
	return s
}

func jsQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\r", `\r`, "<", `\x3c`)
	return "'" + r.Replace(s) + "'"
}

// In Chromium, no offsite next leaves the origin: not from the cancel view,
// not after a login through the forms, not when a signed-in user opens the
// authentication or an enrollment flow.
func TestBrowserRedirectsStayOnSite(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	st := storetest.OpenSQLite(t)
	in := newInstance(t, st)
	fx := fixture(t, st, in.app)
	rb := newRedirectBrowser(t, in.srv.URL)
	itoken := "itoken=" + fx.Invitations["example-external-basic-invitation"].UUID

	// The evil server is reachable by name: the check below would see a
	// redirect there.
	ctx, cancel := context.WithTimeout(rb.ctx, 15*time.Second)
	err := chromedp.Do(ctx, chromedp.Navigate("http://evil.example/"))
	href := ""
	if err == nil {
		href, err = chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	}
	cancel()
	if err != nil || href != "http://evil.example/" || rb.hits.Load() == 0 {
		t.Fatalf("evil.example is not mapped to the counting server: %q, %v", href, err)
	}
	rb.hits.Store(0)
	rb.visit("start", in.srv.URL+"/flows/-/cancel/")

	for _, raw := range httpxtest.OffsiteNext {
		rb.visit("cancel next="+raw, in.srv.URL+"/flows/-/cancel/?next="+raw)
	}

	// A login through the forms, next naming another origin after cleaning.
	rb.visit("login page", in.srv.URL+"/if/flow/"+loginSlug+"/?next=/a/../%5Cevil.example")
	rb.submit("identification", map[string]string{"uid_field": "akadmin"})
	rb.submit("password", map[string]string{"password": testapp.AdminPassword})
	// The bad next is dropped: the login finishes on usher's own start
	// page, not on the flow (and not on evil.example).
	rb.check("after the login")
	if text := rb.text(); strings.Contains(text, "Log in") || strings.Contains(text, "Invalid next URL") {
		t.Errorf("after the login: %q, want the signed-in interface", text)
	}

	// Signed in now: every variant on the authentication flow (which
	// finishes at once) and on an enrollment flow (not for signed-in users).
	for _, raw := range httpxtest.OffsiteNext {
		rb.visit("signed-in login next="+raw, in.srv.URL+"/if/flow/"+loginSlug+"/?next="+raw)
		rb.visit("signed-in enrollment next="+raw, in.srv.URL+"/if/flow/"+enrollSlug+"/?"+itoken+"&next="+raw)
	}
}
