package cli

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/sqlite"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testkit"
)

type result struct {
	code           int
	stdout, stderr string
}

// run calls Main as the usher binary would, with a private data directory
// unless env sets one.
func run(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(stdin), &out, &errb, env)
	return result{code, out.String(), errb.String()}
}

// testEnv is the environment of a fresh, migrated usher in a temporary
// data directory (commands other than serve and migrate refuse to create
// a database).
func testEnv(t *testing.T) []string {
	t.Helper()
	env := []string{"USHER_DATA_DIR=" + t.TempDir(), "USHER_PASSWORD_HASH=bcrypt:cost=4", "PATH=/usr/bin"}
	if r := run(t, env, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %d %s", r.code, r.stderr)
	}
	return env
}

func TestEveryCommandHasHelpWithExamples(t *testing.T) {
	var names []string
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		args := append(strings.Fields(name), "--help")
		r := run(t, nil, "", args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: usher") || !strings.Contains(r.stdout, "Examples:\n  usher") {
			t.Errorf("%s --help: code %d\n%s%s", name, r.code, r.stdout, r.stderr)
		}
	}
	r := run(t, nil, "", "help")
	for _, name := range names {
		if !strings.Contains(r.stdout, name) {
			t.Errorf("usher help does not list %q", name)
		}
	}
	if r := run(t, nil, "", "user"); r.code != 0 || !strings.Contains(r.stdout, "user set-password") || strings.Contains(r.stdout, "serve") {
		t.Errorf("usher user: %d %q", r.code, r.stdout)
	}
}

func TestBadInvocations(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		env    []string
		args   []string
		code   int
		stderr string // exact
	}{
		{"unknown command", nil, []string{"frobnicate"}, 2, "usher: unknown command \"frobnicate\" (run 'usher help' for the list)\n"},
		{"unknown subcommand", nil, []string{"user", "frob"}, 2, "usher: unknown command \"user frob\"\n"},
		{"misspelt command", nil, []string{"invitaton", "list"}, 2, "usher: unknown command \"invitaton list\" (did you mean invitation list?)\n"},
		{"misspelt subcommand", nil, []string{"invitation", "lst"}, 2, "usher: unknown command \"invitation lst\" (did you mean invitation list?)\n"},
		{"misspelt group", nil, []string{"usr"}, 2, "usher: unknown command \"usr\" (did you mean user?)\n"},
		{"no database here", []string{"USHER_DATA_DIR=" + filepath.Join(dir, "elsewhere")}, []string{"invitation", "list"}, 1,
			"usher: no usher database at " + filepath.Join(dir, "elsewhere", "usher.db") + "; run from the server's folder or set USHER_DATA_DIR / USHER_DATABASE_URL (or create one with 'usher migrate')\n"},
		{"unknown flag", testEnv(t), []string{"user", "list", "--bogus"}, 2,
			"usher user list: flag provided but not defined: -bogus\nRun 'usher user list --help' for usage.\n"},
		{"missing argument", testEnv(t), []string{"user", "create"}, 2,
			"usher user create: missing USERNAME\nRun 'usher user create --help' for usage.\n"},
		{"bad global flag", nil, []string{"--verbose", "serve"}, 2, "usher: unknown flag --verbose (the only global flag is --config FILE)\n"},
		{"one bad setting", []string{"USHER_LISTEN=abc"}, []string{"config"}, 1, "usher: invalid configuration: USHER_LISTEN: \"abc\" is not host:port\n"},
		{"several bad settings", []string{"USHER_LISTEN=abc", "USHER_LOG_FORMAT=xml"}, []string{"serve"}, 1,
			"usher: invalid configuration (2 problems):\n  USHER_LISTEN: \"abc\" is not host:port\n  USHER_LOG_FORMAT: \"xml\" is not one of text, json\n"},
		{"missing config file", nil, []string{"--config", filepath.Join(dir, "nope.yaml"), "config"}, 1,
			"usher: invalid configuration: --config: cannot read " + filepath.Join(dir, "nope.yaml") + ": no such file or directory\n"},
		{"unusable data dir", []string{"USHER_DATA_DIR=" + filepath.Join(file, "data")}, []string{"user", "list"}, 1,
			"usher: data directory " + filepath.Join(file, "data") + " cannot be created: not a directory (set USHER_DATA_DIR to a writable directory)\n"},
		{"unreachable database", []string{"USHER_DATABASE_URL=postgres://usher:dbpass@127.0.0.1:1/usher"}, []string{"migrate"}, 1,
			"usher: open database (USHER_DATABASE_URL): postgres: cannot reach database: failed to connect to `user=usher database=usher`: 127.0.0.1:1 (127.0.0.1): dial error: dial tcp 127.0.0.1:1: connect: connection refused\n"},
		{"unknown user", testEnv(t), []string{"user", "delete", "nobody"}, 1, "usher: no user named \"nobody\" (see 'usher user list')\n"},
		{"API rule on user type", testEnv(t), []string{"user", "create", "x", "--type", "internal_service_account"}, 2,
			"usher user create: --type: Setting a user to internal service account is not allowed.\nRun 'usher user create --help' for usage.\n"},
		// The users API's username and name rules (issue 12 item 10).
		{"API rule on username", testEnv(t), []string{"user", "create", "akadmin\u202e"}, 2,
			"usher user create: USERNAME: Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.\nRun 'usher user create --help' for usage.\n"},
		{"API rule on name", testEnv(t), []string{"user", "create", "x", "--name", "a\x00b"}, 2,
			"usher user create: --name: Enter text without NUL characters, in valid UTF-8.\nRun 'usher user create --help' for usage.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.env, "", tt.args...)
			if r.code != tt.code || r.stderr != tt.stderr {
				t.Errorf("code %d, stderr:\n%s\nwant code %d, stderr:\n%s", r.code, r.stderr, tt.code, tt.stderr)
			}
		})
	}
	// The refused command left no database (nor data directory) behind.
	if _, err := os.Stat(filepath.Join(dir, "elsewhere")); !os.IsNotExist(err) {
		t.Errorf("a command other than serve or migrate created the data directory: %v", err)
	}
}

