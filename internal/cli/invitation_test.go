package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/sqlite"
	"github.com/usher-id/usher/internal/store/sqlstore"
)

// invitationCLI is a temp data dir with akadmin and an enrollment flow
// "enroll" that has an invitation stage.
type invitationCLI struct {
	t   *testing.T
	dir string
	env []string
}

func newInvitationCLI(t *testing.T) *invitationCLI {
	dir := t.TempDir()
	c := &invitationCLI{t: t, dir: dir, env: []string{"USHER_DATA_DIR=" + dir, "USHER_PASSWORD_HASH=bcrypt:cost=4",
		"USHER_EXTERNAL_URL=https://id.example.com", "USHER_EMAIL__HOST=smtp.example.com"}}
	c.ok("migrate")
	c.ok("user", "create", "akadmin", "--no-password")
	c.ok("user", "create", "ada", "--no-password", "--name", "Ada Admin")

	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "usher.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	flow := store.Flow{Name: "Enrollment", Slug: "enroll", Title: "Welcome", Designation: store.DesignationEnrollment,
		Authentication: "require_unauthenticated", Layout: "stacked", PolicyEngineMode: "any", DeniedAction: "message_continue"}
	stage, _ := store.NewStage(store.StageInvitation, "enroll-invitation")
	for _, err := range []error{st.CreateFlow(ctx, &flow), st.CreateStage(ctx, &stage)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	b := store.FlowStageBinding{Target: flow.UUID, Stage: stage.UUID, Order: 10, EvaluateOnPlan: true,
		ReEvaluatePolicies: true, InvalidResponseAction: "retry", PolicyEngineMode: "any"}
	if err := st.CreateBinding(ctx, &b); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *invitationCLI) run(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, strings.NewReader(stdin), &out, &errb, c.env)
	return code, out.String(), errb.String()
}

func (c *invitationCLI) ok(args ...string) string {
	c.t.Helper()
	code, out, errs := c.run("", args...)
	if code != 0 {
		c.t.Fatalf("usher %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func (c *invitationCLI) store() store.Store {
	c.t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(c.dir, "usher.db"))
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { st.Close() })
	return st
}

var linkRE = regexp.MustCompile(`^https://id\.example\.com/if/flow/enroll/\?itoken=([0-9a-f-]{36})\n$`)

func TestInvitationCLILifecycle(t *testing.T) {
	c := newInvitationCLI(t)
	out := c.ok("invitation", "create", "--name", "jane", "--flow", "enroll", "--single-use", "--expires", "72h",
		"--email", "jane@example.com", "--fixed-data", "name: Jane Smith", "--send", "--as", "ada")
	m := linkRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("create printed %q, want only the link", out)
	}
	id := m[1]
	ctx := context.Background()
	st := c.store()
	inv, err := st.GetInvitation(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	creator, _ := st.GetUserByUsername(ctx, "ada")
	if !inv.SingleUse() || inv.Email != "jane@example.com" || inv.FixedData["name"] != "Jane Smith" || inv.CreatedBy != creator.PK {
		t.Errorf("stored %+v", inv)
	}
	if msgs, _ := st.ListOutbox(ctx, 10); len(msgs) != 1 || !strings.Contains(string(msgs[0].Payload), id) {
		t.Errorf("outbox = %+v", msgs)
	}

	c.ok("invitation", "create", "--name", "team", "--flow", "enroll", "--max-uses", "5")
	list := c.ok("invitation", "list")
	for _, want := range []string{"UUID", id, "jane", "enroll", "0/1", "0/5", "active", "ada", "jane@example.com"} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %q:\n%s", want, list)
		}
	}
	show := c.ok("invitation", "show", "jane")
	for _, want := range []string{"UUID:        " + id, "Link:        https://id.example.com/if/flow/enroll/?itoken=" + id,
		"Status:      active", `"name": "Jane Smith"`} {
		if !strings.Contains(show, want) {
			t.Errorf("show lacks %q:\n%s", want, show)
		}
	}
	if out := c.ok("invitation", "revoke", id); !strings.Contains(out, "revoked invitation jane") {
		t.Errorf("revoke: %q", out)
	}
	if list := c.ok("invitation", "list", "--status", "revoked"); !strings.Contains(list, id) || strings.Contains(list, "team") {
		t.Errorf("list --status revoked:\n%s", list)
	}
	c.ok("invitation", "send", "team", "--to", "a@example.com", "--to", "b@example.com")
	if msgs, _ := st.ListOutbox(ctx, 10); len(msgs) != 3 {
		t.Errorf("%d outbox messages after send, want 3", len(msgs))
	}
	c.ok("invitation", "delete", "jane")
	if _, err := st.GetInvitation(ctx, id); err == nil {
		t.Error("invitation still there after delete")
	}
}

