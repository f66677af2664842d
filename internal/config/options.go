package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/auth"
)

// Kind is how an option's text is parsed.
type Kind int

// Option kinds.
const (
	String   Kind = iota
	Int           // whole number
	Bytes         // size: 1048576, 512KiB, 4MiB, 10MB
	Duration      // Go duration (90s, 72h) or whole days (365d); 0 disables
	Bool          // true/false/1/0
	Addr          // host:port
	CIDRs         // comma-separated networks or addresses
	List          // comma-separated words
	Choice        // one of Choices
)

// Option is one setting. Its environment variable is Env; its YAML key is
// derived from it (USHER_EMAIL__HOST -> email.host), see YAMLKey.
type Option struct {
	Env     string
	Kind    Kind
	Default string // parsed like any other source; "" = unset
	// DefaultDoc replaces Default in documentation when the default is
	// derived from other options.
	DefaultDoc string
	Choices    []string
	// Secret values are never printed; they may also be read from a file
	// named by <Env>_FILE.
	Secret bool
	Help   string
	// Check validates the raw text beyond what Kind checks; its message is
	// prefixed with the option name.
	Check func(v string) error
	// Redact, for non-secret options that may embed a secret (a database
	// URL with a password), returns a printable form.
	Redact func(v string) string
	field  func(c *Config) any
}

// YAMLKey is the option's key in the configuration file.
func (o *Option) YAMLKey() string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(o.Env, "USHER_")), "__", ".")
}

