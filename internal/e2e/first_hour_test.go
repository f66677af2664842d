package e2e

import (
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestFirstHour walks the README's first hour from a fresh data directory,
// as a new administrator would: start usher without any bootstrap
// variable, find the generated password in the framed block, sign in and
// be made to choose a real password, apply authentik's example blueprint
// and create an invitation with the CLI (whose link must point at the
// running server), enroll through that link in another browser, and see
// the invitation used up in the CLI.
func TestFirstHour(t *testing.T) {
	skipShort(t)
	blueprintFile := exampleBlueprint(t, "flows-invitation-enrollment.yaml") // skips at once without shared/
	dataDir := t.TempDir()
	srv := startServer(t, serverOptions{DataDir: dataDir, FirstRun: true})

	// 1. The framed block names the real address, the user and a password.
	block := regexp.MustCompile(`(?s)\+-+\+\n\| usher is ready\. Sign in as the administrator:.*?\|   URL: +(\S+) +\|\n\|   Username: +akadmin +\|\n\|   Password: +(\S+) +\|`)
	var m []string
	for deadline := time.Now().Add(10 * time.Second); m == nil && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		m = block.FindStringSubmatch(srv.logs.String())
	}
	if m == nil {
		t.Fatalf("no framed first-login block in the output:\n%s", srv.logs.String())
	}
	if want := srv.URL + "/if/flow/default-authentication-flow/"; m[1] != want {
		t.Errorf("block URL %q, want %q", m[1], want)
	}
	password := m[2]
	for _, line := range strings.Split(srv.logs.String(), "\n") {
		if strings.HasPrefix(line, "{") && strings.Contains(line, password) {
			t.Fatalf("the generated password is in a log record: %s", line)
		}
	}

	// 2. The password signs in once: the console asks for a new one first.
	b := newBrowser(t, srv.URL)
	admin := b.actor("admin")
	admin.login(adminUsername, password)
	admin.waitText("Choose your own password now")
	admin.shot("must-change-password")
	admin.open("/if/admin/")
	admin.waitPath("/if/user/")
	const chosen = "first-hour-admin-passphrase"
	admin.typeInto(`input[name="current_password"]`, password)
	admin.typeInto(`input[name="new_password"]`, chosen)
	admin.typeInto(`input[name="new_password_repeat"]`, chosen)
	admin.clickAndWait("change the password", `//section[@id="change-password"]//button[@type="submit"]`)
	admin.waitText("Your password was changed.")
	admin.openAdmin()

	// 3. The CLI, run beside the server on its data directory.
	cli := func(args ...string) (string, string) {
		t.Helper()
		cmd := exec.Command(usherBin, args...)
		cmd.Env = append(processEnv(), "USHER_DATA_DIR="+dataDir, "USHER_PASSWORD_HASH=argon2id:m=8,t=1,p=1")
		var out, errs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errs
		if err := cmd.Run(); err != nil {
			t.Fatalf("usher %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errs.String())
		}
		return out.String(), errs.String()
	}
	cli("blueprint", "apply", blueprintFile)
	link, notes := cli("invitation", "create", "--name", "jane", "--flow", "invitation-enrollment-flow-internal",
		"--fixed-data", `{"name": "Jane Smith", "email": "jane@example.com"}`)
	link = strings.TrimSpace(link)
	if !strings.HasPrefix(link, srv.URL+"/if/flow/invitation-enrollment-flow-internal/?itoken=") {
		t.Fatalf("the CLI printed %q (notes %q); want a link to the running server %s", link, notes, srv.URL)
	}

	// 4. The invitee enrolls in their own browser.
	jane := b.actor("invitee")
	got := jane.enroll(link, person{Username: "jane", Password: "jane-Passw0rd-long"})
	if got["name"] != "Jane Smith" || got["email"] != "jane@example.com" {
		t.Errorf("pre-filled %v", got)
	}
	jane.waitPath("/if/user/")
	jane.waitText("Jane Smith")

	// 5. The CLI sees the invitation used up (one use and a week: the defaults).
	list, _ := cli("invitation", "list")
	if !regexp.MustCompile(`jane\s.*1/1`).MatchString(list) || !strings.Contains(list, "used") {
		t.Errorf("invitation list after enrolling:\n%s", list)
	}
	// The administrator's own password now works, and the generated one no longer does.
	again := b.actor("admin-again")
	again.login(adminUsername, chosen)
	again.openAdmin()
}