// Help lists flags as the examples write them: --as, not -as.
func TestHelpFlagsUseDoubleDash(t *testing.T) {
	r := run(t, nil, "", "invitation", "create", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "\n  --as string\n") || strings.Contains(r.stdout, "\n  -as") ||
		!strings.Contains(r.stdout, `(default "akadmin")`) {
		t.Errorf("invitation create --help:\n%s", r.stdout)
	}
}

func TestUserCommands(t *testing.T) {
	env := testEnv(t)
	steps := []struct {
		stdin  string
		args   []string
		code   int
		stdout []string // regexps
	}{
		{"", []string{"user", "create", "alice", "--name", "Alice Liddell", "--email", "alice@example.com"}, 0,
			[]string{`^created user alice \(pk \d+\)\npassword: \S{20,}\n$`}},
		{"s3cret-passphrase\n", []string{"user", "create", "--password-stdin", "--superuser", "bob"}, 0,
			[]string{`^created user bob \(pk \d+\)\n$`}},
		{"", []string{"user", "create", "carol", "--type", "service_account", "--no-password"}, 0, []string{`created user carol`}},
		{"", []string{"user", "create", "alice"}, 1, nil},
		{"", []string{"user", "list"}, 0, []string{
			`PK +USERNAME +NAME +EMAIL +TYPE +ACTIVE +SUPERUSER +LAST LOGIN`,
			`\d+ +alice +Alice Liddell +alice@example.com +internal +yes +no +never`,
			`\d+ +bob +bob +internal +yes +yes`,
			`\d+ +carol +carol +service_account +yes +no`}},
		{"", []string{"user", "list", "--search", "EXAMPLE.com"}, 0, []string{`alice`}},
		{"", []string{"user", "list", "--limit", "1"}, 0, []string{`\(1 of 3 users shown; use --limit 0 for all\)`}},
		{"new-passphrase\n", []string{"user", "set-password", "bob", "--password-stdin"}, 0, []string{`^password of bob changed; their sessions have ended\n$`}},
		{"", []string{"user", "deactivate", "alice"}, 0, []string{`user alice deactivated`}},
		{"", []string{"user", "list", "--search", "alice"}, 0, []string{`alice +Alice Liddell +alice@example.com +internal +no`}},
		{"", []string{"user", "activate", "alice"}, 0, []string{`user alice activated`}},
		{"", []string{"user", "delete", "carol"}, 0, []string{`^deleted user carol\n$`}},
	}
	for _, s := range steps {
		r := run(t, env, s.stdin, s.args...)
		if r.code != s.code {
			t.Fatalf("%v: code %d, want %d\n%s%s", s.args, r.code, s.code, r.stdout, r.stderr)
		}
		for _, re := range s.stdout {
			if !regexp.MustCompile(`(?m)` + re).MatchString(r.stdout) {
				t.Errorf("%v: stdout lacks /%s/:\n%s", s.args, re, r.stdout)
			}
		}
	}
	if r := run(t, env, "", "user", "list", "--search", "carol"); strings.Contains(r.stdout, "carol") {
		t.Error("carol was not deleted")
	}

	// The database agrees: bob's password is the one from stdin.
	st := openTestStore(t, env)
	bob, err := st.GetUserByUsername(context.Background(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := auth.ParsePasswordHash("bcrypt:cost=4")
	if ok, _ := pw.Verify(bob.Password, "new-passphrase"); !ok {
		t.Error("set-password did not store the new password")
	}
	events, _, err := st.ListEvents(context.Background(), store.EventFilter{})
	if err != nil || len(events) < 6 {
		t.Errorf("CLI changes should be recorded as events: %d, %v", len(events), err)
	}
}

func openTestStore(t *testing.T, env []string) store.Store {
	t.Helper()
	var dir string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "USHER_DATA_DIR="); ok {
			dir = v
		}
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "usher.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestMigrateVersionConfig(t *testing.T) {
	env := []string{"USHER_DATA_DIR=" + t.TempDir(), "USHER_PASSWORD_HASH=bcrypt:cost=4", "PATH=/usr/bin",
		"USHER_BOOTSTRAP_PASSWORD=do-not-print-me"}
	r := run(t, env, "", "migrate")
	if r.code != 0 || !regexp.MustCompile(`^sqlite schema migrated from version 0 to \d+\n$`).MatchString(r.stdout) {
		t.Errorf("migrate: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = run(t, env, "", "migrate")
	if r.code != 0 || !strings.Contains(r.stdout, "up to date") {
		t.Errorf("second migrate: %q", r.stdout)
	}
	if r := run(t, env, "", "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "usher ") {
		t.Errorf("version: %q", r.stdout)
	}
	r = run(t, env, "", "config")
	if r.code != 0 || strings.Contains(r.stdout, "do-not-print-me") || !regexp.MustCompile(`USHER_BOOTSTRAP_PASSWORD +\*{8} +env`).MatchString(r.stdout) {
		t.Errorf("config:\n%s", r.stdout)
	}
}

func TestServePortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	r := run(t, append(testEnv(t), "USHER_LISTEN="+addr), "", "serve")
	if r.code != 1 || r.stderr != "usher: listen "+addr+": address already in use (another program, or another usher, has it; set USHER_LISTEN to a free host:port)\n" {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
}

// serve starts, bootstraps once, answers health checks and stops cleanly.
func TestServe(t *testing.T) {
	env := append(testEnv(t), "USHER_BOOTSTRAP_TOKEN=bootstrap-token-0123456789", "USHER_LOG_FORMAT=json")
	first := serveOnce(t, env)
	if !strings.Contains(first, `created administrator with a generated password (printed above, not logged)`) ||
		!strings.Contains(first, "|   Username:  akadmin") || !strings.Contains(first, `/if/flow/default-authentication-flow/`) {
		t.Errorf("first start did not announce the administrator:\n%s", first)
	}
	// The password is in the framed block and in no log line.
	pw := ""
	for _, line := range strings.Split(first, "\n") {
		if rest, ok := strings.CutPrefix(line, "|   Password:  "); ok {
			pw = strings.TrimSpace(strings.TrimSuffix(rest, "|"))
		}
	}
	if len(pw) < 16 || strings.Count(first, pw) != 1 {
		t.Errorf("password %q missing from the block or repeated in the logs:\n%s", pw, first)
	}
	if strings.Contains(first, "bootstrap-token-0123456789") {
		t.Error("the bootstrap token was logged")
	}
	// The server recorded where it answers, for the CLI's links.
	for _, kv := range env {
		if dir, ok := strings.CutPrefix(kv, "USHER_DATA_DIR="); ok {
			st, err := sqlite.Open(context.Background(), filepath.Join(dir, "usher.db"))
			if err != nil {
				t.Fatal(err)
			}
			u, err := st.GetSetting(context.Background(), settingServerURL)
			st.Close()
			if err != nil || !strings.HasPrefix(u, "http://127.0.0.1:") {
				t.Errorf("recorded server URL %q, %v", u, err)
			}
		}
	}
	second := serveOnce(t, env)
	if strings.Contains(second, "created administrator") {
		t.Errorf("second start bootstrapped again:\n%s", second)
	}
	st := openTestStore(t, env)
	tok, err := st.GetTokenByHash(context.Background(), auth.HashToken("bootstrap-token-0123456789"))
	if err != nil || tok.Identifier != auth.BootstrapTokenID {
		t.Errorf("bootstrap token: %+v %v", tok, err)
	}
}

// serveOnce runs "usher serve" until /-/health/ready/ answers, then stops
// it and returns its log.
func serveOnce(t *testing.T, env []string) string {
	t.Helper()
	inst := startServe(t, env)
	if err := inst.waitReady(); err != nil {
		t.Fatal(err)
	}
	return inst.stop(t)
}

// instance is a "usher serve" running in this process.
type instance struct {
	addr   string
	logs   *testkit.SyncBuffer
	cancel context.CancelFunc
	done   chan int
}

func startServe(t *testing.T, env []string) *instance {
	t.Helper()
	addr := testkit.FreeAddr(t)
	env = append(append([]string{}, env...), "USHER_LISTEN="+addr)
	ctx, cancel := context.WithCancel(context.Background())
	inst := &instance{addr: addr, logs: &testkit.SyncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() { inst.done <- Main(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, inst.logs, env) }()
	t.Cleanup(cancel)
	return inst
}

func (inst *instance) waitReady() error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + inst.addr + "/-/health/ready/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("serve never became ready:\n%s", inst.logs.String())
		}
		select {
		case code := <-inst.done:
			inst.done <- code
			return fmt.Errorf("serve exited with %d:\n%s", code, inst.logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (inst *instance) stop(t *testing.T) string {
	t.Helper()
	inst.cancel()
	select {
	case code := <-inst.done:
		if code != 0 {
			t.Errorf("serve exit code %d:\n%s", code, inst.logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	return inst.logs.String()
}

// Two instances starting at the same moment on one PostgreSQL database
// both serve, and only one of them bootstraps.
func TestServeTwoInstancesOnPostgres(t *testing.T) {
	dsn := storetest.NewPostgresDatabase(t)
	env := []string{"USHER_DATABASE_URL=" + dsn, "USHER_PASSWORD_HASH=bcrypt:cost=4", "USHER_DATA_DIR=" + t.TempDir(),
		"USHER_BOOTSTRAP_PASSWORD=admin-password-0123"}
	a, b := startServe(t, env), startServe(t, env)
	for _, inst := range []*instance{a, b} {
		if err := inst.waitReady(); err != nil {
			t.Fatal(err)
		}
	}
	logs := a.stop(t) + b.stop(t)
	if n := strings.Count(logs, "created administrator"); n != 1 {
		t.Errorf("%d instances bootstrapped, want 1:\n%s", n, logs)
	}
	st := storetest.OpenPostgresUnmigrated(t, dsn)
	_, total, err := st.ListUsers(context.Background(), store.UserFilter{})
	if err != nil || total != 1 {
		t.Errorf("users: %d, %v", total, err)
	}
}

// A database migrated by a newer usher is refused with a clear line.
func TestServeRefusesNewerSchema(t *testing.T) {
	env := testEnv(t)
	if r := run(t, env, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %s", r.stderr)
	}
	st := openTestStore(t, env)
	if _, err := st.(interface{ Writer() *sql.DB }).Writer().Exec(
		"INSERT INTO schema_migrations (version, applied_at) VALUES (999, '2030-01-01T00:00:00Z')"); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"serve"}, {"serve", "--migrate=false"}, {"migrate"}} {
		r := run(t, append(env, "USHER_LISTEN=127.0.0.1:0"), "", args...)
		want := "usher: database schema is newer than this binary: the database is at schema version 999 but this usher knows versions up to "
		if r.code != 1 || !strings.HasPrefix(r.stderr, want) || !strings.HasSuffix(r.stderr, "; upgrade usher\n") {
			t.Errorf("%v: code %d, stderr %q", args, r.code, r.stderr)
		}
	}
}
