package ratelimit

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

// Actions counted by usher (the first part of a key).
const (
	InvitationFail = "invitation_fail"
	LoginFail      = "login_fail"
	PromptFail     = "prompt_fail"
	APITokenFail   = "api_token_fail"
)

// EventRateLimited is recorded once per key and window, when a key reaches
// its limit (not on every refused request, so an attack cannot flood the
// event log).
const EventRateLimited = "rate_limited"

// IPKey is the key counting action per client address. IPv6 addresses
// count per /64, the block one subscriber usually gets, so rotating
// addresses inside it does not reset the count.
func IPKey(action, addr string) string {
	if a, err := netip.ParseAddr(addr); err == nil {
		a = a.Unmap()
		if a.Is6() {
			p, _ := a.Prefix(64)
			addr = p.String()
		} else {
			addr = a.String()
		}
	}
	return action + ":ip:" + addr
}

// TargetKey is the key counting action against one target, e.g.
// TargetKey(LoginFail, "user", "alice"). Names are compared case-
// insensitively, as logins are.
func TargetKey(action, scope, name string) string {
	return action + ":" + scope + ":" + strings.ToLower(strings.TrimSpace(name))
}

// Limiter checks and counts failures. It keeps no state: everything is in
// the store.
type Limiter struct {
	Store  store.Queries
	Config Config
	// Events, when set, receives the rate_limited event.
	Events *event.Recorder
	Log    *slog.Logger
	Now    func() time.Time
}

// New returns a limiter with cfg.
func New(st store.Queries, cfg Config, events *event.Recorder, log *slog.Logger) *Limiter {
	return &Limiter{Store: st, Config: cfg, Events: events, Log: log}
}

// FromEnv returns a limiter configured from the USHER_RATELIMIT_*
// variables. A bad value is logged and the defaults are used, so a typo
// never leaves usher unprotected; config validation should call ParseEnv
// first to refuse to start instead.
func FromEnv(st store.Queries, events *event.Recorder, log *slog.Logger) *Limiter {
	cfg, err := ParseEnv(nil)
	if err != nil {
		if log != nil {
			log.Error("rate limits: using defaults", "err", err)
		}
		cfg = Defaults()
	}
	return New(st, cfg, events, log)
}

// For returns l, or a limiter configured from the environment when l is
// nil.
func For(l *Limiter, st store.Queries, events *event.Recorder, log *slog.Logger) *Limiter {
	if l != nil {
		return l
	}
	return FromEnv(st, events, log)
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// rule picks the rule for key by its scope (the second part).
func (l *Limiter) rule(key string) Rule {
	parts := strings.SplitN(key, ":", 3)
	if len(parts) >= 2 && parts[1] == "ip" {
		return l.Config.Address
	}
	return l.Config.Target
}

// window returns the start of the fixed window containing now.
func window(now time.Time, d time.Duration) time.Time { return now.UTC().Truncate(d) }

// Check reports whether any key has reached its limit and, if so, how long
// until the latest of those windows ends. A database error is logged and
// lets the request through: the action itself will then fail cleanly.
func (l *Limiter) Check(ctx context.Context, keys ...string) (retryAfter time.Duration, limited bool) {
	if l == nil {
		return 0, false
	}
	now := l.now()
	for _, key := range keys {
		r := l.rule(key)
		if r.Limit <= 0 || key == "" {
			continue
		}
		start := window(now, r.Window)
		n, ok := memoFrom(ctx).count(ctx, l, key, start)
		if !ok {
			var err error
			if n, err = l.Store.HitCount(ctx, key, start); err != nil {
				l.logErr(ctx, "rate limit check failed", err)
				continue
			}
		}
		if n >= r.Limit {
			limited = true
			if d := start.Add(r.Window).Sub(now); d > retryAfter {
				retryAfter = d
			}
		}
	}
	return retryAfter, limited
}

// Fail counts one failure for each key. When a key reaches its limit, a
// rate_limited event is recorded (once per key and window).
func (l *Limiter) Fail(ctx context.Context, keys ...string) {
	if l == nil {
		return
	}
	now := l.now()
	for _, key := range keys {
		r := l.rule(key)
		if r.Limit <= 0 || key == "" {
			continue
		}
		start := window(now, r.Window)
		n, err := l.Store.Hit(ctx, key, start, start.Add(r.Window))
		if err != nil {
			l.logErr(ctx, "rate limit count failed", err)
			continue
		}
		memoFrom(ctx).record(key, start, n)
		if n == r.Limit {
			l.record(ctx, key, r)
		}
	}
}

func (l *Limiter) record(ctx context.Context, key string, r Rule) {
	if l.Log != nil {
		l.Log.WarnContext(ctx, "rate limit reached", "key", key, "limit", r.Limit, "window", r.Window.String())
	}
	if l.Events == nil {
		return
	}
	action, scope, value := splitKey(key)
	data := map[string]any{"action": action, "scope": scope, "value": value, "limit": r.Limit,
		"window_seconds": int(r.Window.Seconds()),
		"http_request":   map[string]any{"request_id": httpx.RequestID(ctx)}}
	// The client address comes from the request context the server set.
	req := (&http.Request{URL: &url.URL{}, Header: http.Header{}}).WithContext(ctx)
	if err := l.Events.Record(ctx, l.Store, req, nil, EventRateLimited, data); err != nil {
		l.logErr(ctx, "recording rate_limited event failed", err)
	}
}

func splitKey(key string) (action, scope, value string) {
	parts := strings.SplitN(key, ":", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	return parts[0], parts[1], parts[2]
}

func (l *Limiter) logErr(ctx context.Context, msg string, err error) {
	if l.Log != nil {
		l.Log.ErrorContext(ctx, msg, "err", err)
	}
}
