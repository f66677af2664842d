package outbox_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/worker/outbox"
)

// TestAttemptsCountedOnce: the claim counts an attempt, the worker does not
// count it again. After two failures the row says 2, the events say 1 and
// 2, the retry waits Backoff(2); the third delivery succeeds as attempt 3;
// and with MaxAttempts 3 a third failure gives up (not the second).
func TestAttemptsCountedOnce(t *testing.T) {
	start := time.Now().UTC().Add(time.Minute).Truncate(time.Second)
	for _, tc := range []struct {
		name       string
		third      error
		wantSent   bool
		wantGaveUp bool
	}{
		{"third attempt succeeds", nil, true, false},
		{"third attempt fails and gives up", errors.New("451 still down"), false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := storetest.OpenSQLite(t)
			id := enqueue(t, st, "test", 1)[0]
			clk := &clock{t: start}
			results := []error{errors.New("451 try again"), errors.New("451 try again"), tc.third}
			var seen []int
			w := &outbox.Worker{Store: st, Log: quiet, Now: clk.Now, MaxAttempts: 3, BaseBackoff: time.Minute,
				Events: &event.Recorder{Now: clk.Now},
				Handlers: map[string]outbox.Handler{"test": func(_ context.Context, m store.OutboxMessage) error {
					seen = append(seen, m.Attempts)
					return results[len(seen)-1]
				}}}
			ctx := context.Background()
			for range 2 {
				if n, err := w.RunOnce(ctx); err != nil || n != 1 {
					t.Fatalf("run: claimed %d, %v", n, err)
				}
				clk.Add(time.Hour)
			}
			m := outboxByID(t, st)[id]
			if m.Attempts != 2 || m.Failed {
				t.Fatalf("after two failures: attempts %d failed %v, want 2 and a retry", m.Attempts, m.Failed)
			}
			if want := start.Add(time.Hour).Add(w.Backoff(2)); !m.NextAttempt.Equal(want) {
				t.Errorf("next attempt %s, want %s (backoff after attempt 2)", m.NextAttempt, want)
			}
			fails := events(t, st, "test_failed") // newest first
			if len(fails) != 2 || fails[0].Context["attempt"] != 2.0 || fails[1].Context["attempt"] != 1.0 {
				t.Fatalf("test_failed attempts = %v", attemptsOf(fails))
			}
			if _, err := w.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			if len(seen) != 3 || seen[0] != 1 || seen[1] != 2 || seen[2] != 3 {
				t.Errorf("handler saw attempts %v, want [1 2 3]", seen)
			}
			m = outboxByID(t, st)[id]
			if m.Attempts != 3 || (m.SentAt != nil) != tc.wantSent || m.Failed != tc.wantGaveUp {
				t.Errorf("after the third attempt: attempts %d sent %v failed %v", m.Attempts, m.SentAt != nil, m.Failed)
			}
			if tc.wantSent {
				if sent := events(t, st, "test_sent"); len(sent) != 1 || sent[0].Context["attempt"] != 3.0 {
					t.Errorf("test_sent attempts = %v, want [3]", attemptsOf(sent))
				}
			} else if fails := events(t, st, "test_failed"); len(fails) != 3 || fails[0].Context["attempt"] != 3.0 ||
				fails[0].Context["gave_up"] != true {
				t.Errorf("test_failed = %v, newest %v; want attempt 3 given up", attemptsOf(fails), fails[0].Context)
			}
		})
	}
}

func attemptsOf(evs []store.Event) []any {
	out := make([]any, len(evs))
	for i, e := range evs {
		out[i] = e.Context["attempt"]
	}
	return out
}
