package e2e

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/usher-id/usher/internal/testapp"
	"github.com/usher-id/usher/internal/testkit"
	"github.com/usher-id/usher/internal/worker/mail/mailtest"
)

var flowTokenLink = regexp.MustCompile(`https?://[^\s"'<>]+/if/flow/[-a-z0-9]+/\?flow_token=[A-Za-z0-9_-]+`)

// TestForgotPasswordInChromium: authentik's recovery blueprint imported
// unmodified and set as the brand's recovery flow; in Chromium a user
// follows "Forgot username or password?" from the sign-in page, gets the
// email through SMTP, opens the link in another browser, sets a new
// password and signs in with it, while the old one is refused. The
// administrator's user page makes a recovery link to hand over.
func TestForgotPasswordInChromium(t *testing.T) {
	skipShort(t)
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			smtp := mailtest.Start(t, mailtest.Options{})
			srv := startServer(t, serverOptions{DSN: databaseFor(t, backend), Mail: smtp})
			srv.importBlueprintAPI(t, testkit.AuthentikBlueprint(t, "flows-recovery-email-verification.yaml"))
			setBrandRecovery(t, srv)
			pk := createUser(t, srv, "jane", "jane@example.com", "old-Passw0rd-jane")

			b := newBrowser(t, srv.URL)
			jane := b.actor("jane")
			jane.open("/")
			jane.do("wait for the login form", chromedp.WaitVisible(chromedp.CSS(`input[name="uid_field"]`)))
			jane.shot("sign-in")
			jane.clickAndWait("Forgot username or password?", `//a[normalize-space(.)="Forgot username or password?"]`)
			jane.waitPath("/if/flow/default-recovery-flow/")
			jane.typeInto(`input[name="uid_field"]`, "jane@example.com")
			jane.clickButton(jane.submitLabel())
			jane.waitText("Check your email.")
			jane.shot("check-email")

			m := smtp.Wait(t, 1, 30*time.Second)[0]
			link := flowTokenLink.FindString(m.Text)
			if m.To[0] != "jane@example.com" || link == "" {
				t.Fatalf("email to %v without a link:\n%s", m.To, m.Text)
			}

			phone := b.actor("jane-phone") // another browser
			phone.open(link)
			phone.waitText("You opened the link from your email.")
			phone.shot("link-opened")
			phone.clickButton("Continue")
			phone.do("wait for the password form", chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)))
			phone.typeInto(`input[name="password"]`, "new-Passw0rd-jane")
			phone.typeInto(`input[name="password_repeat"]`, "new-Passw0rd-jane")
			phone.shot("new-password")
			phone.clickButton(phone.submitLabel())
			phone.waitPath("/if/user/")
			phone.shot("signed-in")

			fresh := b.actor("jane-laptop")
			fresh.login("jane", "new-Passw0rd-jane")
			old := b.actor("jane-old-password")
			old.open("/")
			old.do("wait for the login form", chromedp.WaitVisible(chromedp.CSS(`input[name="uid_field"]`)))
			old.typeInto(`input[name="uid_field"]`, "jane")
			if !old.has(`input[name="password"]`) {
				old.clickButton(old.submitLabel())
				old.do("wait for the password field", chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)))
			}
			old.typeInto(`input[name="password"]`, "old-Passw0rd-jane")
			old.clickButton(old.submitLabel())
			old.waitText("Failed to authenticate.")
			old.shot("old-password-refused")

			// The used link says so.
			phone.open(link)
			phone.waitText("This link has already been used.")

			admin := b.actor("admin")
			admin.login(adminUsername, adminPassword)
			admin.open("/if/admin/users/" + strconv.FormatInt(pk, 10) + "/")
			admin.clickButton("Create recovery link")
			if v := admin.value("#recovery-link"); !flowTokenLink.MatchString(v) {
				t.Fatalf("recovery link on the user page: %q", v)
			}
			admin.shot("recovery-link")
			admin.clickButton("Send recovery email")
			admin.waitText("Recovery email queued for delivery to jane@example.com.")
			if m := smtp.Wait(t, 2, 30*time.Second)[1]; m.To[0] != "jane@example.com" || !flowTokenLink.MatchString(m.Text) {
				t.Fatalf("recovery email from the user page to %v:\n%s", m.To, m.Text)
			}

			// An email stage made in the console with its own SMTP server.
			own := mailtest.Start(t, mailtest.Options{})
			admin.open("/if/admin/")
			createStage(admin, "Email Stage", "it-mail", func() {
				admin.check("#f-use_global_settings", false)
				admin.typeInto("#f-host", own.Host)
				admin.typeInto("#f-port", strconv.Itoa(own.Port))
				admin.typeInto("#f-password", "smtp-secret")
				admin.typeInto("#f-from_address", "it@example.com")
				admin.typeInto("#f-subject", "Your recovery link")
			})
			admin.open("/if/admin/users/" + strconv.FormatInt(pk, 10) + "/")
			admin.choose("#recovery-stage", "it-mail")
			admin.clickButton("Send recovery email")
			admin.waitText("Recovery email queued for delivery to jane@example.com.")
			if m := own.Wait(t, 1, 30*time.Second)[0]; m.Subject != "Your recovery link" || !strings.Contains(m.Header.Get("From"), "it@example.com") {
				t.Fatalf("the stage's own SMTP server got %q from %q", m.Subject, m.Header.Get("From"))
			}
		})
	}
}

