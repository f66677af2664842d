package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/usher-id/usher/internal/browsertest"
)

// stepTimeout bounds each browser step, so a missing element fails fast.
const stepTimeout = 15 * time.Second

// artifactsDir is browsertest.ArtifactsDir. The first call of a test
// removes that test's artifacts of earlier runs, so what is there belongs
// to the last run.
func artifactsDir(t *testing.T) string {
	dir := browsertest.ArtifactsDir(t)
	if _, done := cleaned.LoadOrStore(t.Name(), true); !done {
		old, _ := filepath.Glob(filepath.Join(dir, artifactName(t, "*")))
		for _, f := range old {
			_ = os.Remove(f)
		}
	}
	return dir
}

// cleaned records the tests whose old artifacts are gone.
var cleaned sync.Map

// artifactName prefixes name with the test's name, e.g.
// "e2e-blueprintimport-sqlite-admin-01-login.png".
func artifactName(t *testing.T, name string) string {
	n := strings.ToLower(strings.TrimPrefix(t.Name(), "Test"))
	n = strings.NewReplacer("/", "-", " ", "-").Replace(n)
	return "e2e-" + n + "-" + name
}

// browser is one Chromium process; each actor gets its own browser
// context in it (separate cookies, like an incognito window).
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	return &browser{t: t, ctx: browsertest.Start(t), base: base}
}

// actor is a person using the browser: the admin or an invitee.
type actor struct {
	t     *testing.T
	b     *browser
	name  string
	ctx   context.Context
	shots int
}

func (b *browser) actor(name string) *actor {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("open a browser context for %s: %v", name, err)
	}
	return &actor{t: b.t, b: b, name: name, ctx: ctx}
}

// do runs actions as one step with its own timeout.
func (a *actor) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(a.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		a.fail(what, err)
	}
}

// fail saves a screenshot and the page's HTML and stops the test with the
// current URL in the message.
func (a *actor) fail(what string, err error) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(a.ctx, 10*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	dir := artifactsDir(a.t)
	base := filepath.Join(dir, artifactName(a.t, a.name+"-failed"))
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile(base+".png", png, 0o644)
	}
	if html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err == nil {
		_ = os.WriteFile(base+".html", []byte(html), 0o644)
	}
	a.t.Fatalf("%s: %s: %v\n  at %s (page saved as %s.png/.html)", a.name, what, err, loc, base)
}

// shot saves a numbered full-page screenshot named by step.
func (a *actor) shot(step string) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(a.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		a.fail("screenshot "+step, err)
	}
	a.shots++
	name := artifactName(a.t, fmt.Sprintf("%s-%02d-%s.png", a.name, a.shots, step))
	if err := os.WriteFile(filepath.Join(artifactsDir(a.t), name), png, 0o644); err != nil {
		a.t.Fatal(err)
	}
}

// open navigates to a path of the server (or an absolute URL).
func (a *actor) open(path string) {
	a.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = a.b.base + path
	}
	a.do("open "+path, chromedp.Navigate(u))
}

// eval runs JavaScript and decodes its result.
func eval[T any](a *actor, what, js string) T {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(a.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		a.fail(what, err)
	}
	return v
}

