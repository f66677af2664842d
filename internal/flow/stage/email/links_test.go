package email_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/domain/user"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testapp"
)

// ask runs the recovery flow's first page for identifier in a fresh
// browser and returns the page shown after it.
func (e *env) ask(identifier string) testapp.Page {
	e.t.Helper()
	cl := testapp.NewClient(e.t, e.url)
	return cl.Submit(cl.Get(cl.PageURL(recoveryFlow, "")), map[string]any{"uid_field": identifier})
}

// toPassword opens l in a fresh browser and continues to the password form.
func (e *env) toPassword(base, l string) (*testapp.Client, testapp.Page) {
	e.t.Helper()
	cl := testapp.NewClient(e.t, base)
	p := cl.Get(l)
	if !strings.Contains(p.Body, openedText) {
		e.t.Fatalf("opening %s: %d %s", l, p.Status, p.Body)
	}
	p = cl.Submit(p, nil)
	if !strings.Contains(p.Body, `name="password"`) {
		e.t.Fatalf("after continuing: %s", p.Body)
	}
	return cl, p
}

// TestLinkOpenedTwice: two browsers open the same link and both reach the
// password form; the first to save wins, the second is told the link was
// used and its password is not set.
func TestLinkOpenedTwice(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			e.ask("jane")
			l := link(t, e.mails(1)[0])
			a, pa := e.toPassword(e.url, l)
			bb, pb := e.toPassword(e.url, l)
			if p := a.Submit(pa, map[string]any{"password": "first-Passw0rd", "password_repeat": "first-Passw0rd"}); p.Location == "" {
				t.Fatalf("first: %s", p.Body)
			}
			p := bb.Submit(pb, map[string]any{"password": "second-Passw0rd", "password_repeat": "second-Passw0rd"})
			if !strings.Contains(p.Body, "already been used") {
				t.Fatalf("second: %d %s", p.Status, p.Body)
			}
			if !e.canLogin("jane", "first-Passw0rd") || e.canLogin("jane", "second-Passw0rd") {
				t.Fatal("the second browser's password was set")
			}
		})
	}
}

// TestLinkExpired: a link past token_expiry (minutes=30 in the blueprint)
// is refused when opened, and when finished by a browser that opened it in
// time.
func TestLinkExpired(t *testing.T) {
	e := newEnv(t, testapp.Backends(t)[0])
	e.ask("jane")
	l := link(t, e.mails(1)[0])
	cl, p := e.toPassword(e.url, l)
	e.ahead.Store(int64(31 * time.Minute))
	p = cl.Submit(p, map[string]any{"password": newPassword, "password_repeat": newPassword})
	if !strings.Contains(p.Body, "expired") {
		t.Fatalf("finishing after expiry: %d %s", p.Status, p.Body)
	}
	if p = testapp.NewClient(t, e.url).Get(l); !strings.Contains(p.Body, "This link has expired.") {
		t.Fatalf("opening after expiry: %d %s", p.Status, p.Body)
	}
	if !e.canLogin("jane", janePassword) {
		t.Fatal("the password changed through an expired link")
	}
	// A made-up token says so.
	if p = testapp.NewClient(t, e.url).Get(e.url + "/if/flow/" + recoveryFlow + "/?flow_token=madeup"); !strings.Contains(p.Body, "not valid") {
		t.Fatalf("made-up token: %d %s", p.Status, p.Body)
	}
}

var hidden = regexp.MustCompile(`value="[^"]*"|nonce="[^"]*"`)

// TestUnknownAddress: an address or username nobody has gets the same
// page as a real one, and no email is sent.
func TestUnknownAddress(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			known := e.ask("jane@example.com")
			unknown := e.ask("nobody@example.com")
			if known.Status != unknown.Status || hidden.ReplaceAllString(known.Body, "") != hidden.ReplaceAllString(unknown.Body, "") {
				t.Fatalf("pages differ:\n%s\n----\n%s", known.Body, unknown.Body)
			}
			e.mails(1)
			e.deliver()
			time.Sleep(200 * time.Millisecond)
			if n := len(e.smtp.Messages()); n != 1 {
				t.Fatalf("%d emails, want only jane's", n)
			}
			// An inactive account is treated as unknown: nothing is sent and
			// recovering it cannot reactivate it.
			j := e.user("jane")
			if err := user.SetActive(context.Background(), e.st, &j, false); err != nil {
				t.Fatal(err)
			}
			if p := e.ask("jane"); !strings.Contains(p.Body, sentText) {
				t.Fatalf("inactive: %s", p.Body)
			}
			e.deliver()
			time.Sleep(200 * time.Millisecond)
			if n := len(e.smtp.Messages()); n != 1 {
				t.Fatalf("an inactive account got an email (%d)", n)
			}
		})
	}
}

