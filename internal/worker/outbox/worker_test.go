package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/worker/outbox"
)

var quiet = slog.New(slog.DiscardHandler)

func enqueue(t *testing.T, st store.Store, kind string, n int) []int64 {
	t.Helper()
	var ids []int64
	for i := range n {
		m := store.OutboxMessage{Kind: kind, Payload: fmt.Appendf(nil, `{"n": %d}`, i)}
		if err := st.EnqueueOutbox(context.Background(), &m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	return ids
}

func outboxByID(t *testing.T, st store.Store) map[int64]store.OutboxMessage {
	t.Helper()
	all, err := st.ListOutbox(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]store.OutboxMessage{}
	for _, m := range all {
		out[m.ID] = m
	}
	return out
}

func events(t *testing.T, st store.Store, action string) []store.Event {
	t.Helper()
	ev, _, err := st.ListEvents(context.Background(), store.EventFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestTwoWorkersNeverDeliverTwice(t *testing.T) {
	st := storetest.OpenSQLite(t)
	ids := enqueue(t, st, "test", 40)
	var mu sync.Mutex
	delivered := map[int64]int{}
	handler := func(ctx context.Context, m store.OutboxMessage) error {
		time.Sleep(2 * time.Millisecond) // overlap the workers' claims
		mu.Lock()
		delivered[m.ID]++
		mu.Unlock()
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for range 2 {
		w := &outbox.Worker{Store: st, Log: quiet, Handlers: map[string]outbox.Handler{"test": handler}, Batch: 3,
			Interval: 5 * time.Millisecond}
		wg.Add(1)
		go func() { defer wg.Done(); w.Run(ctx) }()
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		sent := 0
		for _, m := range outboxByID(t, st) {
			if m.SentAt != nil {
				sent++
			}
		}
		if sent == len(ids) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	for _, id := range ids {
		if delivered[id] != 1 {
			t.Errorf("message %d delivered %d times", id, delivered[id])
		}
	}
	for id, m := range outboxByID(t, st) {
		if m.SentAt == nil {
			t.Errorf("message %d not marked sent", id)
		}
	}
}

func TestRetriesBackoffAndGivingUp(t *testing.T) {
	// Enqueued messages are due at the real time; start the clock after it.
	start := time.Now().UTC().Add(time.Minute).Truncate(time.Second)
	tests := []struct {
		name        string
		err         error
		maxAttempts int
		wantRuns    int // attempts until the message is given up
	}{
		{"temporary error retried until max attempts", errors.New("451 try again"), 3, 3},
		{"permanent error given up at once", outbox.Permanent(errors.New("bad payload")), 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := storetest.OpenSQLite(t)
			id := enqueue(t, st, "test", 1)[0]
			clk := &clock{t: start}
			runs := 0
			w := &outbox.Worker{Store: st, Log: quiet, Now: clk.Now, MaxAttempts: tt.maxAttempts, BaseBackoff: time.Minute,
				Events: &event.Recorder{Now: clk.Now},
				Handlers: map[string]outbox.Handler{"test": func(context.Context, store.OutboxMessage) error {
					runs++
					return tt.err
				}}}
			ctx := context.Background()
			for i := range 5 {
				if _, err := w.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
				m := outboxByID(t, st)[id]
				if m.LastError != tt.err.Error() {
					t.Fatalf("last_error = %q", m.LastError)
				}
				if !m.Failed {
					// Not due before the backoff has passed.
					if n, _ := w.RunOnce(ctx); n != 0 {
						t.Fatalf("claimed before the backoff ended")
					}
					want := clk.Now().Add(w.Backoff(i + 1))
					if !m.NextAttempt.Equal(want) {
						t.Fatalf("next attempt %s, want %s", m.NextAttempt, want)
					}
				}
				clk.Add(time.Hour)
			}
			if runs != tt.wantRuns {
				t.Errorf("handler ran %d times, want %d", runs, tt.wantRuns)
			}
			if m := outboxByID(t, st)[id]; !m.Failed || m.SentAt != nil {
				t.Errorf("failed=%v sent=%v, want given up", m.Failed, m.SentAt)
			}
			ev := events(t, st, "test_failed")
			if len(ev) != tt.wantRuns {
				t.Fatalf("%d test_failed events, want %d", len(ev), tt.wantRuns)
			}
			if ev[0].Context["gave_up"] != true || ev[0].Context["error"] != tt.err.Error() {
				t.Errorf("newest event context = %v", ev[0].Context)
			}
		})
	}
}

func TestUnknownKindIsRetriedNotLost(t *testing.T) {
	st := storetest.OpenSQLite(t)
	id := enqueue(t, st, "webhook", 1)[0]
	w := &outbox.Worker{Store: st, Log: quiet, Handlers: map[string]outbox.Handler{}}
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := outboxByID(t, st)[id]
	if m.Failed || m.SentAt != nil || m.LastError == "" {
		t.Errorf("got failed=%v sent=%v error=%q, want a scheduled retry", m.Failed, m.SentAt, m.LastError)
	}
}

func TestBackoff(t *testing.T) {
	w := &outbox.Worker{BaseBackoff: 30 * time.Second, MaxBackoff: 10 * time.Minute}
	for attempt, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute,
		5: 8 * time.Minute, 6: 10 * time.Minute, 40: 10 * time.Minute} {
		if got := w.Backoff(attempt); got != want {
			t.Errorf("Backoff(%d) = %s, want %s", attempt, got, want)
		}
	}
}