// Options is the table of every setting usher reads. README.md's
// configuration table is generated from it (usher config --markdown).
var Options = []*Option{
	{Env: "USHER_LISTEN", Kind: Addr, Default: "127.0.0.1:9000",
		Help: "Address and port the HTTP server listens on.", field: func(c *Config) any { return &c.Listen }},
	{Env: "USHER_DATA_DIR", Default: "./data",
		Help:  "Directory for the SQLite database and other local state; created if missing.",
		field: func(c *Config) any { return &c.DataDir }},
	{Env: "USHER_DATABASE_URL", Check: checkDatabaseURL, Redact: redactURL, DefaultDoc: "SQLite `<data dir>/usher.db`",
		Help:  "Empty for the embedded SQLite database, or `postgres://user:pass@host:5432/db` for PostgreSQL.",
		field: func(c *Config) any { return &c.DatabaseURL }},
	{Env: "USHER_SECRET_KEY", Secret: true, Check: checkSecretKey, DefaultDoc: "generated, stored in the database",
		Help:  "Key that signs cookies and tokens (at least 32 characters). When unset, one is generated on first start and shared by every instance through the database.",
		field: func(c *Config) any { return &c.SecretKey }},
	{Env: "USHER_EXTERNAL_URL", Check: checkHTTPURL, DefaultDoc: "`http://<listen>`",
		Help:  "Public base URL, used in links printed by the CLI and in the bootstrap message (without it the CLI uses the address the server recorded).",
		field: func(c *Config) any { return &c.ExternalURL }},
	{Env: "USHER_BOOTSTRAP_PASSWORD", Secret: true,
		Help:  "Password of the `akadmin` user created on first start. When unset, a password is generated and printed once in a framed block on standard error (never logged); it serves for one sign-in, then the console asks for a new one.",
		field: func(c *Config) any { return &c.BootstrapPassword }},
	{Env: "USHER_BOOTSTRAP_TOKEN", Secret: true, Check: checkBootstrapToken,
		Help:  "When set on first start, an API token with this key is created for `akadmin` (identifier `authentik-bootstrap-token`).",
		field: func(c *Config) any { return &c.BootstrapToken }},
	{Env: "USHER_BOOTSTRAP_EMAIL", Check: checkEmail,
		Help:  "Email address of the `akadmin` user created on first start.",
		field: func(c *Config) any { return &c.BootstrapEmail }},
	{Env: "USHER_PASSWORD_HASH", Default: "argon2id", Check: checkPasswordHash,
		Help:  "How new passwords are hashed: `argon2id`, `argon2id:m=19456,t=2,p=1` or `bcrypt:cost=N`. bcrypt and Django `pbkdf2_sha256` hashes are always accepted and upgraded at the next login.",
		field: func(c *Config) any { return &c.PasswordHash }},
	{Env: "USHER_LOG_LEVEL", Kind: Choice, Default: "info", Choices: []string{"debug", "info", "warn", "error"},
		Help: "Least severe log level written.", field: func(c *Config) any { return &c.LogLevel }},
	{Env: "USHER_LOG_FORMAT", Kind: Choice, Default: "text", Choices: []string{"text", "json"},
		Help: "Log line format.", field: func(c *Config) any { return &c.LogFormat }},
	{Env: "USHER_BLUEPRINTS_DIR", DefaultDoc: "`<data dir>/blueprints`",
		Help:  "Directory scanned for blueprint files (`*.yaml`).",
		field: func(c *Config) any { return &c.BlueprintsDir }},
	{Env: "USHER_TEMPLATES_DIR",
		Help:  "Optional directory whose files override the built-in page and email templates.",
		field: func(c *Config) any { return &c.TemplatesDir }},
	{Env: "USHER_PASSWORD_BREACHED_LIST", DefaultDoc: "built-in list", Check: checkReadableFile,
		Help:  "File of breached or common passwords that password policies with `check_have_i_been_pwned` check against instead of the online service, which usher never calls: one password per line, or SHA-1 hex as in Have I Been Pwned's downloadable files (`HASH:COUNT`). Read once per process. Without it, a small built-in list of the most common passwords is used.",
		field: func(c *Config) any { return &c.BreachedPasswordsFile }},
	{Env: "USHER_DEBUG_LISTEN", Kind: Addr, Check: checkLoopback,
		Help:  "Loopback address (`127.0.0.1:6060`) for a second listener serving Go's profiler (`/debug/pprof/`) so an operator can profile a live server; off when empty. Only loopback addresses are accepted: profiles expose memory contents. See SECURITY.md.",
		field: func(c *Config) any { return &c.DebugListen }},
	{Env: "USHER_TRUSTED_PROXIES", Kind: CIDRs,
		Help:  "Comma-separated networks (`10.0.0.0/8,192.168.1.5`) whose `X-Forwarded-For` and `X-Forwarded-Proto` headers are believed.",
		field: func(c *Config) any { return &c.TrustedProxies }},
	{Env: "USHER_SESSION_TTL", Kind: Duration, Default: "24h",
		Help:  "How long an anonymous or browser-length session lives after its last use.",
		field: func(c *Config) any { return &c.SessionTTL }},
	{Env: "USHER_EVENT_RETENTION", Kind: Duration, Default: "365d",
		Help:  "How long events are kept (authentik's default is 365 days).",
		field: func(c *Config) any { return &c.EventRetention }},
	{Env: "USHER_INVITATION_RETENTION", Kind: Duration, Default: "0",
		Help:  "Delete invitations this long after they expired; `0` keeps them forever.",
		field: func(c *Config) any { return &c.InvitationRetention }},
	{Env: "USHER_MAX_BODY_BYTES", Kind: Bytes, Default: "1MiB",
		Help:  "Largest request body accepted (larger gets HTTP 413).",
		field: func(c *Config) any { return &c.MaxBodyBytes }},
	{Env: "USHER_BLUEPRINT_MAX_BYTES", Kind: Bytes, Default: "4MiB",
		Help:  "Largest blueprint file accepted, on disk or uploaded.",
		field: func(c *Config) any { return &c.BlueprintMaxBytes }},
	{Env: "USHER_RATELIMIT_ADDRESS_LIMIT", Kind: Int, Default: "10", Check: checkNonNegative,
		Help:  "Failed attempts (bad invitation tokens, wrong passwords, rejected answers, bad API tokens) allowed per client address per window; `0` turns the limit off.",
		field: func(c *Config) any { return &c.RateLimit.AddressLimit }},
	{Env: "USHER_RATELIMIT_ADDRESS_WINDOW", Kind: Duration, Default: "5m", Check: checkAtLeastSecond,
		Help:  "Window of the per-address limit.",
		field: func(c *Config) any { return &c.RateLimit.AddressWindow }},
	{Env: "USHER_RATELIMIT_TARGET_LIMIT", Kind: Int, Default: "20", Check: checkNonNegative,
		Help:  "Failed attempts allowed per target (a username) per window, from any address; `0` turns the limit off.",
		field: func(c *Config) any { return &c.RateLimit.TargetLimit }},
	{Env: "USHER_RATELIMIT_TARGET_WINDOW", Kind: Duration, Default: "15m", Check: checkAtLeastSecond,
		Help:  "Window of the per-target limit.",
		field: func(c *Config) any { return &c.RateLimit.TargetWindow }},
	{Env: "USHER_EMAIL__HOST", Default: "localhost",
		Help: "SMTP server host. Until it or `USHER_EMAIL__PORT` is set, usher does not send invitations by email (it says so where it would offer to).", field: func(c *Config) any { return &c.Email.Host }},
	{Env: "USHER_EMAIL__PORT", Kind: Int, Default: "25", Check: checkPort,
		Help: "SMTP server port.", field: func(c *Config) any { return &c.Email.Port }},
	{Env: "USHER_EMAIL__USERNAME",
		Help: "SMTP user name; empty for no authentication.", field: func(c *Config) any { return &c.Email.Username }},
	{Env: "USHER_EMAIL__PASSWORD", Secret: true,
		Help: "SMTP password.", field: func(c *Config) any { return &c.Email.Password }},
	{Env: "USHER_EMAIL__USE_TLS", Kind: Bool, Default: "false",
		Help: "Upgrade the SMTP connection with STARTTLS.", field: func(c *Config) any { return &c.Email.UseTLS }},
	{Env: "USHER_EMAIL__USE_SSL", Kind: Bool, Default: "false",
		Help: "Connect to the SMTP server over TLS (usually port 465).", field: func(c *Config) any { return &c.Email.UseSSL }},
	{Env: "USHER_EMAIL__TIMEOUT", Kind: Duration, Default: "10s",
		Help: "SMTP connection timeout.", field: func(c *Config) any { return &c.Email.Timeout }},
	{Env: "USHER_EMAIL__FROM", Default: "usher@localhost", Check: checkFrom,
		Help: "Sender address of emails.", field: func(c *Config) any { return &c.Email.From }},
	{Env: "USHER_EVENTS__WEBHOOK_URL", Check: checkHTTPURL,
		Help:  "When set, matching events are POSTed as JSON to this URL.",
		field: func(c *Config) any { return &c.Events.WebhookURL }},
	{Env: "USHER_EVENTS__WEBHOOK_SECRET", Secret: true,
		Help:  "Key for the webhook's `X-Usher-Signature` HMAC.",
		field: func(c *Config) any { return &c.Events.WebhookSecret }},
	{Env: "USHER_EVENTS__WEBHOOK_ACTIONS", Kind: List,
		Help:  "Comma-separated event actions sent to the webhook; empty sends all.",
		field: func(c *Config) any { return &c.Events.WebhookActions }},
}