func TestInvitationCLIErrors(t *testing.T) {
	c := newInvitationCLI(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"missing flags", []string{"invitation", "create", "--name", "x"}, 2, []string{"--name and --flow are required"}},
		{"bad values", []string{"invitation", "create", "--name", "Bad Name", "--flow", "enroll", "--expires", "2001-01-01",
			"--fixed-data", "[1, 2]", "--email", "x@"},
			1, []string{"--email: \"x@\" is not a valid email address", `--expires: "2001-01-01" is in the past`,
				"--fixed-data: Value must be a dictionary", "--name: Enter a valid “slug”"}},
		{"unknown flow", []string{"invitation", "create", "--name", "x", "--flow", "nope"}, 1, []string{`no flow with slug "nope"`}},
		{"unknown actor", []string{"invitation", "create", "--name", "x", "--flow", "enroll", "--as", "ghost"}, 1,
			[]string{`--as: no user named "ghost"`}},
		{"unknown invitation", []string{"invitation", "show", "nope"}, 1, []string{`no invitation with UUID or name "nope"`}},
		{"bad status", []string{"invitation", "list", "--status", "gone"}, 2, []string{`--status: "gone" is not one of`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := c.run("", tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, stderr)
			}
			for _, w := range tt.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "goroutine") || strings.Count(stderr, "\n") > 3 {
				t.Errorf("stderr should be a short error:\n%s", stderr)
			}
		})
	}
	if n, _, _ := c.store().ListInvitations(context.Background(), store.InvitationFilter{}); len(n) != 0 {
		t.Errorf("%d invitations created by failing commands", len(n))
	}
}

