// Package config reads usher's settings from USHER_* environment variables
// and an optional YAML file (environment wins), validates all of them at
// once and prints them with secrets redacted. Every option is declared in
// one table, Options.
package config

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Config is the effective configuration.
type Config struct {
	Listen                string
	DataDir               string
	DatabaseURL           string
	SecretKey             string
	ExternalURL           string
	BootstrapPassword     string
	BootstrapToken        string
	BootstrapEmail        string
	PasswordHash          string
	LogLevel              string
	LogFormat             string
	BlueprintsDir         string
	TemplatesDir          string
	BreachedPasswordsFile string
	TrustedProxies        []netip.Prefix
	DebugListen           string
	SessionTTL            time.Duration
	EventRetention        time.Duration
	InvitationRetention   time.Duration
	MaxBodyBytes          int64
	BlueprintMaxBytes     int64
	Email                 Email
	Events                Events
	RateLimit             RateLimit

	raw    map[string]string // option env name -> effective text
	source map[string]string // option env name -> "default", "env", "file FILE"
}

// Email holds the SMTP settings (authentik's AUTHENTIK_EMAIL__* names).
type Email struct {
	Host     string
	Port     int
	Username string
	Password string
	UseTLS   bool
	UseSSL   bool
	Timeout  time.Duration
	From     string
}

// RateLimit holds the failure limits (see internal/ratelimit).
type RateLimit struct {
	AddressLimit  int
	AddressWindow time.Duration
	TargetLimit   int
	TargetWindow  time.Duration
}

// Events holds the optional event webhook settings.
type Events struct {
	WebhookURL     string
	WebhookSecret  string
	WebhookActions []string
}

// DatabasePath is the SQLite file used when DatabaseURL is empty.
func (c *Config) DatabasePath() string {
	return filepath.Join(c.DataDir, "usher.db")
}

// Postgres reports whether the database is PostgreSQL.
func (c *Config) Postgres() bool { return c.DatabaseURL != "" }

// Problem is one invalid setting.
type Problem struct {
	Option string // env name, or the YAML key / variable that is unknown
	Msg    string
}

func (p Problem) String() string { return p.Option + ": " + p.Msg }

// Errors lists every problem found; Load returns it as its error.
type Errors []Problem

func (e Errors) Error() string {
	if len(e) == 1 {
		return "invalid configuration: " + e[0].String()
	}
	lines := make([]string, len(e))
	for i, p := range e {
		lines[i] = p.String()
	}
	return fmt.Sprintf("invalid configuration (%d problems): %s", len(e), strings.Join(lines, "; "))
}

// Load builds the configuration from environ (os.Environ() form) and, when
// file is not empty, a YAML file. All problems are collected into one
// Errors value; the returned Config is still filled as far as possible.
func Load(environ []string, file string) (*Config, error) {
	c := &Config{raw: map[string]string{}, source: map[string]string{}}
	var probs Errors

	env := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, "USHER_") {
			env[k] = v
		}
	}

	var fileVals map[string]fileValue
	if file != "" {
		var err error
		fileVals, err = readFile(file)
		if err != nil {
			return c, Errors{{Option: "--config", Msg: err.Error()}}
		}
		probs = append(probs, unknownKeys(file, fileVals)...)
	}
	probs = append(probs, unknownEnv(env)...)

	bad := map[string]bool{} // options that failed to parse skip the cross checks
	for _, o := range Options {
		text, src := o.Default, "default"
		if fv, ok := fileVals[o.YAMLKey()]; ok {
			text, src = fv.text, fmt.Sprintf("%s line %d", file, fv.line)
		}
		if v, ok := env[o.Env]; ok {
			text, src = v, "env"
		}
		if o.Secret {
			if path, ok := env[o.Env+"_FILE"]; ok {
				if _, both := env[o.Env]; both {
					probs = append(probs, Problem{o.Env, "set both " + o.Env + " and " + o.Env + "_FILE; keep one"})
				}
				b, err := os.ReadFile(path)
				if err != nil {
					probs = append(probs, Problem{o.Env + "_FILE", fmt.Sprintf("cannot read %s: %v", path, unwrapPath(err))})
				}
				text, src = strings.TrimRight(string(b), "\r\n"), "file "+path
			}
		}
		c.raw[o.Env], c.source[o.Env] = text, src
		if err := set(o, o.field(c), text); err != nil {
			name := o.Env
			if strings.Contains(src, " line ") {
				name = fmt.Sprintf("%s (%s in %s)", o.Env, o.YAMLKey(), src)
			}
			probs = append(probs, Problem{name, err.Error()})
			bad[o.Env] = true
		}
	}
	probs = append(probs, c.crossChecks(bad)...)
	if c.BlueprintsDir == "" {
		c.BlueprintsDir = filepath.Join(c.DataDir, "blueprints")
	}
	if len(probs) > 0 {
		return c, probs
	}
	return c, nil
}

func (c *Config) crossChecks(bad map[string]bool) []Problem {
	var p []Problem
	if c.Email.UseTLS && c.Email.UseSSL {
		p = append(p, Problem{"USHER_EMAIL__USE_TLS", "cannot be combined with USHER_EMAIL__USE_SSL (choose STARTTLS or implicit TLS, not both)"})
	}
	if c.DataDir == "" {
		p = append(p, Problem{"USHER_DATA_DIR", "must not be empty"})
	}
	if c.SessionTTL < time.Minute && !bad["USHER_SESSION_TTL"] {
		p = append(p, Problem{"USHER_SESSION_TTL", "must be at least 1m"})
	}
	if c.MaxBodyBytes <= 0 && !bad["USHER_MAX_BODY_BYTES"] {
		p = append(p, Problem{"USHER_MAX_BODY_BYTES", "must be greater than 0"})
	}
	if c.BlueprintMaxBytes <= 0 && !bad["USHER_BLUEPRINT_MAX_BYTES"] {
		p = append(p, Problem{"USHER_BLUEPRINT_MAX_BYTES", "must be greater than 0"})
	}
	return p
}