// setBrandRecovery makes the imported default-recovery-flow the default
// brand's recovery flow through the API.
func setBrandRecovery(t *testing.T, srv *server) {
	t.Helper()
	var f struct {
		PK string `json:"pk"`
	}
	srv.getJSON(t, "/api/v3/flows/instances/default-recovery-flow/", &f)
	var brands struct {
		Results []struct {
			UUID string `json:"brand_uuid"`
		} `json:"results"`
	}
	srv.getJSON(t, "/api/v3/core/brands/", &brands)
	if len(brands.Results) == 0 || f.PK == "" {
		t.Fatalf("brands %+v, flow %q", brands, f.PK)
	}
	r := srv.request(t, http.MethodPatch, "/api/v3/core/brands/"+brands.Results[0].UUID+"/", adminToken,
		map[string]any{"flow_recovery": f.PK})
	if r.Status != http.StatusOK {
		t.Fatalf("set flow_recovery: %d %s", r.Status, r.Body)
	}
}

// createUser creates an internal user with a password through the API.
func createUser(t *testing.T, srv *server, username, email, password string) int64 {
	t.Helper()
	r := srv.request(t, http.MethodPost, "/api/v3/core/users/", adminToken, map[string]any{"username": username,
		"name": strings.ToUpper(username[:1]) + username[1:], "email": email, "path": "users", "type": "internal"})
	if r.Status != http.StatusCreated {
		t.Fatalf("create user: %d %s", r.Status, r.Body)
	}
	var u struct {
		PK int64 `json:"pk"`
	}
	if err := json.Unmarshal(r.Body, &u); err != nil {
		t.Fatal(err)
	}
	if r := srv.request(t, http.MethodPost, "/api/v3/core/users/"+strconv.FormatInt(u.PK, 10)+"/set_password/", adminToken,
		map[string]any{"password": password}); r.Status != http.StatusNoContent {
		t.Fatalf("set password: %d %s", r.Status, r.Body)
	}
	return u.PK
}

// TestRecoveryAcrossProcesses: two `usher serve` processes share one
// PostgreSQL database; the link the first mails is finished on the second,
// and the first then accepts the new password and refuses the used link.
func TestRecoveryAcrossProcesses(t *testing.T) {
	skipShort(t)
	smtp := mailtest.Start(t, mailtest.Options{})
	dsn := databaseFor(t, "postgres")
	first := startServer(t, serverOptions{DSN: dsn, Mail: smtp})
	first.importBlueprintAPI(t, testkit.AuthentikBlueprint(t, "flows-recovery-email-verification.yaml"))
	setBrandRecovery(t, first)
	createUser(t, first, "jane", "jane@example.com", "old-Passw0rd-jane")
	second := startServer(t, serverOptions{DSN: dsn, Mail: smtp})

	asker := testapp.NewClient(t, first.URL)
	p := asker.Submit(asker.Get(asker.PageURL("default-recovery-flow", "")), map[string]any{"uid_field": "jane"})
	if !strings.Contains(p.Body, "Check your email.") {
		t.Fatalf("asking on the first instance: %d %s", p.Status, p.Body)
	}
	m := smtp.Wait(t, 1, 30*time.Second)[0]
	link := flowTokenLink.FindString(m.Text)
	if !strings.HasPrefix(link, first.URL) {
		t.Fatalf("link %q is not the first instance's", link)
	}
	link = second.URL + strings.TrimPrefix(link, first.URL)

	cl := testapp.NewClient(t, second.URL)
	p = cl.Submit(cl.Get(link), nil)
	p = cl.Submit(p, map[string]any{"password": "new-Passw0rd-jane", "password_repeat": "new-Passw0rd-jane"})
	if p.Location == "" {
		t.Fatalf("finishing on the second instance: %d %s", p.Status, p.Body)
	}
	login := testapp.NewClient(t, first.URL)
	pages := login.FollowHTML("default-authentication-flow", "", map[string]any{"uid_field": "jane", "password": "new-Passw0rd-jane"})
	if last := pages[len(pages)-1]; last.Location == "" || strings.Contains(last.Location, "/if/flow/") {
		t.Fatalf("the new password does not sign in on the first instance: %s", last.Body)
	}
	again := testapp.NewClient(t, first.URL)
	if p = again.Get(strings.Replace(link, second.URL, first.URL, 1)); !strings.Contains(p.Body, "This link has already been used.") {
		t.Fatalf("the first instance accepts the used link: %s", p.Body)
	}
}