func TestInvitationCLIImport(t *testing.T) {
	c := newInvitationCLI(t)
	bad := filepath.Join(c.dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("email,name,department\na@example.com,a,Eng\nx@,x,Eng\nc@example.com,C C,Ops\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := c.run("", "invitation", "import", bad, "--flow", "enroll")
	if code != 1 || !strings.Contains(stderr, `row 3: email "x@" is not a valid email address`) ||
		!strings.Contains(stderr, `row 4: name "C C"`) || !strings.Contains(stderr, "nothing was imported") {
		t.Fatalf("bad import: exit %d\n%s", code, stderr)
	}
	st := c.store()
	if invs, _, _ := st.ListInvitations(context.Background(), store.InvitationFilter{}); len(invs) != 0 {
		t.Fatalf("%d invitations after a refused import", len(invs))
	}
	if code, _, stderr := c.run("", "invitation", "import", "-", "--flow", "enroll"); code != 1 || !strings.Contains(stderr, "row 1: the file is empty") {
		t.Errorf("empty stdin: exit %d\n%s", code, stderr)
	}
	code, out, stderr := c.run("email,department\na@example.com,Eng\nb@example.com,Ops\n",
		"invitation", "import", "-", "--flow", "enroll", "--expires", "14d", "--send")
	if code != 0 || out != "created 2 invitations for flow enroll; 2 invitation emails queued\n" {
		t.Fatalf("import: exit %d %q %s", code, out, stderr)
	}
	invs, _, _ := st.ListInvitations(context.Background(), store.InvitationFilter{Ordering: "name"})
	if len(invs) != 2 || invs[0].Name != "a-example-com" || invs[0].FixedData["department"] != "Eng" || !invs[0].SingleUse() {
		t.Errorf("imported %+v", invs)
	}
}

// Expiry values outside years 1-9999, or a duration too long for Go's
// time.Duration (which used to wrap around to a date in 2056), are refused
// with an error naming --expires, by create and by import; an invitation
// already stored with such a time (by hand, or by an older usher) can
// still be listed, shown and deleted.
func TestInvitationCLIExpiryRange(t *testing.T) {
	c := newInvitationCLI(t)
	for _, v := range []string{"3000000d", "3000000h", "99999999999999999999w", "9999-12-31T23:59:59-23:59", "0000-01-01T00:00:00+14:00"} {
		code, _, stderr := c.run("", "invitation", "create", "--name", "far", "--flow", "enroll", "--expires", v)
		if code != 1 || !strings.Contains(stderr, "--expires: \""+v+"\"") ||
			!(strings.Contains(stderr, "too long") || strings.Contains(stderr, "between the years 1 and 9999")) {
			t.Errorf("create --expires %s: exit %d\n%s", v, code, stderr)
		}
	}
	code, _, stderr := c.run("email\na@example.com\n", "invitation", "import", "-", "--flow", "enroll", "--expires", "3000000d")
	if code != 1 || !strings.Contains(stderr, `row 2: expires: "3000000d" is too long`) || !strings.Contains(stderr, "nothing was imported") {
		t.Errorf("import --expires 3000000d: exit %d\n%s", code, stderr)
	}
	st := c.store()
	ctx := context.Background()
	if invs, _, _ := st.ListInvitations(ctx, store.InvitationFilter{}); len(invs) != 0 {
		t.Fatalf("%d invitations after refused commands", len(invs))
	}

	out := c.ok("invitation", "create", "--name", "y10000", "--flow", "enroll")
	id := linkRE.FindStringSubmatch(out)[1]
	if _, err := st.(*sqlstore.DB).Writer().ExecContext(ctx, "UPDATE invitations SET expires = '10000-01-01T23:58:59.000000Z' WHERE invite_uuid = ?", id); err != nil {
		t.Fatal(err)
	}
	if list := c.ok("invitation", "list"); !strings.Contains(list, "y10000") {
		t.Errorf("list:\n%s", list)
	}
	if show := c.ok("invitation", "show", "y10000"); !strings.Contains(show, "9999-12-31") {
		t.Errorf("show:\n%s", show)
	}
	c.ok("invitation", "delete", "y10000")
	if _, err := st.GetInvitation(ctx, id); err == nil {
		t.Error("invitation still there after delete")
	}
}

// Without USHER_EXTERNAL_URL, links use the address the last server on this
// database recorded; before any server ran, they are a guess that is said.
func TestInvitationLinkBase(t *testing.T) {
	c := newInvitationCLI(t)
	c.env = []string{c.env[0], c.env[1]} // no USHER_EXTERNAL_URL
	code, out, errs := c.run("", "invitation", "create", "--name", "guess", "--flow", "enroll")
	if code != 0 || !strings.HasPrefix(out, "http://127.0.0.1:9000/if/flow/enroll/?itoken=") ||
		!strings.Contains(errs, "a guess (no usher server has run on this database yet)") {
		t.Fatalf("before a server ran: %d %q %q", code, out, errs)
	}
	ctx := context.Background()
	st := c.store()
	if err := st.SetSetting(ctx, settingServerURL, "http://127.0.0.1:9100"); err != nil {
		t.Fatal(err)
	}
	code, out, errs = c.run("", "invitation", "create", "--name", "recorded", "--flow", "enroll")
	if code != 0 || !strings.HasPrefix(out, "http://127.0.0.1:9100/if/flow/enroll/?itoken=") || strings.Contains(errs, "guess") {
		t.Fatalf("after a server recorded its address: %d %q %q", code, out, errs)
	}
}

// TestInvitationCLIDefaults: without --max-uses and --expires the CLI
// makes what the console's form proposes, one use valid for a week
// (invitation.DefaultMaxUses, DefaultExpiry); an open-ended link must be
// asked for.
func TestInvitationCLIDefaults(t *testing.T) {
	c := newInvitationCLI(t)
	ctx := context.Background()
	st := c.store()
	get := func(out string) store.Invitation {
		t.Helper()
		m := linkRE.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("create printed %q", out)
		}
		inv, err := st.GetInvitation(ctx, m[1])
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	before := time.Now()
	inv := get(c.ok("invitation", "create", "--name", "plain", "--flow", "enroll"))
	if inv.MaxUses == nil || *inv.MaxUses != invitation.DefaultMaxUses || inv.Expires == nil {
		t.Fatalf("defaults: max_uses %v, expires %v; want 1 and a week", inv.MaxUses, inv.Expires)
	}
	if d := inv.Expires.Sub(before); d < invitation.DefaultExpiry-time.Minute || d > invitation.DefaultExpiry+time.Minute {
		t.Errorf("default expiry is %v from now, want %v", d, invitation.DefaultExpiry)
	}
	open := get(c.ok("invitation", "create", "--name", "open", "--flow", "enroll", "--max-uses", "0", "--expires", "never"))
	if open.MaxUses != nil || open.Expires != nil {
		t.Errorf("--max-uses 0 --expires never: max_uses %v, expires %v; want unlimited, never", open.MaxUses, open.Expires)
	}
}

// TestInvitationCLISharedName: names are not unique (as in authentik);
// the CLI refuses to guess between two invitations with one name and
// takes either by UUID.
func TestInvitationCLISharedName(t *testing.T) {
	c := newInvitationCLI(t)
	first := linkRE.FindStringSubmatch(c.ok("invitation", "create", "--name", "twin", "--flow", "enroll"))
	c.ok("invitation", "create", "--name", "twin", "--flow", "enroll")
	code, _, stderr := c.run("", "invitation", "revoke", "twin")
	if code != 1 || !strings.Contains(stderr, `several invitations are named "twin": give the UUID`) {
		t.Fatalf("revoke by a shared name: exit %d, %q", code, stderr)
	}
	if first == nil {
		t.Fatal("no link printed")
	}
	if out := c.ok("invitation", "revoke", first[1]); !strings.Contains(out, "revoked invitation twin") {
		t.Errorf("revoke by UUID: %q", out)
	}
}