// set parses text into dst according to o.Kind, then runs o.Check.
func set(o *Option, dst any, text string) error {
	shown := strconv.Quote(text)
	if o.Secret {
		shown = "the value"
	}
	switch o.Kind {
	case Int:
		if text == "" {
			return nil
		}
		n, err := strconv.Atoi(text)
		if err != nil {
			return fmt.Errorf("%s is not a whole number", shown)
		}
		*dst.(*int) = n
	case Bytes:
		n, err := ParseBytes(text)
		if err != nil {
			return fmt.Errorf("%s is not a size (use bytes or a unit: 512KiB, 4MiB, 10MB)", shown)
		}
		*dst.(*int64) = n
	case Duration:
		d, err := ParseDuration(text)
		if err != nil {
			return fmt.Errorf("%s is not a duration (use 90s, 30m, 72h or 365d)", shown)
		}
		*dst.(*time.Duration) = d
	case Bool:
		if text == "" {
			return nil
		}
		b, err := strconv.ParseBool(text)
		if err != nil {
			return fmt.Errorf("%s is not true or false", shown)
		}
		*dst.(*bool) = b
	case Addr:
		if text == "" && o.Default == "" {
			return nil // an optional address: off
		}
		if err := checkAddr(text); err != nil {
			return err
		}
		*dst.(*string) = text
	case CIDRs:
		var nets []netip.Prefix
		var bad []string
		for _, part := range splitList(text) {
			if p, err := netip.ParsePrefix(part); err == nil {
				nets = append(nets, p.Masked())
			} else if a, err := netip.ParseAddr(part); err == nil {
				nets = append(nets, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			} else {
				bad = append(bad, strconv.Quote(part))
			}
		}
		if len(bad) > 0 {
			return fmt.Errorf("%s is not a network (want CIDRs like 10.0.0.0/8 or addresses, comma-separated)", strings.Join(bad, ", "))
		}
		*dst.(*[]netip.Prefix) = nets
	case List:
		*dst.(*[]string) = splitList(text)
	case Choice:
		v := strings.ToLower(text)
		ok := false
		for _, ch := range o.Choices {
			ok = ok || ch == v
		}
		if !ok {
			return fmt.Errorf("%s is not one of %s", shown, strings.Join(o.Choices, ", "))
		}
		*dst.(*string) = v
	default:
		*dst.(*string) = text
	}
	if o.Check != nil {
		if err := o.Check(text); err != nil {
			return err
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// ParseDuration reads a Go duration or a whole number of days ("365d").
// "0" and "" are zero.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, errors.New("invalid day count")
		}
		// time.Duration holds about 292 years; more used to wrap around.
		if n > math.MaxInt64/int(24*time.Hour) {
			return 0, fmt.Errorf("too many days: at most %d", math.MaxInt64/int(24*time.Hour))
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, errors.New("invalid duration")
	}
	return d, nil
}

var byteUnits = map[string]int64{"": 1, "b": 1, "kb": 1000, "mb": 1000 * 1000, "gb": 1000 * 1000 * 1000,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}

// ParseBytes reads a size: a number optionally followed by B, KB, MB, GB
// (powers of 1000) or KiB, MiB, GiB, K, M, G (powers of 1024).
func ParseBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) })
	if i == 0 {
		return 0, errors.New("invalid size")
	}
	num, unit := s, ""
	if i > 0 {
		num, unit = s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	}
	n, err := strconv.ParseInt(num, 10, 64)
	mult, ok := byteUnits[unit]
	if err != nil || !ok || n > (1<<62)/mult {
		return 0, errors.New("invalid size")
	}
	return n * mult, nil
}

func unknownEnv(env map[string]string) []Problem {
	var names []string
	for k := range env {
		names = append(names, k)
	}
	sort.Strings(names)
	known := make([]string, 0, len(Options))
	for _, o := range Options {
		known = append(known, o.Env)
	}
	var p []Problem
	for _, k := range names {
		if _, ok := Lookup(k); ok || strings.HasPrefix(k, "USHER_TEST_") {
			continue // USHER_TEST_* belong to the test suite
		}
		if base, ok := strings.CutSuffix(k, "_FILE"); ok {
			if o, ok := Lookup(base); ok && o.Secret {
				continue
			}
		}
		p = append(p, Problem{k, "unknown setting" + DidYouMean(k, known)})
	}
	return p
}

func unknownKeys(file string, vals map[string]fileValue) []Problem {
	known := make([]string, 0, len(Options))
	for _, o := range Options {
		known = append(known, o.YAMLKey())
	}
	var keys []string
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var p []Problem
	for _, k := range keys {
		found := false
		for _, kk := range known {
			found = found || kk == k
		}
		if !found {
			p = append(p, Problem{fmt.Sprintf("%s (%s line %d)", k, file, vals[k].line), "unknown setting" + DidYouMean(k, known)})
		}
	}
	return p
}

// DidYouMean suggests the closest known name when it is close enough:
// " (did you mean X?)", or "". The CLI uses it for mistyped commands too.
func DidYouMean(name string, known []string) string {
	best, bestD := "", 1<<30
	for _, k := range known {
		if d := distance(strings.ToLower(name), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" && bestD <= max(2, len(name)/4) {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	return ""
}

// distance is the Levenshtein edit distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
