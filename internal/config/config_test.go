package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	c, err := Load(nil, "")
	if err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if c.Listen != "127.0.0.1:9000" || c.DataDir != "./data" || c.LogLevel != "info" || c.LogFormat != "text" {
		t.Errorf("unexpected defaults: %+v", c)
	}
	if c.DatabasePath() != filepath.Join("data", "usher.db") || c.BlueprintsDir != filepath.Join("data", "blueprints") {
		t.Errorf("derived paths: %q %q", c.DatabasePath(), c.BlueprintsDir)
	}
	if c.EventRetention != 365*24*time.Hour || c.MaxBodyBytes != 1<<20 || c.Email.Port != 25 || c.Email.Timeout != 10*time.Second {
		t.Errorf("typed defaults: %v %v %v %v", c.EventRetention, c.MaxBodyBytes, c.Email.Port, c.Email.Timeout)
	}
}

// Every problem is reported at once, each naming its option.
func TestValidateListsEveryProblem(t *testing.T) {
	env := []string{
		"USHER_LISTEN=abc",
		"USHER_LOG_LEVEL=loud",
		"USHER_SESSION_TTL=soon",
		"USHER_MAX_BODY_BYTES=lots",
		"USHER_TRUSTED_PROXIES=10.0.0.0/8,not-a-net",
		"USHER_DATABASE_URL=mysql://x",
		"USHER_SECRET_KEY=short",
		"USHER_PASSWORD_HASH=md5",
		"USHER_EMAIL__PORT=99999",
		"USHER_EMAIL__USE_TLS=true",
		"USHER_EMAIL__USE_SSL=true",
		"USHER_LISTNE=x",
		"USHER_RATELIMIT_ADDRESS_LIMIT=-1",
		"USHER_RATELIMIT_TARGET_WINDOW=0",
		"USHER_TEST_POSTGRES_DSN=ignored",
		"HOME=/root",
	}
	_, err := Load(env, "")
	var probs Errors
	if !errors.As(err, &probs) {
		t.Fatalf("want Errors, got %v", err)
	}
	want := []string{
		`USHER_LISTEN: "abc" is not host:port`,
		`USHER_LOG_LEVEL: "loud" is not one of debug, info, warn, error`,
		`USHER_SESSION_TTL: "soon" is not a duration`,
		`USHER_MAX_BODY_BYTES: "lots" is not a size`,
		`USHER_TRUSTED_PROXIES: "not-a-net" is not a network`,
		`USHER_DATABASE_URL: must be empty (SQLite in the data directory) or a postgres:// URL`,
		`USHER_SECRET_KEY: must be at least 32 characters`,
		`USHER_PASSWORD_HASH: unknown password hash "md5"`,
		`USHER_EMAIL__PORT: "99999" is not a port number`,
		`USHER_EMAIL__USE_TLS: cannot be combined with USHER_EMAIL__USE_SSL`,
		`USHER_LISTNE: unknown setting (did you mean USHER_LISTEN?)`,
		`USHER_RATELIMIT_ADDRESS_LIMIT: "-1" must be 0 or more`,
		`USHER_RATELIMIT_TARGET_WINDOW: "0" must be at least 1s`,
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing problem %q in:\n%s", w, strings.ReplaceAll(msg, "; ", "\n"))
		}
	}
	if len(probs) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(probs), len(want), strings.ReplaceAll(msg, "; ", "\n"))
	}
	if strings.Contains(msg, "short") {
		t.Errorf("secret value leaked into the error: %s", msg)
	}
}

func TestValues(t *testing.T) {
	tests := []struct {
		env   string
		check func(c *Config) bool
	}{
		{"USHER_LISTEN=0.0.0.0:8080", func(c *Config) bool { return c.Listen == "0.0.0.0:8080" }},
		{"USHER_LISTEN=:8080", func(c *Config) bool { return c.Listen == ":8080" }},
		{"USHER_EVENT_RETENTION=30d", func(c *Config) bool { return c.EventRetention == 30*24*time.Hour }},
		{"USHER_INVITATION_RETENTION=72h", func(c *Config) bool { return c.InvitationRetention == 72*time.Hour }},
		{"USHER_MAX_BODY_BYTES=512KiB", func(c *Config) bool { return c.MaxBodyBytes == 512<<10 }},
		{"USHER_MAX_BODY_BYTES=10MB", func(c *Config) bool { return c.MaxBodyBytes == 10_000_000 }},
		{"USHER_MAX_BODY_BYTES=2048", func(c *Config) bool { return c.MaxBodyBytes == 2048 }},
		{"USHER_TRUSTED_PROXIES=10.0.0.0/8, 192.168.1.5", func(c *Config) bool {
			return len(c.TrustedProxies) == 2 && c.TrustedProxies[1].String() == "192.168.1.5/32"
		}},
		{"USHER_LOG_FORMAT=JSON", func(c *Config) bool { return c.LogFormat == "json" }},
		{"USHER_EMAIL__USE_SSL=1", func(c *Config) bool { return c.Email.UseSSL }},
		{"USHER_EVENTS__WEBHOOK_ACTIONS=login, invitation_used", func(c *Config) bool {
			return len(c.Events.WebhookActions) == 2 && c.Events.WebhookActions[1] == "invitation_used"
		}},
		{"USHER_DATABASE_URL=postgres://u:p@db:5432/usher", func(c *Config) bool { return c.Postgres() }},
		{"USHER_PASSWORD_HASH=bcrypt:cost=4", func(c *Config) bool { return c.PasswordHash == "bcrypt:cost=4" }},
		{"USHER_EMAIL__FROM=Usher <usher@example.com>", func(c *Config) bool { return c.Email.From == "Usher <usher@example.com>" }},
	}
	for _, tt := range tests {
		c, err := Load([]string{tt.env}, "")
		if err != nil {
			t.Errorf("%s: %v", tt.env, err)
			continue
		}
		if !tt.check(c) {
			t.Errorf("%s: wrong value in %+v", tt.env, c)
		}
	}
}

func TestFileAndEnvPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "usher.yaml")
	writeFile(t, file, `listen: 127.0.0.1:7000
data_dir: /srv/usher
log_level: debug
trusted_proxies: [10.0.0.0/8, 172.16.0.0/12]
email:
  host: smtp.example.com
  port: 587
  use_tls: true
`)
	c, err := Load([]string{"USHER_LOG_LEVEL=warn"}, file)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:7000" || c.DataDir != "/srv/usher" || c.Email.Host != "smtp.example.com" ||
		c.Email.Port != 587 || !c.Email.UseTLS || len(c.TrustedProxies) != 2 {
		t.Errorf("file values not applied: %+v", c)
	}
	if c.LogLevel != "warn" {
		t.Errorf("env must win over the file, got log level %q", c.LogLevel)
	}
	if c.BlueprintsDir != "/srv/usher/blueprints" {
		t.Errorf("blueprints dir should follow the data dir, got %q", c.BlueprintsDir)
	}
	o, _ := Lookup("USHER_LISTEN")
	if c.Source(o) != file+" line 1" {
		t.Errorf("source = %q", c.Source(o))
	}
}

func TestFileProblems(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, body string
		want       []string
	}{
		{"unknown keys", "listen: 127.0.0.1:1\nlsiten: x\nemail:\n  hots: a\n",
			[]string{"lsiten (", "line 2): unknown setting (did you mean listen?)", "email.hots (", "(did you mean email.host?)"}},
		{"bad value names option and line", "data_dir: ./d\nlisten: nope\n",
			[]string{`USHER_LISTEN (listen in `, `line 2): "nope" is not host:port`}},
		{"syntax error", "listen: [\n", []string{"is not valid YAML"}},
		{"not a mapping", "- a\n- b\n", []string{"must be a mapping"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".yaml")
			writeFile(t, file, tt.body)
			_, err := Load(nil, file)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	if _, err := Load(nil, filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
}

func TestSecretFileAndRedaction(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	writeFile(t, keyFile, "0123456789abcdef0123456789abcdef-from-file\n")
	c, err := Load([]string{
		"USHER_SECRET_KEY_FILE=" + keyFile,
		"USHER_BOOTSTRAP_PASSWORD=hunter2-hunter2",
		"USHER_DATABASE_URL=postgres://usher:dbpass@db/usher",
		"USHER_EMAIL__PASSWORD=smtp-pass",
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.SecretKey != "0123456789abcdef0123456789abcdef-from-file" {
		t.Errorf("secret from file = %q", c.SecretKey)
	}
	var out bytes.Buffer
	if err := c.Print(&out); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"from-file", "hunter2", "dbpass", "smtp-pass"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("printed config contains secret %q:\n%s", secret, out.String())
		}
	}
	if !strings.Contains(out.String(), "postgres://usher:xxxxx@db/usher") || !regexp.MustCompile(`USHER_BOOTSTRAP_PASSWORD +\*{8} +env`).MatchString(out.String()) {
		t.Errorf("printed config lacks redacted values:\n%s", out.String())
	}
	if s := c.LogValue().String(); strings.Contains(s, "hunter2") || !strings.Contains(s, "USHER_BOOTSTRAP_PASSWORD") {
		t.Errorf("log value: %s", s)
	}
}

// README.md's configuration table is generated from the option table; this
// keeps the two in step (regenerate with: go run ./cmd/usher config --markdown).
func TestREADMEMatchesOptions(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Skip("README.md not present")
	}
	if !strings.Contains(string(b), Markdown()) {
		t.Error("README.md configuration table is out of date; paste the output of: go run ./cmd/usher config --markdown")
	}
}

func TestParseBytesAndDuration(t *testing.T) {
	for in, want := range map[string]int64{"1": 1, "1KiB": 1024, "1 MiB": 1 << 20, "3MB": 3e6, "2g": 2 << 30} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MiB", "-1", "1XB", "99999999999999999999"} {
		if _, err := ParseBytes(bad); err == nil {
			t.Errorf("ParseBytes(%q) accepted", bad)
		}
	}
	for in, want := range map[string]time.Duration{"0": 0, "2d": 48 * time.Hour, "90s": 90 * time.Second} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v", in, got, err)
		}
	}
	// "3000000d" overflows time.Duration: it used to wrap around silently.
	for _, bad := range []string{"-5m", "xd", "5 days", "3000000d", "3000000h"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// An SMTP server counts as configured once USHER_EMAIL__HOST or PORT is
// set, in the environment or the file; the defaults alone do not.
func TestEmailConfigured(t *testing.T) {
	file := filepath.Join(t.TempDir(), "usher.yaml")
	writeFile(t, file, "email:\n  host: smtp.example.com\n")
	for _, tc := range []struct {
		name    string
		environ []string
		file    string
		want    bool
	}{
		{"defaults", nil, "", false},
		{"only the sender", []string{"USHER_EMAIL__FROM=id@example.com"}, "", false},
		{"host", []string{"USHER_EMAIL__HOST=smtp.example.com"}, "", true},
		{"port on localhost", []string{"USHER_EMAIL__PORT=1025"}, "", true},
		{"file", nil, file, true},
	} {
		c, err := Load(tc.environ, tc.file)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := c.EmailConfigured(); got != tc.want {
			t.Errorf("%s: EmailConfigured = %v, want %v", tc.name, got, tc.want)
		}
	}
	if !(&Config{}).EmailConfigured() {
		t.Error("a Config not built by Load should count as configured")
	}
}
