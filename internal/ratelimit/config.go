package ratelimit

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Rule is a limit: at most Limit failures per Window. A Limit of 0 turns
// the rule off.
type Rule struct {
	Limit  int
	Window time.Duration
}

// Config holds the two rules.
type Config struct {
	// Address applies to keys scoped by client address ("ip").
	Address Rule
	// Target applies to keys scoped by what is attacked (user, invitation).
	Target Rule
}

// Defaults suit a small company: a person mistyping a password a few times
// never notices, a script guessing is stopped after a handful of tries.
func Defaults() Config {
	return Config{Address: Rule{Limit: 10, Window: 5 * time.Minute}, Target: Rule{Limit: 20, Window: 15 * time.Minute}}
}

// Environment variables read by FromEnv (document them in the config table).
const (
	EnvAddressLimit  = "USHER_RATELIMIT_ADDRESS_LIMIT"  // failures per window per client address; 0 disables (default 10)
	EnvAddressWindow = "USHER_RATELIMIT_ADDRESS_WINDOW" // Go duration (default 5m)
	EnvTargetLimit   = "USHER_RATELIMIT_TARGET_LIMIT"   // failures per window per username/invitation; 0 disables (default 20)
	EnvTargetWindow  = "USHER_RATELIMIT_TARGET_WINDOW"  // Go duration (default 15m)
)

// ParseEnv reads the USHER_RATELIMIT_* variables through getenv (os.Getenv
// when nil); unset variables keep their defaults. The error names the
// variable and says what to write.
func ParseEnv(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := Defaults()
	for _, v := range []struct {
		env    string
		limit  *int
		window *time.Duration
	}{
		{EnvAddressLimit, &c.Address.Limit, nil}, {EnvAddressWindow, nil, &c.Address.Window},
		{EnvTargetLimit, &c.Target.Limit, nil}, {EnvTargetWindow, nil, &c.Target.Window},
	} {
		s := strings.TrimSpace(getenv(v.env))
		if s == "" {
			continue
		}
		if v.limit != nil {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return Config{}, fmt.Errorf("%s: %q is not a whole number of failures; use 0 to turn the limit off, or for example 10", v.env, s)
			}
			*v.limit = n
			continue
		}
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Second {
			return Config{}, fmt.Errorf("%s: %q is not a duration of at least one second; write for example 5m or 1h", v.env, s)
		}
		*v.window = d
	}
	return c, nil
}
