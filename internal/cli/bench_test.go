package cli

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
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