// Lookup returns the option named by env.
func Lookup(env string) (*Option, bool) {
	for _, o := range Options {
		if o.Env == env {
			return o, true
		}
	}
	return nil, false
}

func checkDatabaseURL(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return fmt.Errorf("must be empty (SQLite in the data directory) or a postgres:// URL")
	}
	if u.Host == "" && u.Query().Get("host") == "" {
		return fmt.Errorf("postgres URL has no host (want postgres://user:pass@host:5432/dbname)")
	}
	return nil
}

func redactURL(v string) string {
	u, err := url.Parse(v)
	if err != nil {
		return "********"
	}
	return u.Redacted()
}

func checkSecretKey(v string) error {
	if v != "" && len(v) < 32 {
		return fmt.Errorf("must be at least 32 characters (generate one with: openssl rand -base64 48)")
	}
	return nil
}

func checkBootstrapToken(v string) error {
	if v != "" && len(v) < 16 {
		return fmt.Errorf("must be at least 16 characters")
	}
	return nil
}

func checkHTTPURL(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// URL", v)
	}
	return nil
}

func checkEmail(v string) error {
	if v == "" {
		return nil
	}
	local, domain, ok := strings.Cut(v, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(v, " <>") {
		return fmt.Errorf("%q is not an email address", v)
	}
	return nil
}

// checkFrom accepts "addr@host" or "Name <addr@host>".
func checkFrom(v string) error {
	addr := v
	if i := strings.LastIndex(v, "<"); i >= 0 && strings.HasSuffix(v, ">") {
		addr = v[i+1 : len(v)-1]
	}
	return checkEmail(addr)
}

// checkReadableFile refuses a file that cannot be opened, at start rather
// than at the first password checked.
func checkReadableFile(v string) error {
	if v == "" {
		return nil
	}
	f, err := os.Open(v)
	if err != nil {
		return fmt.Errorf("cannot read %s: %v", v, errors.Unwrap(err))
	}
	return f.Close()
}

func checkPasswordHash(v string) error {
	_, err := auth.ParsePasswordHash(v)
	return err
}

func checkPort(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q is not a port number (1-65535)", v)
	}
	return nil
}

// checkAddr validates host:port with a numeric or named port.
func checkAddr(v string) error {
	host, port, err := net.SplitHostPort(v)
	if err != nil || port == "" {
		return fmt.Errorf("%q is not host:port", v)
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Errorf("%q is not host:port", v)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q is not host:port (the port must be a number, 0-65535)", v)
	}
	return nil
}

// checkLoopback accepts only a loopback host (127.0.0.0/8, ::1,
// localhost): the profiler it serves has no authentication and can read
// the process's memory (secrets included).
func checkLoopback(v string) error {
	if v == "" {
		return nil // off
	}
	host, _, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Errorf("%q is not host:port", v)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if host == "" {
		host = "every interface"
	}
	return fmt.Errorf("%q listens on %s: the profiler must stay on a loopback address such as 127.0.0.1:6060 or [::1]:6060 (reach it from elsewhere through an SSH tunnel)", v, host)
}

func checkNonNegative(v string) error {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n < 0 {
		return fmt.Errorf("%q must be 0 or more", v)
	}
	return nil
}

func checkAtLeastSecond(v string) error {
	if d, err := ParseDuration(v); err == nil && d < time.Second {
		return fmt.Errorf("%q must be at least 1s (for example 5m)", v)
	}
	return nil
}
