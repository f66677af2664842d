package cli

import (
	"bytes"

	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/testkit"
)

// TestBench runs the benchmark briefly on SQLite: both phases must
// succeed, every enrollment create an account, and the report carry each
// figure. The operator's data directory must stay untouched.
func TestBench(t *testing.T) {
	dataDir := t.TempDir()
	r := run(t, []string{"USHER_DATA_DIR=" + dataDir}, "", "bench", "--duration", "400ms", "--warmup", "0",
		"--clients", "3", "--password-hash", "argon2id:m=8,t=1,p=1")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"flow start (GET of the first challenge", "enrollments/s", "per enrollment", "per request",
		"CPU per enroll", "hash limit", "idle RSS", "peak RSS", "password hash argon2id:m=8,t=1,p=1", ", 0 failed)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "first failure") {
		t.Errorf("a request failed:\n%s", r.stdout)
	}
	m := regexp.MustCompile(`enrollments/s +[0-9.]+ +\((\d+) in`).FindStringSubmatch(r.stdout)
	c := regexp.MustCompile(`check +(\d+) accounts created in all`).FindStringSubmatch(r.stdout)
	if m == nil || c == nil {
		t.Fatalf("no enrollment count or check in:\n%s", r.stdout)
	}
	n, _ := strconv.Atoi(m[1])
	accounts, _ := strconv.Atoi(c[1])
	if n == 0 || accounts != n+1 { // the check enrolls once more
		t.Errorf("%d enrollments but %d accounts", n, accounts)
	}
	if entries, _ := os.ReadDir(dataDir); len(entries) != 0 {
		t.Errorf("bench wrote to USHER_DATA_DIR: %v", entries)
	}
}

func TestBenchSingleUse(t *testing.T) {
	r := run(t, nil, "", "bench", "--phase", "enroll", "--duration", "300ms", "--warmup", "0", "--clients", "2",
		"--single-use", "--invitations", "5", "--password-hash", "argon2id:m=8,t=1,p=1")
	// Five single-use invitations run out within the phase: the report says
	// so, and no invitation served two accounts.
	if r.code != 0 || !strings.Contains(r.stdout, "ran out (raise --invitations)") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if m := regexp.MustCompile(`\((\d+) in`).FindStringSubmatch(r.stdout); m == nil || m[1] != "5" {
		t.Errorf("want exactly 5 enrollments on 5 single-use invitations:\n%s", r.stdout)
	}
}

func TestBenchHashOnlyAndBadFlags(t *testing.T) {
	r := run(t, nil, "", "bench", "--hash-only", "--duration", "200ms", "--password-hash", "bcrypt:cost=4")
	if r.code != 0 || !strings.Contains(r.stdout, "hash limit") || !strings.Contains(r.stdout, "bcrypt:cost=4") {
		t.Errorf("--hash-only: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, args := range [][]string{
		{"--phase", "everything"}, {"--clients", "0"}, {"--duration", "0s"}, {"--password-hash", "md5"},
	} {
		r := run(t, nil, "", append([]string{"bench"}, args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, strings.TrimPrefix(args[0], "--")) {
			t.Errorf("bench %v: exit %d, stderr %q; want 2 naming the flag", args, r.code, r.stderr)
		}
	}
}

func TestBenchForm(t *testing.T) {
	body := `<form method="post" action="/if/flow/f/?itoken=a&amp;b=1">
<input type="hidden" name="csrfmiddlewaretoken" value="tok">
<input type="text" id="field-username" name="username" placeholder="Username" required>
<input type="password" id="field-password" name="password" required>
<input type="password" id="field-password_repeat" name="password_repeat" required>
<input type="email" id="field-email" name="email" value="fixed@example.com" readonly>
<input type="text" id="field-name" name="name">
<div class="check"><input type="checkbox" id="field-c" name="c" value="true"><input type="hidden" name="c" value="false"></div>
</form>`
	action, inputs, ok := parseBenchForm(body)
	if !ok || action != "/if/flow/f/?itoken=a&b=1" {
		t.Fatalf("action %q, ok %v", action, ok)
	}
	got := fillBenchForm(inputs, "u1")
	want := url.Values{"csrfmiddlewaretoken": {"tok"}, "username": {"u1"}, "password": {"Bench-password-u1"},
		"password_repeat": {"Bench-password-u1"}, "email": {"fixed@example.com"}, "name": {"Bench u1"}, "c": {"false"}}
	if got.Encode() != want.Encode() {
		t.Errorf("filled form\n got %s\nwant %s", got.Encode(), want.Encode())
	}
	if _, _, ok := parseBenchForm("<p>Access denied</p>"); ok {
		t.Error("a page without a form parsed as one")
	}
}

// The bench embeds authentik's example blueprint so it runs anywhere; the
// copy must stay byte for byte the file shared/ holds.
func TestBenchBlueprintIsTheExample(t *testing.T) {
	want, err := os.ReadFile(testkit.ExampleBlueprint(t, "flows-invitation-enrollment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(benchBlueprint, want) {
		t.Fatal("internal/cli/benchdata/flows-invitation-enrollment.yaml differs from authentik's example; copy it again, unmodified")
	}
}
