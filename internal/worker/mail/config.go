// Package mail sends usher's emails: settings named like authentik's, an
// SMTP sender (STARTTLS, implicit TLS, AUTH PLAIN, timeouts), multipart
// messages rendered from overridable templates, and the outbox handler that
// delivers messages of kind "email". Callers never send directly: they call
// Enqueue in the transaction of the action, and the outbox worker delivers.
package mail

import (
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the SMTP connection, named like authentik's email settings.
type Config struct {
	Host     string        // USHER_EMAIL__HOST, default localhost
	Port     int           // USHER_EMAIL__PORT, default 25
	Username string        // USHER_EMAIL__USERNAME; AUTH PLAIN when set
	Password string        // USHER_EMAIL__PASSWORD; secret
	UseTLS   bool          // USHER_EMAIL__USE_TLS: STARTTLS after connecting
	UseSSL   bool          // USHER_EMAIL__USE_SSL: TLS from the first byte (port 465)
	Timeout  time.Duration // USHER_EMAIL__TIMEOUT, default 10s: connect, and each message's whole exchange
	From     string        // USHER_EMAIL__FROM, default usher@localhost; may be "Name <addr>"

	// TLSConfig overrides the TLS client settings (tests trust a
	// self-signed certificate with it). Not read from the environment.
	TLSConfig *tls.Config
}

// DefaultConfig returns authentik's defaults (From is usher's).
func DefaultConfig() Config {
	return Config{Host: "localhost", Port: 25, Timeout: 10 * time.Second, From: "usher@localhost"}
}

// Env variable names.
const (
	EnvHost     = "USHER_EMAIL__HOST"
	EnvPort     = "USHER_EMAIL__PORT"
	EnvUsername = "USHER_EMAIL__USERNAME"
	EnvPassword = "USHER_EMAIL__PASSWORD"
	EnvUseTLS   = "USHER_EMAIL__USE_TLS"
	EnvUseSSL   = "USHER_EMAIL__USE_SSL"
	EnvTimeout  = "USHER_EMAIL__TIMEOUT"
	EnvFrom     = "USHER_EMAIL__FROM"
)

// ConfigFromEnv reads the USHER_EMAIL__* variables over the defaults and
// validates the result; the error lists every bad variable.
func ConfigFromEnv() (Config, error) { return configFrom(os.Getenv) }

func configFrom(getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	var errs []error
	if v := getenv(EnvHost); v != "" {
		c.Host = v
	}
	if v := getenv(EnvPort); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a port number (use e.g. 25, 465 or 587)", EnvPort, v))
		}
		c.Port = n
	}
	c.Username = getenv(EnvUsername)
	c.Password = getenv(EnvPassword)
	for _, b := range []struct {
		name string
		dst  *bool
	}{{EnvUseTLS, &c.UseTLS}, {EnvUseSSL, &c.UseSSL}} {
		if v := getenv(b.name); v != "" {
			t, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a boolean (use true or false)", b.name, v))
			}
			*b.dst = t
		}
	}
	if v := getenv(EnvTimeout); v != "" {
		d, err := ParseTimeout(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvTimeout, err))
		}
		c.Timeout = d
	}
	if v := getenv(EnvFrom); v != "" {
		c.From = v
	}
	if len(errs) == 0 {
		if err := c.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return c, errors.Join(errs...)
}

// ParseTimeout reads a timeout as authentik does (seconds, "10") or as a
// Go duration ("10s", "1m").
func ParseTimeout(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil && n > 0 && n <= math.MaxInt64/int(time.Second) { // larger wraps around
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a timeout (use seconds like 10, or a duration like 30s)", v)
	}
	return d, nil
}

// Validate checks the combination of settings; every problem names the
// variable to fix.
func (c Config) Validate() error {
	var errs []error
	if strings.TrimSpace(c.Host) == "" {
		errs = append(errs, fmt.Errorf("%s: must not be empty", EnvHost))
	}
	if c.Port < 1 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("%s: %d is not between 1 and 65535", EnvPort, c.Port))
	}
	if c.UseTLS && c.UseSSL {
		errs = append(errs, fmt.Errorf("%s and %s: set at most one (STARTTLS or implicit TLS)", EnvUseTLS, EnvUseSSL))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("%s: must be positive", EnvTimeout))
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		errs = append(errs, fmt.Errorf("%s: %q is not an email address (use usher@example.com or \"usher <usher@example.com>\")", EnvFrom, c.From))
	}
	if c.Password != "" && c.Username == "" {
		errs = append(errs, fmt.Errorf("%s: is set but %s is empty", EnvPassword, EnvUsername))
	}
	return errors.Join(errs...)
}

// String describes the settings with the password redacted (for logs and
// "usher config").
func (c Config) String() string {
	pw := ""
	if c.Password != "" {
		pw = "********"
	}
	return fmt.Sprintf("smtp://%s:%d from=%q username=%q password=%q use_tls=%t use_ssl=%t timeout=%s",
		c.Host, c.Port, c.From, c.Username, pw, c.UseTLS, c.UseSSL, c.Timeout)
}
