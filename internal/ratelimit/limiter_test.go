package ratelimit

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newLimiter(st store.Queries, c *clock) *Limiter {
	l := New(st, Defaults(), &event.Recorder{Now: c.now}, nil)
	l.Now = c.now
	return l
}

func TestLimiterScenarios(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 25, 12, 0, 30, 0, time.UTC) // 30 s into a 5-minute window
	tests := []struct {
		name string
		run  func(t *testing.T, l *Limiter, c *clock)
	}{
		{"ten failures per address, then 429 until the window ends", func(t *testing.T, l *Limiter, c *clock) {
			key := IPKey(InvitationFail, "203.0.113.9")
			for i := range 10 {
				if _, limited := l.Check(ctx, key); limited {
					t.Fatalf("limited after %d failures", i)
				}
				l.Fail(ctx, key)
			}
			retry, limited := l.Check(ctx, key)
			if !limited || retry != 4*time.Minute+30*time.Second {
				t.Fatalf("after 10 failures: limited=%v retry=%v, want true 4m30s", limited, retry)
			}
			if _, limited := l.Check(ctx, IPKey(InvitationFail, "203.0.113.10")); limited {
				t.Error("another address is limited by this one's failures")
			}
			c.t = c.t.Add(retry)
			if _, limited := l.Check(ctx, key); limited {
				t.Error("still limited in the next window")
			}
		}},
		{"per-target rule is 20 per 15 minutes", func(t *testing.T, l *Limiter, c *clock) {
			key := TargetKey(LoginFail, "user", "Alice")
			for range 19 {
				l.Fail(ctx, key)
			}
			if _, limited := l.Check(ctx, TargetKey(LoginFail, "user", "alice ")); limited {
				t.Fatal("limited after 19 failures")
			}
			l.Fail(ctx, key)
			if retry, limited := l.Check(ctx, key); !limited || retry != 15*time.Minute-30*time.Second {
				t.Fatalf("after 20: %v %v", retry, limited)
			}
		}},
		{"any limited key limits; the longest wait wins", func(t *testing.T, l *Limiter, c *clock) {
			ip, user := IPKey(LoginFail, "198.51.100.1"), TargetKey(LoginFail, "user", "bob")
			for range 20 {
				l.Fail(ctx, ip, user)
			}
			if retry, limited := l.Check(ctx, ip, user); !limited || retry != 14*time.Minute+30*time.Second {
				t.Fatalf("got %v %v", retry, limited)
			}
		}},
		{"IPv6 addresses count per /64", func(t *testing.T, l *Limiter, c *clock) {
			for i := range 10 {
				l.Fail(ctx, IPKey(PromptFail, fmt.Sprintf("2001:db8:1:2::%x", i+1)))
			}
			if _, limited := l.Check(ctx, IPKey(PromptFail, "2001:db8:1:2:ffff::1")); !limited {
				t.Error("rotating addresses inside a /64 escapes the limit")
			}
			if _, limited := l.Check(ctx, IPKey(PromptFail, "2001:db8:1:3::1")); limited {
				t.Error("the neighbouring /64 is limited")
			}
		}},
		{"limit 0 turns a rule off", func(t *testing.T, l *Limiter, c *clock) {
			l.Config.Address.Limit = 0
			key := IPKey(LoginFail, "192.0.2.1")
			for range 50 {
				l.Fail(ctx, key)
			}
			if _, limited := l.Check(ctx, key); limited {
				t.Error("disabled rule limits")
			}
		}},
		{"nil limiter never limits", func(t *testing.T, _ *Limiter, c *clock) {
			var l *Limiter
			l.Fail(ctx, "x:ip:1")
			if _, limited := l.Check(ctx, "x:ip:1"); limited {
				t.Error("nil limiter limits")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := storetest.OpenSQLite(t)
			c := &clock{start}
			tt.run(t, newLimiter(st, c), c)
		})
	}
}

// Two instances on one database share the counts, and the event is
// written once, when the limit is reached.
func TestLimiterSharedAcrossInstances(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Open(t)
			c := &clock{time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
			a, bb := newLimiter(st, c), newLimiter(st, c)
			key := IPKey(LoginFail, "203.0.113.50")
			for i := range 15 {
				[]*Limiter{a, bb}[i%2].Fail(ctx, key)
			}
			if _, limited := bb.Check(ctx, key); !limited {
				t.Error("instance B does not see instance A's failures")
			}
			events, total, err := st.ListEvents(ctx, store.EventFilter{Action: EventRateLimited})
			if err != nil || total != 1 {
				t.Fatalf("rate_limited events = %d (%v), want 1", total, err)
			}
			if got := events[0].Context; got["action"] != LoginFail || got["scope"] != "ip" || got["value"] != "203.0.113.50" {
				t.Errorf("event context = %v", got)
			}
		})
	}
}

func TestParseEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{"defaults", nil, Defaults(), ""},
		{"all set", map[string]string{EnvAddressLimit: "3", EnvAddressWindow: "1m", EnvTargetLimit: "0", EnvTargetWindow: "1h"},
			Config{Address: Rule{3, time.Minute}, Target: Rule{0, time.Hour}}, ""},
		{"negative limit", map[string]string{EnvAddressLimit: "-1"}, Config{}, EnvAddressLimit + `: "-1" is not a whole number`},
		{"words", map[string]string{EnvTargetLimit: "ten"}, Config{}, EnvTargetLimit},
		{"bad window", map[string]string{EnvTargetWindow: "5"}, Config{}, EnvTargetWindow + `: "5" is not a duration of at least one second; write for example 5m`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestResponses(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteAPI(rec, 4*time.Minute+1*time.Second)
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "241" ||
		strings.TrimSpace(rec.Body.String()) != `{"detail":"Too many attempts. Try again in 5 minutes."}` {
		t.Errorf("API: %d %q %q", rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
	}
	rec = httptest.NewRecorder()
	WritePage(rec, 20*time.Second)
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "20" ||
		!strings.Contains(rec.Body.String(), "Too many attempts. Try again in 1 minute.") ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("page: %d %v %q", rec.Code, rec.Header(), rec.Body.String())
	}
}