// waitJS polls a JavaScript condition until it is true. Errors while a new
// page loads are retried.
func (a *actor) waitJS(what, js string) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(a.ctx, stepTimeout)
	defer cancel()
	var last error
	for {
		actx, acancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := chromedp.Run(actx, chromedp.Evaluate[bool](js))
		acancel()
		if err == nil && ok {
			return
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			if last == nil {
				last = ctx.Err()
			}
			a.fail("wait for "+what, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// waitText waits until the page's visible text contains text.
func (a *actor) waitText(text string) {
	a.t.Helper()
	a.waitJS(fmt.Sprintf("text %q", text), `document.readyState === "complete" && document.body && document.body.innerText.includes(`+jsString(text)+`)`)
}

// waitPath waits until the page's path is path.
func (a *actor) waitPath(path string) {
	a.t.Helper()
	a.waitJS("path "+path, `document.readyState === "complete" && location.pathname === `+jsString(path))
}

// has reports whether an element matches the CSS selector now.
func (a *actor) has(css string) bool {
	a.t.Helper()
	return eval[bool](a, "look for "+css, `!!document.querySelector(`+jsString(css)+`)`)
}

// text returns the page's visible text.
func (a *actor) text() string {
	a.t.Helper()
	return eval[string](a, "read the page", `document.body ? document.body.innerText : ""`)
}

// path returns the current URL's path.
func (a *actor) path() string {
	a.t.Helper()
	return eval[string](a, "read the location", `location.pathname`)
}

// value returns the value of the input the CSS selector names.
func (a *actor) value(css string) string {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(a.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(css)))
	if err != nil {
		a.fail("read "+css, err)
	}
	return v
}

// typeInto clears a text field and types value, as a person would.
func (a *actor) typeInto(css, value string) {
	a.t.Helper()
	a.do("type into "+css, chromedp.WaitVisible(chromedp.CSS(css)), chromedp.Clear(chromedp.CSS(css)),
		chromedp.SendKeys(chromedp.CSS(css), value))
}

// setValue sets a field's value directly (long text, date inputs).
func (a *actor) setValue(css, value string) {
	a.t.Helper()
	a.do("set "+css, chromedp.WaitVisible(chromedp.CSS(css)), chromedp.SetValue(chromedp.CSS(css), value))
}

// choose selects the option of a <select> whose label is label (or, when
// none is, starts with it); in a multiple select, the option is added to
// the selection.
func (a *actor) choose(css, label string) {
	a.t.Helper()
	a.do("wait for "+css, chromedp.WaitVisible(chromedp.CSS(css)))
	ok := eval[bool](a, "choose "+label, `(() => {
		const sel = document.querySelector(`+jsString(css)+`);
		const label = `+jsString(label)+`, opts = Array.from(sel.options);
		const opt = opts.find(o => o.text.trim() === label) || opts.find(o => o.text.trim().startsWith(label));
		if (!opt) return false;
		opt.selected = true;
		sel.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})()`)
	if !ok {
		a.fail("choose "+label, fmt.Errorf("%s has no option %q", css, label))
	}
}

// check ticks or unticks a checkbox by clicking it when needed.
func (a *actor) check(css string, on bool) {
	a.t.Helper()
	a.do("wait for "+css, chromedp.WaitVisible(chromedp.CSS(css)))
	if eval[bool](a, "read "+css, `document.querySelector(`+jsString(css)+`).checked`) != on {
		a.do("click "+css, chromedp.Click(chromedp.CSS(css)))
	}
}

// click clicks an element that does not load a new page.
func (a *actor) click(what string, sel string) {
	a.t.Helper()
	a.do("click "+what, chromedp.Click(sel, chromedp.NodeVisible))
}

// clickAndWait clicks an element (a Search selector: XPath or CSS) that
// loads a new page and waits until that page has loaded.
func (a *actor) clickAndWait(what string, sel string) {
	a.t.Helper()
	a.do("click "+what, chromedp.Evaluate[chromedp.Void](`window.__e2eOldPage = true`), chromedp.Click(sel, chromedp.NodeVisible))
	a.waitJS("the page after "+what, `!window.__e2eOldPage && document.readyState === "complete"`)
}

// clickButton clicks the button with that text and waits for the next page.
func (a *actor) clickButton(text string) {
	a.t.Helper()
	a.clickAndWait("button "+text, `//button[normalize-space(.)=`+xpathString(text)+`]`)
}

// clickLink clicks the link with that text in the page's main content
// (not one hidden in a collapsed row).
func (a *actor) clickLink(text string) {
	a.t.Helper()
	a.clickAndWait("link "+text, `//main//a[normalize-space(.)=`+xpathString(text)+`][not(ancestor::details[not(@open)])]`)
}

// nav clicks an entry of the admin console's sidebar.
func (a *actor) nav(label string) {
	a.t.Helper()
	a.clickAndWait("menu "+label, `//aside//nav//a[normalize-space(.)=`+xpathString(label)+`]`)
}

// xpathString quotes s for XPath 1.0 (which has no escapes).
func xpathString(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return `"` + s + `"`
}

// login signs in through / and the default authentication flow and waits
// for the user interface.
func (a *actor) login(username, password string) {
	a.t.Helper()
	a.open("/")
	a.do("wait for the login form", chromedp.WaitVisible(chromedp.CSS(`input[name="uid_field"]`)))
	if !strings.HasPrefix(a.path(), "/if/flow/default-authentication-flow/") {
		a.fail("login", fmt.Errorf("/ did not lead to the default authentication flow"))
	}
	a.shot("login")
	a.typeInto(`input[name="uid_field"]`, username)
	if !a.has(`input[name="password"]`) {
		// Identification and password on separate pages.
		a.clickButton(a.submitLabel())
		a.do("wait for the password field", chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)))
	}
	a.typeInto(`input[name="password"]`, password)
	a.clickButton(a.submitLabel())
	a.waitPath("/if/user/")
}

// openAdmin clicks "Admin interface" on the user interface.
func (a *actor) openAdmin() {
	a.t.Helper()
	a.clickAndWait("Admin interface", `//a[normalize-space(.)="Admin interface"]`)
	a.waitPath("/if/admin/")
	a.shot("overview")
}

// submitLabel is the text of the flow page's submit button.
func (a *actor) submitLabel() string {
	a.t.Helper()
	return strings.TrimSpace(eval[string](a, "read the submit button", `(document.querySelector("form button[type=submit]") || {}).innerText || ""`))
}