// TestRecoveryRateLimited: recovery_max_attempts (5 in the blueprint)
// emails per identifier per recovery_cache_timeout; the sixth request is
// refused with 429 whether or not the account exists, and sends nothing.
func TestRecoveryRateLimited(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			for _, who := range []string{"jane", "ghost"} {
				for i := 1; i <= 6; i++ {
					cl := testapp.NewClient(t, e.url)
					// Each from its own address: the per-identifier limit is tested.
					cl.HTTP.Transport = forwardedFor(who, i)
					p := cl.Submit(cl.Get(cl.PageURL(recoveryFlow, "")), map[string]any{"uid_field": who})
					if i <= 5 && !strings.Contains(p.Body, sentText) {
						t.Fatalf("%s request %d: %d %s", who, i, p.Status, p.Body)
					}
					if i == 6 && p.Status != http.StatusTooManyRequests {
						t.Fatalf("%s request 6: %d, want 429", who, p.Status)
					}
				}
			}
			e.mails(5)
			time.Sleep(200 * time.Millisecond)
			if n := len(e.smtp.Messages()); n != 5 {
				t.Fatalf("%d emails, want 5 (jane's, none for the limited request or ghost)", n)
			}
		})
	}
}

// TestLinkOnSecondInstance: two servers share one PostgreSQL database; the
// first sends the link, the second (another process in production, with
// its own caches) finishes the recovery.
func TestLinkOnSecondInstance(t *testing.T) {
	dsn := storetest.NewPostgresDatabase(t)
	first := storetest.OpenPostgresUnmigrated(t, dsn)
	if err := first.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, first)
	second := testapp.NewServer(t, testapp.NewApp(t, storetest.OpenPostgresUnmigrated(t, dsn))).URL
	e.ask("jane")
	l := link(t, e.mails(1)[0])
	l = strings.Replace(l, e.url, second, 1)
	cl, p := e.toPassword(second, l)
	if p = cl.Submit(p, map[string]any{"password": newPassword, "password_repeat": newPassword}); p.Location == "" {
		t.Fatalf("finishing on the second instance: %s", p.Body)
	}
	if !e.canLogin("jane", newPassword) || e.canLogin("jane", janePassword) {
		t.Fatal("the password set on the second instance does not apply on the first")
	}
	if p = testapp.NewClient(t, e.url).Get(l); !strings.Contains(p.Body, "already been used") {
		t.Fatalf("the first instance still accepts the used link: %s", p.Body)
	}
}

// TestLinkThroughExecutorAPI: authentik's executor protocol resumes the
// flow from the link's query (?query=flow_token=...): ak-stage-email
// first, then the password prompt; and the second walk is denied.
func TestLinkThroughExecutorAPI(t *testing.T) {
	e := newEnv(t, testapp.Backends(t)[0])
	e.ask("jane")
	l := link(t, e.mails(1)[0])
	query := l[strings.Index(l, "?")+1:]
	cl := testapp.NewClient(t, e.url)
	steps := cl.FollowJSON(recoveryFlow, query, map[string]any{"password": newPassword, "password_repeat": newPassword})
	var comps []string
	for _, s := range steps {
		comps = append(comps, s.Component)
	}
	if strings.Join(comps, ",") != "ak-stage-email,ak-stage-prompt,xak-flow-redirect" {
		t.Fatalf("components %v", comps)
	}
	if !e.canLogin("jane", newPassword) {
		t.Fatal("the password set through the API does not sign in")
	}
	steps = testapp.NewClient(t, e.url).FollowJSON(recoveryFlow, query, nil)
	if last := testapp.Last(steps); last.Component != "ak-stage-access-denied" || !strings.Contains(last.Challenge["error_message"].(string), "already been used") {
		t.Fatalf("second walk: %v", last.Challenge)
	}
}

// TestLinkRace: eight browsers at the password form of one link submit at
// the same moment; exactly one password is saved.
func TestLinkRace(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			e.ask("jane")
			l := link(t, e.mails(1)[0])
			const n = 8
			clients := make([]*testapp.Client, n)
			pages := make([]testapp.Page, n)
			for i := range clients {
				clients[i], pages[i] = e.toPassword(e.url, l)
			}
			var wg sync.WaitGroup
			results := make([]testapp.Page, n)
			for i := range clients {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					pw := "race-Passw0rd-" + strconv.Itoa(i)
					results[i] = clients[i].Submit(pages[i], map[string]any{"password": pw, "password_repeat": pw})
				}(i)
			}
			wg.Wait()
			winner := -1
			for i, p := range results {
				switch {
				case p.Location != "":
					if winner >= 0 {
						t.Fatalf("browsers %d and %d both finished the link", winner, i)
					}
					winner = i
				case !strings.Contains(p.Body, "already been used"):
					t.Fatalf("browser %d: %d %s", i, p.Status, p.Body)
				}
			}
			if winner < 0 {
				t.Fatal("no browser finished the link")
			}
			for i := 0; i < n; i++ {
				if got := e.canLogin("jane", "race-Passw0rd-"+strconv.Itoa(i)); got != (i == winner) {
					t.Fatalf("password of browser %d signs in: %v (winner %d)", i, got, winner)
				}
			}
		})
	}
}
